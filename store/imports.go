package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Practice import (issue 21): runs, staged items (sealed under the run's
// data key) and the mapping from source records to claimflow records. The
// commit methods (ImportPatient, ...) write through the same insert helpers
// as the API's create methods, so imported records are validated, sealed
// and audited exactly alike; each writes the record, its import key and
// the item's outcome in one transaction, so a resumed or repeated run finds
// the key and writes nothing twice.

type (
	ImportRun  = rcm.ImportRun
	ImportItem = rcm.ImportItem
	ImportKey  = rcm.ImportKey
)

// CreateImportRun starts an import at r.OrgID (patient:write there).
func (s *Store) CreateImportRun(ctx context.Context, a Actor, r ImportRun) (ImportRun, error) {
	var pr problems
	if !validID(r.OrgID) {
		pr.Add("/org_id", "is required")
	}
	switch r.Source {
	case rcm.ImportSourceNDJSON, rcm.ImportSourceCSV, rcm.ImportSourceFHIR:
	default:
		pr.Add("/source", "must be ndjson, csv or fhir")
	}
	if err := pr.Err(); err != nil {
		return r, err
	}
	r.ID = newID()
	r.CreatedBy = a.UserID
	_, wrapped, err := s.keys.NewDataKey(ctx)
	if err != nil {
		return r, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPatientWrite, r.OrgID); err != nil {
			return orgMissing()
		}
		return tx.QueryRow(ctx, q("InsertImportRun"), r.ID, r.OrgID, nullable(r.CreatedBy), r.Source, r.SourceName, r.DryRun, wrapped).
			Scan(&r.Stage, &r.CreatedAt, &r.UpdatedAt)
	})
	return r, err
}

type importRunRow struct {
	ImportRun
	dek []byte
}

func scanImportRun(row pgx.Row) (importRunRow, error) {
	var r importRunRow
	err := row.Scan(&r.ID, &r.OrgID, &r.CreatedBy, &r.Source, &r.SourceName, &r.DryRun, &r.Stage, &r.Total, &r.Valid, &r.Invalid,
		&r.Imported, &r.Unchanged, &r.Failed, &r.Error, &r.CreatedAt, &r.UpdatedAt, &r.dek, &r.CreatedByName, &r.Updated, &r.Flagged, &r.SyncID)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

func (s *Store) importRun(ctx context.Context, a Actor, id string) (importRunRow, error) {
	if !validID(id) {
		return importRunRow{}, ErrNotFound
	}
	return scanImportRun(s.Pool.QueryRow(ctx, q("GetImportRun"), id, nullable(a.UserID)))
}

// GetImportRun reads an import's progress (patient:write at its organisation).
func (s *Store) GetImportRun(ctx context.Context, a Actor, id string) (ImportRun, error) {
	r, err := s.importRun(ctx, a, id)
	return r.ImportRun, err
}

// ListImportRuns lists the newest imports visible to the actor.
func (s *Store) ListImportRuns(ctx context.Context, a Actor, limit int) ([]ImportRun, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.importRuns(ctx, "ListImportRuns", nullable(a.UserID), limit)
}

// importRuns answers the runs the named query selects (in its order).
func (s *Store) importRuns(ctx context.Context, query string, args ...any) ([]ImportRun, error) {
	rows, err := s.Pool.Query(ctx, q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ImportRun{}
	for rows.Next() {
		r, err := scanImportRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.ImportRun)
	}
	return out, rows.Err()
}

// SetImportStage records the stage an import is in (and why it failed),
// with the counts recomputed in the same transaction, so that a reader
// never sees a final stage with stale counts.
func (s *Store) SetImportStage(ctx context.Context, runID, stage, errText string) error {
	committed := stage == rcm.ImportStageCommit || stage == rcm.ImportStageDone
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("RecountImportRun"), runID, committed); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q("SetImportRunStage"), runID, stage, errText)
		return err
	})
}

// RecountImport recomputes a run's counts from its items; committed says
// whether reference records (payers, locations) count as imported.
func (s *Store) RecountImport(ctx context.Context, runID string, committed bool) (ImportRun, error) {
	if _, err := s.Pool.Exec(ctx, q("RecountImportRun"), runID, committed); err != nil {
		return ImportRun{}, err
	}
	r, err := s.importRun(ctx, System, runID)
	return r.ImportRun, err
}

