package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Ongoing EHR sync (issue 21): registrations, the runs' high-water marks,
// and what a sync run does with a record imported before: apply the EHR's
// change while nothing is billed, flag it (import_sync_flags) when the
// claim already went out. Changes are applied through the same update
// paths as the API's (Reschedule, UpdateAppointment, UpdateEncounter), so
// they are checked, sealed and audited alike.

type (
	ImportSync     = rcm.ImportSync
	ImportSyncFlag = rcm.ImportSyncFlag
)

// CreateImportSync registers a sync at in.OrgID (patient:write there).
func (s *Store) CreateImportSync(ctx context.Context, a Actor, in ImportSync) (ImportSync, error) {
	var pr problems
	if !validID(in.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if in.Server == "" {
		pr.Add("/server", "name a FHIR server configured on the worker")
	}
	if in.Every < time.Minute || in.Every > 24*time.Hour {
		pr.Add("/every", "must be between 1m and 24h")
	}
	if a.UserID == "" {
		pr.Add("", "a sync is registered by a user")
	}
	if err := pr.Err(); err != nil {
		return in, err
	}
	in.ID, in.CreatedBy, in.State = newID(), a.UserID, rcm.SyncActive
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPatientWrite, in.OrgID); err != nil {
			return orgMissing()
		}
		err := tx.QueryRow(ctx, q("InsertImportSync"), in.ID, in.OrgID, in.CreatedBy, in.Server, int(in.Every/time.Second)).Scan(&in.CreatedAt, &in.UpdatedAt)
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/server", Detail: "this organisation already syncs from this server"}}}
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: in.OrgID, Action: ActionCreate, Resource: "import_sync", ResourceID: in.ID, Fields: []string{"server", "every"}})
	})
	return in, err
}

func scanImportSync(row pgx.Row) (ImportSync, error) {
	var x ImportSync
	var secs int
	err := row.Scan(&x.ID, &x.OrgID, &x.CreatedBy, &x.Server, &secs, &x.HighWater, &x.LastRunID, &x.LastError, &x.CreatedAt, &x.UpdatedAt,
		&x.PausedAt, &x.PausedBy, &x.DeletedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return x, ErrNotFound
	}
	x.Every = time.Duration(secs) * time.Second
	x.State = syncState(x)
	return x, err
}

func syncState(x ImportSync) string {
	switch {
	case x.DeletedAt != nil:
		return rcm.SyncDeleted
	case x.PausedAt != nil:
		return rcm.SyncPaused
	}
	return rcm.SyncActive
}

// ActionDelete is the audit action of removing a record that is kept as
// history (a deleted sync).
const ActionDelete = "delete"

