package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

const auditChainDomain = "audit-chain"

// canonical is the byte string a row's hash covers.
func (e AuditEntry) canonical() string {
	return strings.Join([]string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.OrgID, e.PatientID,
		e.Action, e.Resource, e.ResourceID, strings.Join(e.Fields, ","), e.SourceIP, e.RequestID,
	}, "\x1f")
}

func (s *Store) chainHash(prev []byte, e AuditEntry) []byte {
	return s.keys.BlindIndex(auditChainDomain, hex.EncodeToString(prev)+"\x1e"+e.canonical())
}

// audit appends entries to the hash chain inside the caller's transaction.
// Locking audit_head serializes appends until the transaction ends, so the
// caller appends last, just before commit.
func (s *Store) audit(ctx context.Context, tx pgx.Tx, a Actor, entries ...AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var seq int64
	var prev []byte
	if err := tx.QueryRow(ctx, q("LockAuditHead")).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	b := &pgx.Batch{}
	for _, e := range entries {
		seq++
		e.Seq, e.At, e.ActorID, e.SourceIP, e.RequestID = seq, at, a.UserID, a.SourceIP, a.RequestID
		if e.Fields == nil {
			e.Fields = []string{}
		}
		h := s.chainHash(prev, e)
		b.Queue(q("InsertAudit"), e.Seq, e.At, nullable(e.ActorID), nullable(e.OrgID), nullable(e.PatientID),
			e.Action, e.Resource, e.ResourceID, e.Fields, e.SourceIP, e.RequestID, prev, h)
		prev = h
	}
	b.Queue(q("UpdateAuditHead"), seq, prev)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	return nil
}

// AuditReport is the result of VerifyAudit.
type AuditReport struct {
	Rows     int64    `json:"rows"`
	HeadSeq  int64    `json:"head_seq"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems,omitempty"`
}

// VerifyAudit walks the whole chain and reports every row whose content or
// link does not match (an altered row), every gap in the sequence (a
// deleted row), and a head that does not match the last row (rows deleted
// from the end). It needs the same keys that wrote the chain.
func (s *Store) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var r AuditReport
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var headHash []byte
		if err := tx.QueryRow(ctx, q("GetAuditHead")).Scan(&r.HeadSeq, &headHash); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q("ScanAudit"))
		if err != nil {
			return err
		}
		defer rows.Close()
		prev := make([]byte, 32)
		var last int64
		for rows.Next() {
			var e AuditEntry
			var prevHash, hash []byte
			if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.OrgID, &e.PatientID, &e.Action, &e.Resource,
				&e.ResourceID, &e.Fields, &e.SourceIP, &e.RequestID, &prevHash, &hash); err != nil {
				return err
			}
			r.Rows++
			if e.Seq != last+1 {
				r.Problems = append(r.Problems, fmt.Sprintf("rows %d to %d are missing", last+1, e.Seq-1))
			}
			if !bytes.Equal(prevHash, prev) {
				r.Problems = append(r.Problems, fmt.Sprintf("row %d does not link to the row before it", e.Seq))
			}
			if !bytes.Equal(s.chainHash(prevHash, e), hash) {
				r.Problems = append(r.Problems, fmt.Sprintf("row %d was altered", e.Seq))
			}
			prev, last = hash, e.Seq
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if last != r.HeadSeq || !bytes.Equal(prev, headHash) {
			r.Problems = append(r.Problems, fmt.Sprintf("the chain ends at row %d but the head records row %d", last, r.HeadSeq))
		}
		return nil
	})
	r.OK = err == nil && len(r.Problems) == 0
	return r, err
}

// AuditFilter selects audit rows for compliance review.
type AuditFilter struct {
	PatientID string
	ActorID   string
	From, To  *time.Time
}

// QueryAudit lists audit rows, newest first, for compliance officers holding
// audit:read at the rows' organisation (or an ancestor). Reading the log is
// itself audited.
func (s *Store) QueryAudit(ctx context.Context, a Actor, f AuditFilter, p Page) ([]AuditEntry, string, error) {
	before := int64(1<<62 - 1)
	if p.After != "" {
		n, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, "", &ValidationError{Fields: []FieldProblem{{"/cursor", "is not a cursor from a previous page"}}}
		}
		before = n
	}
	var out []AuditEntry
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("QueryAudit"), nullable(a.UserID), PermAuditRead, nullable(f.PatientID), nullable(f.ActorID), f.From, f.To, before, p.limit())
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
			var e AuditEntry
			err := r.Scan(&e.Seq, &e.At, &e.ActorID, &e.OrgID, &e.PatientID, &e.Action, &e.Resource,
				&e.ResourceID, &e.Fields, &e.SourceIP, &e.RequestID)
			return e, err
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{Action: ActionList, Resource: "audit_log", ResourceID: "query", PatientID: f.PatientID})
	})
	next := ""
	if len(out) == p.limit() {
		next = strconv.FormatInt(out[len(out)-1].Seq, 10)
	}
	return out, next, err
}