func (s *Store) runKey(ctx context.Context, runID string) (DataKey, error) {
	r, err := s.importRun(ctx, System, runID)
	if err != nil {
		return nil, err
	}
	return s.keys.DataKey(ctx, r.dek)
}

func itemSealer(dk DataKey, runID string, seq int) sealer {
	return sealer{dk, "import_items", runID + ":" + strconv.Itoa(seq)}
}

// StageImportItems stores source records of a run, sealed; an item whose
// seq is already staged is left as it is (a retried fetch).
func (s *Store) StageImportItems(ctx context.Context, runID string, items []ImportItem) error {
	if len(items) == 0 {
		return nil
	}
	dk, err := s.runKey(ctx, runID)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, it := range items {
		sl := itemSealer(dk, runID, it.Seq)
		b.Queue(q("InsertImportItem"), runID, it.Seq, it.ResourceType, it.SourceID, sl.seal("body", string(it.Body)))
	}
	return s.Pool.SendBatch(ctx, b).Close()
}

// MaxImportSeq is the highest staged seq of a run (0 when none).
func (s *Store) MaxImportSeq(ctx context.Context, runID string) (int, error) {
	var n int
	err := s.Pool.QueryRow(ctx, q("MaxImportSeq"), runID).Scan(&n)
	return n, err
}