// SetImportSyncState pauses (rcm.SyncPaused), resumes (rcm.SyncActive) or
// deletes (rcm.SyncDeleted) a sync (patient:write at its organisation):
// under the row's lock, apply acts on the sync's Temporal Schedule, then
// the row records the new state, audited, in the same transaction; when
// apply fails nothing is recorded. A pause of a paused sync, a resume of
// an active one and anything on a deleted one are refused naming /state.
func (s *Store) SetImportSyncState(ctx context.Context, a Actor, id, state string, apply func(context.Context, ImportSync) error) (ImportSync, error) {
	var x ImportSync
	if !validID(id) {
		return x, ErrNotFound
	}
	if state != rcm.SyncActive && state != rcm.SyncPaused && state != rcm.SyncDeleted {
		return x, &ValidationError{Fields: []FieldProblem{{Pointer: "/state", Detail: "must be active, paused or deleted"}}}
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if x, err = scanImportSync(tx.QueryRow(ctx, q("GetImportSyncForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermPatientWrite, x.OrgID); err != nil {
			return err
		}
		switch x.State {
		case rcm.SyncDeleted:
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/state", Detail: "the sync is deleted"}}}
		case state:
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/state", Detail: "the sync is already " + state}}}
		}
		if err := apply(ctx, x); err != nil {
			return err
		}
		action := ActionUpdate
		switch state {
		case rcm.SyncPaused:
			err = tx.QueryRow(ctx, q("PauseImportSync"), id, nullable(a.UserID)).Scan(&x.PausedAt, &x.UpdatedAt)
			x.PausedBy = a.UserID
		case rcm.SyncActive:
			err = tx.QueryRow(ctx, q("ResumeImportSync"), id).Scan(&x.UpdatedAt)
			x.PausedAt, x.PausedBy = nil, ""
		case rcm.SyncDeleted:
			action = ActionDelete
			err = tx.QueryRow(ctx, q("DeleteImportSync"), id, nullable(a.UserID)).Scan(&x.DeletedAt, &x.UpdatedAt)
		}
		if err != nil {
			return err
		}
		x.State = syncState(x)
		return s.audit(ctx, tx, a, AuditEntry{OrgID: x.OrgID, Action: action, Resource: "import_sync", ResourceID: x.ID, Fields: []string{"state"}})
	})
	return x, err
}

// GetImportSync reads a sync (patient:write at its organisation; System
// for the sync's workflow).
func (s *Store) GetImportSync(ctx context.Context, a Actor, id string) (ImportSync, error) {
	if !validID(id) {
		return ImportSync{}, ErrNotFound
	}
	return scanImportSync(s.Pool.QueryRow(ctx, q("GetImportSync"), id, nullable(a.UserID)))
}

// ListImportSyncs lists the syncs visible to the actor.
func (s *Store) ListImportSyncs(ctx context.Context, a Actor) ([]ImportSync, error) {
	rows, err := s.Pool.Query(ctx, q("ListImportSyncs"), nullable(a.UserID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ImportSync{}
	for rows.Next() {
		x, err := scanImportSync(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SyncRuns lists a visible sync's newest runs.
func (s *Store) SyncRuns(ctx context.Context, a Actor, syncID string, limit int) ([]ImportRun, error) {
	if _, err := s.GetImportSync(ctx, a, syncID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	return s.importRuns(ctx, "ListSyncRuns", syncID, limit)
}

// BeginSyncRun creates the import run of one scheduled pass, as the user
// who registered the sync (so the pass has exactly that user's scope).
func (s *Store) BeginSyncRun(ctx context.Context, syncID string) (ImportSync, ImportRun, error) {
	x, err := s.GetImportSync(ctx, System, syncID)
	if err != nil {
		return x, ImportRun{}, err
	}
	run, err := s.CreateImportRun(ctx, Actor{UserID: x.CreatedBy, RequestID: "import-sync/" + x.ID},
		ImportRun{OrgID: x.OrgID, Source: rcm.ImportSourceFHIR, SourceName: "sync " + x.Server})
	if err != nil {
		return x, run, err
	}
	if _, err := s.Pool.Exec(ctx, q("SetImportRunSync"), run.ID, x.ID); err != nil {
		return x, run, err
	}
	run.SyncID = x.ID
	return x, run, nil
}

// RaiseImportHighWater records the greatest lastUpdated a run fetched.
func (s *Store) RaiseImportHighWater(ctx context.Context, runID string, t time.Time) error {
	_, err := s.Pool.Exec(ctx, q("RaiseImportRunHighWater"), runID, t.UTC())
	return err
}

// FinishSyncRun records a pass's end on its sync: a committed pass moves
// the high-water mark; a failed one leaves it and records the error.
func (s *Store) FinishSyncRun(ctx context.Context, syncID, runID string, committed bool, errText string) (ImportSync, error) {
	if _, err := s.Pool.Exec(ctx, q("FinishImportSync"), syncID, runID, committed, errText); err != nil {
		return ImportSync{}, err
	}
	return s.GetImportSync(ctx, System, syncID)
}

// markItems sets the outcome of a record's items (the record and the
// ChargeItems it absorbed).
func markItems(ctx context.Context, tx pgx.Tx, runID string, seqs []int, status, recordID string) error {
	b := &pgx.Batch{}
	for _, seq := range seqs {
		b.Queue(q("MarkImportItem"), runID, seq, status, nullable(recordID))
	}
	return tx.SendBatch(ctx, b).Close()
}

func seqsOf(seq int, also []ImportItem) []int {
	out := []int{seq}
	for _, it := range also {
		out = append(out, it.Seq)
	}
	return out
}

// syncChange is what a sync found about a record imported before.
type syncChange struct {
	k         ImportKey
	syncID    string
	seqs      []int
	recordID  string
	patientID string
	fields    []string
	version   any // the EHR's new version (mapped), sealed into a flag
}

// flag keeps a change for staff instead of applying it: one flag per
// source version; the items are marked flagged; the flag is audited.
func (s *Store) flag(ctx context.Context, a Actor, c syncChange, claimID, claimStatus, reason string) error {
	body, err := json.Marshal(c.version)
	if err != nil {
		return err
	}
	dk, err := s.runKey(ctx, c.k.RunID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	id := newID()
	sealed := sealer{dk, "import_sync_flags", id}.seal("body", string(body))
	return s.tx(ctx, func(tx pgx.Tx) error {
		var got string
		err := tx.QueryRow(ctx, q("InsertImportSyncFlag"), id, c.k.OrgID, c.syncID, c.k.RunID, c.seqs[0], c.k.ResourceType, c.k.SourceID,
			c.recordID, nullable(c.patientID), nullable(claimID), claimStatus, reason, c.fields, sealed,
			s.bidx("import_sync_flags.version", hex.EncodeToString(sum[:]))).Scan(&got)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // this version was flagged before
		case err != nil:
			return err
		default:
			if err := s.audit(ctx, tx, a, AuditEntry{OrgID: c.k.OrgID, PatientID: c.patientID, Action: ActionCreate, Resource: "import_sync_flag",
				ResourceID: id, Fields: c.fields}); err != nil {
				return err
			}
		}
		return markItems(ctx, tx, c.k.RunID, c.seqs, rcm.ItemFlagged, c.recordID)
	})
}

func (s *Store) markOnly(ctx context.Context, runID string, seqs []int, status, recordID string) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return markItems(ctx, tx, runID, seqs, status, recordID) })
}

// SyncAppointment commits one appointment of a sync pass: a new one is
// imported (ImportAppointment); a known one is compared with the record
// and its change applied (reschedule, visit type) unless an encounter of
// it has a claim that went out, or the change moves it to another patient
// or provider, or the appointment is no longer booked: then it is flagged.
func (s *Store) SyncAppointment(ctx context.Context, a Actor, k ImportKey, seq int, syncID string, b Booking) error {
	id, known, err := s.ImportRecordOf(ctx, k.OrgID, k.ResourceType, k.SourceID)
	if err != nil {
		return err
	}
	if !known {
		_, _, err := s.ImportAppointment(ctx, a, k, seq, b)
		return err
	}
	b.StartsAt, b.EndsAt = b.StartsAt.UTC().Truncate(time.Microsecond), b.EndsAt.UTC().Truncate(time.Microsecond)
	if err := b.Validate(); err != nil {
		return err
	}
	x, err := getAppointment(ctx, s.Pool, id)
	if err != nil {
		return err
	}
	var fields []string
	diff := func(name string, same bool) {
		if !same {
			fields = append(fields, name)
		}
	}
	diff("patient_id", x.PatientID == b.PatientID)
	diff("provider_id", x.ProviderID == b.ProviderID)
	diff("visit_type", x.VisitType == b.VisitType)
	diff("starts_at", x.StartsAt.Equal(b.StartsAt))
	diff("ends_at", x.EndsAt.Equal(b.EndsAt))
	c := syncChange{k: k, syncID: syncID, seqs: []int{seq}, recordID: id, patientID: x.PatientID, fields: fields, version: b}
	if len(fields) == 0 {
		return s.markOnly(ctx, k.RunID, c.seqs, rcm.ItemUnchanged, id)
	}
	rows, err := s.Pool.Query(ctx, q("AppointmentClaimStatuses"), id)
	if err != nil {
		return err
	}
	type claimRow struct{ id, status string }
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimRow, error) {
		var c claimRow
		return c, r.Scan(&c.id, &c.status)
	})
	if err != nil {
		return err
	}
	for _, cl := range claims {
		if rcm.ClaimGoneOut(rcm.ClaimStatus(cl.status)) {
			return s.flag(ctx, a, c, cl.id, cl.status, rcm.FlagClaimOut)
		}
	}
	if slices.Contains(fields, "patient_id") || slices.Contains(fields, "provider_id") || x.Status != "booked" {
		return s.flag(ctx, a, c, "", "", rcm.FlagNotApplicable)
	}
	if slices.Contains(fields, "starts_at") || slices.Contains(fields, "ends_at") {
		if _, err := s.Reschedule(ctx, a, id, b.StartsAt, b.EndsAt); err != nil {
			return err
		}
	}
	if slices.Contains(fields, "visit_type") {
		if _, err := s.UpdateAppointment(ctx, a, id, AppointmentPatch{VisitType: &b.VisitType}); err != nil {
			return err
		}
	}
	return s.markOnly(ctx, k.RunID, c.seqs, rcm.ItemUpdated, id)
}

// SyncEncounter commits one encounter (with the ChargeItems it absorbed)
// of a sync pass: a new one is imported (ImportEncounter); a known one is
// compared with the record (place of service, diagnoses, charges) and
// its change applied through UpdateEncounter while it has no claim. An
// encounter with a claim is flagged (claim_submitted once the claim went
// out, claim_open before: claims are corrected through their versions),
// and so is a change of patient, provider or date of service.
func (s *Store) SyncEncounter(ctx context.Context, a Actor, k ImportKey, seq int, syncID string, charges []ImportItem, e Encounter) error {
	id, known, err := s.ImportRecordOf(ctx, k.OrgID, k.ResourceType, k.SourceID)
	if err != nil {
		return err
	}
	if !known {
		_, _, err := s.ImportEncounter(ctx, a, k, seq, charges, e)
		return err
	}
	if err := e.Validate(s.today()); err != nil {
		return err
	}
	var cur Encounter
	var claimID, claimStatus string
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if cur, err = getEncounter(ctx, tx, id); err != nil {
			return err
		}
		if err := loadCharges(ctx, tx, &cur); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, q("EncounterClaimStatus"), id).Scan(&claimID, &claimStatus)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	var fields []string
	diff := func(name string, same bool) {
		if !same {
			fields = append(fields, name)
		}
	}
	diff("patient_id", cur.PatientID == e.PatientID)
	diff("provider_id", cur.ProviderID == e.ProviderID)
	diff("date_of_service", cur.DateOfService == e.DateOfService)
	diff("place_of_service", cur.PlaceOfService == e.PlaceOfService)
	diff("diagnoses", slices.Equal(cur.Diagnoses, e.Diagnoses))
	diff("charges", sameCharges(cur.Charges, e.Charges))
	c := syncChange{k: k, syncID: syncID, seqs: seqsOf(seq, charges), recordID: id, patientID: cur.PatientID, fields: fields, version: e}
	keyCharges := func() error {
		return s.tx(ctx, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			for _, it := range charges {
				b.Queue(q("InsertImportKeyIfMissing"), k.OrgID, it.ResourceType, it.SourceID, id, k.RunID)
			}
			return tx.SendBatch(ctx, b).Close()
		})
	}
	switch {
	case len(fields) == 0:
		if err := keyCharges(); err != nil {
			return err
		}
		return s.markOnly(ctx, k.RunID, c.seqs, rcm.ItemUnchanged, id)
	case claimID != "" && rcm.ClaimGoneOut(rcm.ClaimStatus(claimStatus)):
		return s.flag(ctx, a, c, claimID, claimStatus, rcm.FlagClaimOut)
	case claimID != "":
		return s.flag(ctx, a, c, claimID, claimStatus, rcm.FlagClaimOpen)
	case slices.ContainsFunc(fields, func(f string) bool { return f == "patient_id" || f == "provider_id" || f == "date_of_service" }):
		return s.flag(ctx, a, c, "", "", rcm.FlagNotApplicable)
	}
	if _, err := s.UpdateEncounter(ctx, a, id, EncounterPatch{PlaceOfService: &e.PlaceOfService, Diagnoses: &e.Diagnoses, Charges: &e.Charges}); err != nil {
		return err
	}
	if err := keyCharges(); err != nil {
		return err
	}
	return s.markOnly(ctx, k.RunID, c.seqs, rcm.ItemUpdated, id)
}

