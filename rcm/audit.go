package rcm

import (
	"strconv"
	"strings"
	"time"
)

// Audit actions.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionList   = "list"
)

// AuditEntry is one row of the audit log: who touched which patient's
// record, which fields, how, from where.
type AuditEntry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	OrgID      string    `json:"org_id"`
	PatientID  string    `json:"patient_id"`
	Action     string    `json:"action"`
	Resource   string    `json:"resource"`
	ResourceID string    `json:"resource_id"`
	Fields     []string  `json:"fields"`
	SourceIP   string    `json:"source_ip"`
	RequestID  string    `json:"request_id"`
}

// Canonical is the byte string a row's hash covers.
func (e AuditEntry) Canonical() string {
	return strings.Join([]string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.OrgID, e.PatientID,
		e.Action, e.Resource, e.ResourceID, strings.Join(e.Fields, ","), e.SourceIP, e.RequestID,
	}, "\x1f")
}

// AuditFilter selects audit rows for compliance review.
type AuditFilter struct {
	PatientID string
	ActorID   string
	From, To  *time.Time
}