// ImportItems reads one page of a run's items after seq, of one resource
// type and status ("" for any), unsealing body and mapped.
func (s *Store) ImportItems(ctx context.Context, runID, resourceType, status string, afterSeq, limit int) ([]ImportItem, error) {
	dk, err := s.runKey(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.Pool.Query(ctx, q("ListImportItems"), runID, resourceType, status, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportItem
	for rows.Next() {
		var it ImportItem
		var body, mapped, problems, unmapped []byte
		if err := rows.Scan(&it.Seq, &it.ResourceType, &it.SourceID, &body, &mapped, &it.Status, &it.RecordID, &problems, &unmapped); err != nil {
			return nil, err
		}
		sl := itemSealer(dk, runID, it.Seq)
		b, err := sl.open("body", body)
		if err != nil {
			return nil, err
		}
		m, err := sl.open("mapped", mapped)
		if err != nil {
			return nil, err
		}
		it.Body, it.Mapped = []byte(b), []byte(m)
		if err := json.Unmarshal(problems, &it.Problems); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(unmapped, &it.Unmapped); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func outcomeArgs(dk DataKey, runID string, it ImportItem) []any {
	if it.Problems == nil {
		it.Problems = []FieldProblem{}
	}
	if it.Unmapped == nil {
		it.Unmapped = []string{}
	}
	p, _ := json.Marshal(it.Problems)
	u, _ := json.Marshal(it.Unmapped)
	var mapped any
	if len(it.Mapped) > 0 {
		mapped = itemSealer(dk, runID, it.Seq).seal("mapped", string(it.Mapped))
	}
	return []any{runID, it.Seq, it.Status, nullable(it.RecordID), p, u, mapped}
}

// SetImportOutcomes records the validation outcome (status, problems,
// unmapped fields, the sealed mapped record) of items.
func (s *Store) SetImportOutcomes(ctx context.Context, runID string, items []ImportItem) error {
	if len(items) == 0 {
		return nil
	}
	dk, err := s.runKey(ctx, runID)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, it := range items {
		b.Queue(q("SetImportItemOutcome"), outcomeArgs(dk, runID, it)...)
	}
	return s.Pool.SendBatch(ctx, b).Close()
}

// ImportRecordOf answers the claimflow record a source record became at an
// organisation (ok false when it was never imported).
func (s *Store) ImportRecordOf(ctx context.Context, orgID, resourceType, sourceID string) (string, bool, error) {
	var id string
	err := s.Pool.QueryRow(ctx, q("GetImportKey"), orgID, resourceType, sourceID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return id, err == nil, err
}

// ImportNaturalOwner answers which source record already holds a natural
// key (MRN, member ID, NPI) at an organisation.
func (s *Store) ImportNaturalOwner(ctx context.Context, orgID, resourceType, natural string) (string, bool, error) {
	var src string
	err := s.Pool.QueryRow(ctx, q("FindImportKeyNatural"), orgID, resourceType, s.bidx("import_keys."+resourceType, natural)).Scan(&src)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return src, err == nil, err
}

// ImportPayers maps the payer IDs usable at an organisation to their ids.
func (s *Store) ImportPayers(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := s.Pool.Query(ctx, q("ImportPayersUsable"), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, id string
		if err := rows.Scan(&code, &id); err != nil {
			return nil, err
		}
		if _, seen := out[code]; !seen { // the nearest organisation's payer wins
			out[code] = id
		}
	}
	return out, rows.Err()
}

// ImportProviderByNPI finds a provider already registered at an organisation.
func (s *Store) ImportProviderByNPI(ctx context.Context, orgID, npi string) (string, bool, error) {
	var id string
	err := s.Pool.QueryRow(ctx, q("ImportProviderByNPI"), orgID, npi).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return id, err == nil, err
}

// ImportCoverageExists reports whether a coverage with this member ID and
// payer already exists at an organisation (entered through the API).
func (s *Store) ImportCoverageExists(ctx context.Context, orgID, memberID, payerID string) (bool, error) {
	var id string
	err := s.Pool.QueryRow(ctx, q("ImportCoverageByMember"), orgID, s.bidx("coverages.member_id", memberID), payerID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// importOne runs one commit: when the source record has a key it writes
// nothing but the items' outcome "unchanged"; otherwise insert writes the
// record, and the keys and outcomes "imported" follow in the same
// transaction. also are further source records the record absorbed (the
// ChargeItems of an encounter), keyed and marked with it.
func (s *Store) importOne(ctx context.Context, k ImportKey, seq int, also []ImportItem, insert func(tx pgx.Tx) (string, error)) (string, bool, error) {
	var id string
	var created bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		mark := func(status string) error {
			b := &pgx.Batch{}
			for _, it := range append([]ImportItem{{Seq: seq}}, also...) {
				b.Queue(`UPDATE import_items SET status = $3, record_id = $4 WHERE run_id = $1 AND seq = $2`, k.RunID, it.Seq, status, id)
			}
			return tx.SendBatch(ctx, b).Close()
		}
		err := tx.QueryRow(ctx, q("GetImportKey"), k.OrgID, k.ResourceType, k.SourceID).Scan(&id)
		if err == nil {
			return mark(rcm.ItemUnchanged)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if id, err = insert(tx); err != nil {
			return err
		}
		created = true
		b := &pgx.Batch{}
		b.Queue(q("InsertImportKey"), k.OrgID, k.ResourceType, k.SourceID, id, s.bidx("import_keys."+k.ResourceType, k.Natural), k.RunID)
		for _, it := range also {
			b.Queue(q("InsertImportKey"), k.OrgID, it.ResourceType, it.SourceID, id, nil, k.RunID)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return mark(rcm.ItemImported)
	})
	return id, created, err
}

// ImportPatient commits one imported patient (see importOne).
func (s *Store) ImportPatient(ctx context.Context, a Actor, k ImportKey, seq int, p Patient) (string, bool, error) {
	if err := p.Validate(s.today()); err != nil {
		return "", false, err
	}
	return s.importOne(ctx, k, seq, nil, func(tx pgx.Tx) (string, error) {
		p.ID = newID()
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return "", err
		}
		return p.ID, s.insertPatient(ctx, tx, a, &p, dk, wrapped)
	})
}

// ImportCoverage commits one imported coverage.
func (s *Store) ImportCoverage(ctx context.Context, a Actor, k ImportKey, seq int, c Coverage) (string, bool, error) {
	if err := c.Validate(s.today()); err != nil {
		return "", false, err
	}
	return s.importOne(ctx, k, seq, nil, func(tx pgx.Tx) (string, error) {
		c.ID = newID()
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return "", err
		}
		return c.ID, s.insertCoverage(ctx, tx, a, &c, dk, wrapped)
	})
}

// ImportProvider commits one imported provider; a provider already
// registered at the organisation with the same NPI is linked, not copied.
func (s *Store) ImportProvider(ctx context.Context, a Actor, k ImportKey, seq int, p Provider) (string, bool, error) {
	if err := p.Validate(); err != nil {
		return "", false, err
	}
	return s.importOne(ctx, k, seq, nil, func(tx pgx.Tx) (string, error) { return s.importProviderTx(ctx, tx, a, p) })
}

// importProviderTx links a provider registered at the organisation with
// the same NPI, or inserts it.
func (s *Store) importProviderTx(ctx context.Context, tx pgx.Tx, a Actor, p Provider) (string, error) {
	var existing string
	err := tx.QueryRow(ctx, q("ImportProviderByNPI"), p.OrgID, p.NPI).Scan(&existing)
	if err == nil {
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return "", orgMissing()
		}
		return existing, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	p.ID = newID()
	return p.ID, insertProvider(ctx, tx, a, &p)
}

// ImportAppointment commits one imported appointment with the booking's
// checks (scope, the provider's availability, no overlap) and audit.
func (s *Store) ImportAppointment(ctx context.Context, a Actor, k ImportKey, seq int, b Booking) (string, bool, error) {
	b.StartsAt, b.EndsAt = b.StartsAt.UTC().Truncate(time.Microsecond), b.EndsAt.UTC().Truncate(time.Microsecond)
	if err := b.Validate(); err != nil {
		return "", false, err
	}
	return s.importOne(ctx, k, seq, nil, func(tx pgx.Tx) (string, error) {
		x := Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt, EndsAt: b.EndsAt}
		org, h, err := bookingScope(ctx, tx, a, &x)
		if err != nil {
			return "", err
		}
		x.OrgID = org
		if err := markImporting(ctx, tx); err != nil {
			return "", err
		}
		if err := s.book(ctx, tx, &x); err != nil {
			return "", err
		}
		bt := &pgx.Batch{}
		if err := s.queueAudit(ctx, tx, bt, &h, a, AuditEntry{OrgID: org, PatientID: x.PatientID, Action: ActionCreate, Resource: "appointment", ResourceID: x.ID, Fields: apptFields}); err != nil {
			return "", err
		}
		return x.ID, tx.SendBatch(ctx, bt).Close()
	})
}

// markImporting tells the appointment trigger (migration 00166) that this
// transaction writes an import: an imported appointment that has already
// begun is a past visit, and starts no eligibility check and no reminders.
// The setting lasts until the transaction ends.
func markImporting(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('claimflow.importing', 'on', true)`)
	return err
}

// ImportEncounter commits one imported encounter with its charges; charges
// are the ChargeItem items it absorbed.
func (s *Store) ImportEncounter(ctx context.Context, a Actor, k ImportKey, seq int, charges []ImportItem, e Encounter) (string, bool, error) {
	if err := e.Validate(s.today()); err != nil {
		return "", false, err
	}
	return s.importOne(ctx, k, seq, charges, func(tx pgx.Tx) (string, error) {
		e.ID = newID()
		return e.ID, s.insertEncounter(ctx, tx, a, &e)
	})
}

// ImportReportAudit records that a user read an import's error report with
// the source records in it (PHI).
func (s *Store) ImportReportAudit(ctx context.Context, a Actor, run ImportRun) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		return s.audit(ctx, tx, a, AuditEntry{OrgID: run.OrgID, Action: ActionRead, Resource: "import_report", ResourceID: run.ID, Fields: []string{"source_record"}})
	})
}

// ImportIndex is what an organisation already holds, read once for a
// validation run instead of a query per record: the import keys (source
// record → claimflow record, natural keys as blind indexes) and the
// coverages' member ID indexes.
type ImportIndex struct {
	s         *Store
	records   map[string]string // type + "\x00" + source id → record id
	naturals  map[string]string // type + "\x00" + blind index → source id
	coverages map[string]bool   // member blind index + "\x00" + payer id
}

// LoadImportIndex reads an organisation's import keys and coverage member IDs.
func (s *Store) LoadImportIndex(ctx context.Context, orgID string) (*ImportIndex, error) {
	ix := &ImportIndex{s: s, records: map[string]string{}, naturals: map[string]string{}, coverages: map[string]bool{}}
	rows, err := s.Pool.Query(ctx, q("ImportKeysOfOrg"), orgID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var typ, src, id string
		var nat []byte
		if err := rows.Scan(&typ, &src, &id, &nat); err != nil {
			rows.Close()
			return nil, err
		}
		ix.records[typ+"\x00"+src] = id
		if len(nat) > 0 {
			ix.naturals[typ+"\x00"+string(nat)] = src
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.Pool.Query(ctx, q("ImportCoverageKeysOfOrg"), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var bidx []byte
		var payer string
		if err := rows.Scan(&bidx, &payer); err != nil {
			return nil, err
		}
		ix.coverages[string(bidx)+"\x00"+payer] = true
	}
	return ix, rows.Err()
}

// ImportRecordOf answers from the index (orgID is the index's).
func (ix *ImportIndex) ImportRecordOf(_ context.Context, _, resourceType, sourceID string) (string, bool, error) {
	id, ok := ix.records[resourceType+"\x00"+sourceID]
	return id, ok, nil
}

// ImportNaturalOwner answers from the index.
func (ix *ImportIndex) ImportNaturalOwner(_ context.Context, _, resourceType, natural string) (string, bool, error) {
	src, ok := ix.naturals[resourceType+"\x00"+string(ix.s.bidx("import_keys."+resourceType, natural))]
	return src, ok, nil
}

// ImportCoverageExists answers from the index.
func (ix *ImportIndex) ImportCoverageExists(_ context.Context, _, memberID, payerID string) (bool, error) {
	return ix.coverages[string(ix.s.bidx("coverages.member_id", memberID))+"\x00"+payerID], nil
}

// ImportProviderByNPI asks the store (providers registered through the
// API have no import key).
func (ix *ImportIndex) ImportProviderByNPI(ctx context.Context, orgID, npi string) (string, bool, error) {
	return ix.s.ImportProviderByNPI(ctx, orgID, npi)
}

// LoadExisting is LoadImportIndex for the import's activities.
func (s *Store) LoadExisting(ctx context.Context, orgID string) (interface {
	ImportRecordOf(ctx context.Context, orgID, resourceType, sourceID string) (string, bool, error)
	ImportNaturalOwner(ctx context.Context, orgID, resourceType, natural string) (string, bool, error)
	ImportCoverageExists(ctx context.Context, orgID, memberID, payerID string) (bool, error)
	ImportProviderByNPI(ctx context.Context, orgID, npi string) (string, bool, error)
}, error) {
	return s.LoadImportIndex(ctx, orgID)
}

// StageImportUpload stages the records of files uploaded through the API
// (the dashboard) into a run the actor created, sealed like a fetched
// source, and audits the upload (who brought which source records in).
// The run's workflow then starts at validation.
func (s *Store) StageImportUpload(ctx context.Context, a Actor, run ImportRun, items []ImportItem) error {
	if err := s.StageImportItems(ctx, run.ID, items); err != nil {
		return err
	}
	if _, err := s.RecountImport(ctx, run.ID, false); err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		return s.audit(ctx, tx, a, AuditEntry{OrgID: run.OrgID, Action: ActionCreate, Resource: "import_upload", ResourceID: run.ID, Fields: []string{"source_record"}})
	})
}

// CommitImportRun turns a finished dry run the actor may see into an
// import (patient:write at its organisation), once: a second commit, or
// the commit of a run that is not a finished dry run, is ErrConflict. The
// change is audited in the same transaction.
func (s *Store) CommitImportRun(ctx context.Context, a Actor, id string) (ImportRun, error) {
	run, err := s.importRun(ctx, a, id)
	if err != nil {
		return ImportRun{}, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPatientWrite, run.OrgID); err != nil {
			return orgMissing()
		}
		var got string
		if err := tx.QueryRow(ctx, q("CommitImportRun"), run.ID).Scan(&got); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return rcm.ErrConflict
			}
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: run.OrgID, Action: ActionUpdate, Resource: "import_run", ResourceID: run.ID, Fields: []string{"dry_run"}})
	})
	if err != nil {
		return ImportRun{}, err
	}
	return s.GetImportRun(ctx, a, id)
}

// UncommitImportRun takes back CommitImportRun when its workflow could not
// be started, so that the dry run can be committed again.
func (s *Store) UncommitImportRun(ctx context.Context, id string) error {
	_, err := s.Pool.Exec(ctx, q("UncommitImportRun"), id)
	return err
}