// sameCharges compares charge lines by what is billed (line numbers are
// positions).
func sameCharges(a, b []Charge) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Code != y.Code || !slices.Equal(x.Modifiers, y.Modifiers) && len(x.Modifiers)+len(y.Modifiers) > 0 ||
			!slices.Equal(x.DiagnosisPointers, y.DiagnosisPointers) || x.Units != y.Units || x.AmountCents != y.AmountCents ||
			x.PlaceOfService != y.PlaceOfService {
			return false
		}
	}
	return true
}

func scanFlag(row pgx.Row) (ImportSyncFlag, error) {
	var f ImportSyncFlag
	err := row.Scan(&f.ID, &f.OrgID, &f.SyncID, &f.RunID, &f.ResourceType, &f.SourceID, &f.RecordID, &f.PatientID, &f.ClaimID,
		&f.ClaimStatus, &f.Reason, &f.Fields, &f.Status, &f.ResolvedBy, &f.ResolvedAt, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, ErrNotFound
	}
	return f, err
}

// ListImportSyncFlags lists the flags visible to the actor (status "" for
// all), newest first; the list is audited per flag (each names a patient's
// record).
func (s *Store) ListImportSyncFlags(ctx context.Context, a Actor, status string, limit int) ([]ImportSyncFlag, error) {
	switch status {
	case "", rcm.FlagOpen, rcm.FlagAcknowledged, rcm.FlagDismissed:
	default:
		return nil, &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "must be open, acknowledged or dismissed"}}}
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []ImportSyncFlag{}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListImportSyncFlags"), nullable(a.UserID), status, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			f, err := scanFlag(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		entries := make([]AuditEntry, len(out))
		for i, f := range out {
			entries[i] = AuditEntry{OrgID: f.OrgID, PatientID: f.PatientID, Action: ActionList, Resource: "import_sync_flag", ResourceID: f.ID, Fields: []string{"fields", "reason"}}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, err
}

