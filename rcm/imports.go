package rcm

import "time"

// Import sources and stages (issue 21). A practice import is one workflow
// (import/<id>): fetch → validate → report (dry run ends here) → commit.
const (
	ImportSourceNDJSON = "ndjson"
	ImportSourceCSV    = "csv"
	ImportSourceFHIR   = "fhir"

	ImportStageFetch    = "fetch"
	ImportStageValidate = "validate"
	ImportStageReport   = "report"
	ImportStageCommit   = "commit"
	ImportStageDone     = "done"
	ImportStageFailed   = "failed"
)

// Outcomes of one staged source record.
const (
	ItemStaged    = "staged"
	ItemValid     = "valid"
	ItemInvalid   = "invalid"
	ItemImported  = "imported"
	ItemUnchanged = "unchanged" // already imported earlier (same source record): nothing written
	ItemFailed    = "failed"    // valid, but the store refused it at commit
	// ItemReference: a record claimflow keeps no row for, used by others
	// (a payer Organization resolved to a known payer, a Location's place of
	// service, a PractitionerRole's taxonomy).
	ItemReference = "reference"
	// A sync run's outcomes for a record imported before: ItemUpdated, the
	// EHR's change was applied (nothing billed yet); ItemFlagged, the
	// record's claim already went out, so the change is kept as an
	// ImportSyncFlag for staff and not applied.
	ItemUpdated = "updated"
	ItemFlagged = "flagged"
)

// ImportRun is one import and its progress.
type ImportRun struct {
	ID        string `json:"id"`
	OrgID     string `json:"org_id"`
	CreatedBy string `json:"created_by,omitempty"`
	// CreatedByName is the display name of the user who started it.
	CreatedByName string    `json:"created_by_name,omitempty"`
	Source        string    `json:"source"`
	SourceName    string    `json:"source_name"`
	DryRun        bool      `json:"dry_run"`
	Stage         string    `json:"stage"`
	Total         int       `json:"total"`
	Valid         int       `json:"valid"`
	Invalid       int       `json:"invalid"`
	Imported      int       `json:"imported"`
	Unchanged     int       `json:"unchanged"`
	Failed        int       `json:"failed"`
	Updated       int       `json:"updated"`
	Flagged       int       `json:"flagged"`
	SyncID        string    `json:"sync_id,omitempty"`
	Error         string    `json:"error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Done is how many records have reached a final outcome in the current
// stage's sense: validated during validate, committed or skipped after.
func (r ImportRun) Done() int {
	switch r.Stage {
	case ImportStageFetch:
		return 0
	case ImportStageValidate, ImportStageReport:
		return r.Valid + r.Invalid
	}
	return r.Imported + r.Unchanged + r.Failed + r.Invalid + r.Updated + r.Flagged
}

// ImportItem is one staged source record. Body is the source record (a FHIR
// resource as JSON) and Mapped the claimflow record it maps to; both are PHI
// and sealed at rest. Problems and Unmapped name fields, never values.
type ImportItem struct {
	Seq          int            `json:"seq"`
	ResourceType string         `json:"resource_type"`
	SourceID     string         `json:"source_id"`
	Body         []byte         `json:"-"`
	Mapped       []byte         `json:"-"`
	Status       string         `json:"status"`
	RecordID     string         `json:"record_id,omitempty"`
	Problems     []FieldProblem `json:"problems"`
	Unmapped     []string       `json:"unmapped"`
}

// ImportKey names a source record for the idempotent commit: the
// organisation, the FHIR resource type and its id at the source, and the
// natural key (MRN, member ID, NPI; "" when none), kept only as a blind index.
type ImportKey struct {
	OrgID        string
	RunID        string
	ResourceType string
	SourceID     string
	Natural      string
}

// ImportRecord is one record of a group commit (the store's ImportGroup):
// its key, its item's seq, the further items it absorbs (an encounter's
// ChargeItems), and exactly one record.
type ImportRecord struct {
	Key       ImportKey
	Seq       int
	Also      []ImportItem
	Patient   *Patient
	Coverage  *Coverage
	Provider  *Provider
	Booking   *Booking
	Encounter *Encounter
}

// ImportResult is a group commit's answer for one record: the claimflow
// id, whether this commit created it (false: the key existed, the items
// are marked unchanged), or the store's refusal (a *ValidationError,
// ErrConflict, ErrNotFound) when the record was not written.
type ImportResult struct {
	ID      string
	Created bool
	Err     error
}
