package rcm

import "time"

// ImportSync is an organisation's ongoing sync from its EHR (issue 21): a
// FHIR server the worker is configured for (by name: base URL and SMART
// Backend Services credentials stay in the worker's configuration) pulled
// every Every on a Temporal Schedule, import-sync/<id>. HighWater is the
// greatest meta.lastUpdated a committed run saw; the next run asks for
// what changed after it. State is active, paused (its Schedule paused:
// no pass runs until it is resumed) or deleted (its Schedule is gone; the
// sync stays as the history of its runs and flags).
type ImportSync struct {
	ID        string        `json:"id"`
	OrgID     string        `json:"org_id"`
	CreatedBy string        `json:"created_by"`
	Server    string        `json:"server"`
	Every     time.Duration `json:"-"`
	HighWater *time.Time    `json:"high_water,omitempty"`
	LastRunID string        `json:"last_run_id,omitempty"`
	LastError string        `json:"last_error,omitempty"`
	State     string        `json:"state"`
	PausedAt  *time.Time    `json:"paused_at,omitempty"`
	PausedBy  string        `json:"paused_by,omitempty"`
	DeletedAt *time.Time    `json:"deleted_at,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// Sync states.
const (
	SyncActive  = "active"
	SyncPaused  = "paused"
	SyncDeleted = "deleted"
)

// Sync flag statuses and reasons.
const (
	FlagOpen         = "open"
	FlagAcknowledged = "acknowledged"
	FlagDismissed    = "dismissed"

	// FlagClaimOut: the record's claim is batched, submitted or later.
	FlagClaimOut = "claim_submitted"
	// FlagClaimOpen: the encounter has a claim not sent yet; claimflow
	// corrects claims only through the claim (its versions).
	FlagClaimOpen = "claim_open"
	// FlagNotApplicable: the change moves the record to another patient
	// or provider (or date of service), which a sync never does silently.
	FlagNotApplicable = "not_applicable"
)

// ImportSyncFlag is a change in the EHR that a sync did not apply. Fields
// names what changed (never values); the new version itself is sealed in
// the store.
type ImportSyncFlag struct {
	ID           string     `json:"id"`
	OrgID        string     `json:"org_id"`
	SyncID       string     `json:"sync_id"`
	RunID        string     `json:"run_id"`
	ResourceType string     `json:"resource_type"`
	SourceID     string     `json:"source_id"`
	RecordID     string     `json:"record_id"`
	PatientID    string     `json:"patient_id,omitempty"`
	ClaimID      string     `json:"claim_id,omitempty"`
	ClaimStatus  string     `json:"claim_status,omitempty"`
	Reason       string     `json:"reason"`
	Fields       []string   `json:"fields"`
	Status       string     `json:"status"`
	ResolvedBy   string     `json:"resolved_by,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// ClaimGoneOut reports whether a claim in this status has left claimflow
// (batched into an 837 or any later step): an EHR change to its encounter
// is flagged, not applied.
func ClaimGoneOut(s ClaimStatus) bool {
	switch s {
	case StatusDraft, StatusScrubbing, StatusScrubFailed, StatusReady, StatusOnHold, StatusVoided:
		return false
	}
	return true
}