// ResolveImportSyncFlag records a staff decision on a flag: acknowledged
// (seen; the claim is being corrected) or dismissed (nothing to do).
func (s *Store) ResolveImportSyncFlag(ctx context.Context, a Actor, id, status string) (ImportSyncFlag, error) {
	var f ImportSyncFlag
	if status != rcm.FlagAcknowledged && status != rcm.FlagDismissed {
		return f, &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "must be acknowledged or dismissed"}}}
	}
	if !validID(id) {
		return f, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if f, err = scanFlag(tx.QueryRow(ctx, q("GetImportSyncFlagForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermPatientWrite, f.OrgID); err != nil {
			return err
		}
		if f.Status != rcm.FlagOpen {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "the flag is already " + f.Status}}}
		}
		var at time.Time
		if err := tx.QueryRow(ctx, q("ResolveImportSyncFlag"), id, status, nullable(a.UserID)).Scan(&at); err != nil {
			return err
		}
		f.Status, f.ResolvedBy, f.ResolvedAt = status, a.UserID, &at
		return s.audit(ctx, tx, a, AuditEntry{OrgID: f.OrgID, PatientID: f.PatientID, Action: ActionUpdate, Resource: "import_sync_flag", ResourceID: f.ID, Fields: []string{"status"}})
	})
	return f, err
}
