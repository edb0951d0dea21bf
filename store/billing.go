package store

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

var encounterFields = []string{"diagnoses", "charges", "date_of_service"}

// CreateEncounter records an encounter and its charges. It lives in the
// patient's organisation; provider and coverage must be visible there.
func (s *Store) CreateEncounter(ctx context.Context, a Actor, e Encounter) (Encounter, error) {
	if err := e.Validate(s.today()); err != nil {
		return e, err
	}
	e.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetPatientOrg"), e.PatientID).Scan(&e.OrgID); err != nil {
			return fieldMissing(err, "/patient_id")
		}
		if err := requireScope(ctx, tx, a, PermEncounterWrite, e.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/patient_id", Detail: "does not exist"}}}
		}
		if err := s.visibleTo(ctx, tx, a, "GetProviderOrg", e.ProviderID, PermEncounterWrite, "/provider_id"); err != nil {
			return err
		}
		if e.CoverageID != "" {
			var pid string
			if err := tx.QueryRow(ctx, q("GetCoveragePatient"), e.CoverageID).Scan(&pid); err != nil || pid != e.PatientID {
				return &ValidationError{Fields: []FieldProblem{{Pointer: "/coverage_id", Detail: "is not a coverage of this patient"}}}
			}
		}
		if e.AppointmentID != "" {
			var pid string
			if err := tx.QueryRow(ctx, q("GetAppointmentPatient"), e.AppointmentID).Scan(&pid); err != nil || pid != e.PatientID {
				return &ValidationError{Fields: []FieldProblem{{Pointer: "/appointment_id", Detail: "is not an appointment of this patient"}}}
			}
		}
		if err := tx.QueryRow(ctx, q("InsertEncounter"), e.ID, e.OrgID, e.PatientID, e.ProviderID, nullable(e.CoverageID),
			nullable(e.AppointmentID), e.DateOfService, e.PlaceOfService, e.Diagnoses).Scan(&e.CreatedAt, &e.UpdatedAt); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, c := range e.Charges {
			b.Queue(q("InsertCharge"), e.ID, c.Line, c.Code, c.Modifiers, c.DiagnosisPointers, c.Units, c.AmountCents, nullable(c.PlaceOfService))
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: e.OrgID, PatientID: e.PatientID, Action: ActionCreate, Resource: "encounter", ResourceID: e.ID, Fields: encounterFields})
	})
	return e, err
}

func scanEncounter(r pgx.Row) (Encounter, error) {
	var e Encounter
	var dos time.Time
	err := r.Scan(&e.ID, &e.OrgID, &e.PatientID, &e.ProviderID, &e.CoverageID, &e.AppointmentID, &dos, &e.PlaceOfService, &e.Diagnoses, &e.CreatedAt, &e.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	e.DateOfService = dos.Format(time.DateOnly)
	return e, err
}

func loadCharges(ctx context.Context, tx pgx.Tx, e *Encounter) error {
	rows, err := tx.Query(ctx, q("ListCharges"), e.ID)
	if err != nil {
		return err
	}
	e.Charges, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Charge, error) {
		var c Charge
		err := r.Scan(&c.Line, &c.Code, &c.Modifiers, &c.DiagnosisPointers, &c.Units, &c.AmountCents, &c.PlaceOfService)
		return c, err
	})
	return err
}

// GetEncounter reads an encounter with its charges (an audited PHI read).
func (s *Store) GetEncounter(ctx context.Context, a Actor, id string) (Encounter, error) {
	var e Encounter
	if !validID(id) {
		return e, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if e, err = scanEncounter(tx.QueryRow(ctx, q("GetEncounter"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermEncounterRead, e.OrgID); err != nil {
			return err
		}
		if err := loadCharges(ctx, tx, &e); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: e.OrgID, PatientID: e.PatientID, Action: ActionRead, Resource: "encounter", ResourceID: e.ID, Fields: encounterFields})
	})
	return e, err
}

// UpdateEncounter applies a patch while the encounter has no claim (after
// that, corrections go through the claim's lifecycle).
func (s *Store) UpdateEncounter(ctx context.Context, a Actor, id string, ch EncounterPatch) (Encounter, error) {
	var e Encounter
	if !validID(id) {
		return e, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if e, err = scanEncounter(tx.QueryRow(ctx, q("GetEncounterForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermEncounterWrite, e.OrgID); err != nil {
			return err
		}
		var claimed bool
		if err := tx.QueryRow(ctx, q("EncounterHasClaim"), id).Scan(&claimed); err != nil {
			return err
		}
		if claimed {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "", Detail: "the encounter has a claim; correct it through the claim"}}}
		}
		if err := loadCharges(ctx, tx, &e); err != nil {
			return err
		}
		set(&e.PlaceOfService, ch.PlaceOfService)
		set(&e.Diagnoses, ch.Diagnoses)
		set(&e.Charges, ch.Charges)
		if err := e.Validate(s.today()); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, q("UpdateEncounter"), e.ID, e.PlaceOfService, e.Diagnoses).Scan(&e.UpdatedAt); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(q("DeleteCharges"), e.ID)
		for _, c := range e.Charges {
			b.Queue(q("InsertCharge"), e.ID, c.Line, c.Code, c.Modifiers, c.DiagnosisPointers, c.Units, c.AmountCents, nullable(c.PlaceOfService))
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: e.OrgID, PatientID: e.PatientID, Action: ActionUpdate, Resource: "encounter", ResourceID: e.ID, Fields: encounterFields})
	})
	return e, err
}

// ListEncounters lists visible encounters, optionally of one patient
// (without their charges; read one encounter for those).
func (s *Store) ListEncounters(ctx context.Context, a Actor, patientID string, p Page) ([]Encounter, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Encounter
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListEncounters"), nullable(a.UserID), PermEncounterRead, after, p.Size(), nullable(patientID))
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Encounter, error) { return scanEncounter(r) }); err != nil {
			return err
		}
		entries := make([]AuditEntry, len(out))
		for i := range out {
			out[i].Charges = []Charge{}
			entries[i] = AuditEntry{OrgID: out[i].OrgID, PatientID: out[i].PatientID, Action: ActionList, Resource: "encounter", ResourceID: out[i].ID, Fields: []string{"diagnoses", "date_of_service"}}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// ClaimDraft is the status a claim is created in. The statuses, the
// lifecycle between them and the staff decisions are in package rcm; the
// claim workflow is the only writer of a claim's status after this.
const ClaimDraft = string(rcm.StatusDraft)

// patientControlNumber is CLM01: 20 random upper-case letters and digits
// (no PHI; unique).
func patientControlNumber() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CreateClaim creates the claim of an encounter (at most one), billed to
// the encounter's coverage (or the patient's primary coverage) with the
// sum of its charges, in status draft.
func (s *Store) CreateClaim(ctx context.Context, a Actor, encounterID string) (Claim, error) {
	var c Claim
	if !validID(encounterID) {
		return c, &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "is required"}}}
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var covID *string
		err := tx.QueryRow(ctx, q("GetEncounterForClaim"), encounterID).Scan(&c.OrgID, &c.PatientID, &c.ProviderID, &covID, &c.TotalCents)
		if err != nil {
			return fieldMissing(err, "/encounter_id")
		}
		if c.TotalCents <= 0 || c.TotalCents > MaxAmountCents {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "the encounter's charges must total 1 to 999999999999999999 cents"}}}
		}
		if ok, err := inScope(ctx, tx, a, PermClaimWrite, c.OrgID); err != nil || !ok {
			if err != nil {
				return err
			}
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "does not exist"}}}
		}
		if covID == nil {
			var id string
			if err := tx.QueryRow(ctx, q("PrimaryCoverage"), c.PatientID).Scan(&id); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "the patient has no coverage to bill"}}}
				}
				return err
			}
			covID = &id
		}
		c.CoverageID = *covID
		if err := tx.QueryRow(ctx, q("GetCoveragePayer"), c.CoverageID).Scan(&c.PayerID); err != nil {
			return err
		}
		c.ID, c.EncounterID, c.Status, c.PatientControlNumber = newID(), encounterID, ClaimDraft, patientControlNumber()
		err = tx.QueryRow(ctx, q("InsertClaim"), c.ID, c.OrgID, c.EncounterID, c.PatientID, c.CoverageID, c.PayerID, c.ProviderID,
			c.PatientControlNumber, c.TotalCents, c.Status).Scan(&c.CreatedAt, &c.UpdatedAt)
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "already has a claim"}}}
		}
		if err != nil {
			return err
		}
		h := StatusChange{Seq: 1, Status: ClaimDraft, Reason: "created", ActorID: a.UserID, At: c.CreatedAt}
		if _, err := tx.Exec(ctx, q("InsertClaimStatus"), c.ID, h.Seq, h.Status, h.Reason, nullable(a.UserID), h.At); err != nil {
			return err
		}
		c.History = []StatusChange{h}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionCreate, Resource: "claim", ResourceID: c.ID, Fields: []string{"encounter_id", "coverage_id", "total_cents"}})
	})
	return c, err
}

func scanClaim(r pgx.Row) (Claim, error) {
	var c Claim
	err := r.Scan(&c.ID, &c.OrgID, &c.EncounterID, &c.PatientID, &c.CoverageID, &c.PayerID, &c.ProviderID,
		&c.PatientControlNumber, &c.TotalCents, &c.Status, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return c, err
}

func loadHistory(ctx context.Context, tx pgx.Tx, c *Claim) error {
	rows, err := tx.Query(ctx, q("ListClaimStatus"), c.ID)
	if err != nil {
		return err
	}
	c.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusChange, error) {
		var h StatusChange
		return h, r.Scan(&h.Seq, &h.Status, &h.Reason, &h.ActorID, &h.At)
	})
	return err
}

// GetClaim reads a claim with its status history.
func (s *Store) GetClaim(ctx context.Context, a Actor, id string) (Claim, error) {
	var c Claim
	if !validID(id) {
		return c, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if c, err = scanClaim(tx.QueryRow(ctx, q("GetClaim"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, c.OrgID); err != nil {
			return err
		}
		if err := loadHistory(ctx, tx, &c); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: "claim", ResourceID: c.ID, Fields: []string{"status", "total_cents"}})
	})
	return c, err
}

// ListClaims lists visible claims (without history).
func (s *Store) ListClaims(ctx context.Context, a Actor, f ClaimFilter, p Page) ([]Claim, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Claim
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListClaims"), nullable(a.UserID), PermClaimRead, after, p.Size(), nullable(f.Status), nullable(f.PatientID), nullable(f.PayerID))
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Claim, error) { return scanClaim(r) }); err != nil {
			return err
		}
		entries := make([]AuditEntry, len(out))
		for i := range out {
			out[i].History = []StatusChange{}
			entries[i] = AuditEntry{OrgID: out[i].OrgID, PatientID: out[i].PatientID, Action: ActionList, Resource: "claim", ResourceID: out[i].ID, Fields: []string{"status", "total_cents"}}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// GetClaimBundle reads a claim with everything needed to build its 837, in
// one transaction, as one audited PHI read.
func (s *Store) GetClaimBundle(ctx context.Context, a Actor, claimID string) (ClaimBundle, error) {
	var b ClaimBundle
	if !validID(claimID) {
		return b, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if b.Claim, err = scanClaim(tx.QueryRow(ctx, q("GetClaim"), claimID)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, b.Claim.OrgID); err != nil {
			return err
		}
		if err := loadHistory(ctx, tx, &b.Claim); err != nil {
			return err
		}
		if b.Encounter, err = scanEncounter(tx.QueryRow(ctx, q("GetEncounter"), b.Claim.EncounterID)); err != nil {
			return err
		}
		if err := loadCharges(ctx, tx, &b.Encounter); err != nil {
			return err
		}
		sp, err := scanSealedPatient(tx.QueryRow(ctx, q("GetPatient"), b.Claim.PatientID))
		if err != nil {
			return err
		}
		if b.Patient, _, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		if b.Coverage, err = s.scanCoverage(ctx, tx.QueryRow(ctx, q("GetCoverage"), b.Claim.CoverageID)); err != nil {
			return err
		}
		if b.Provider, err = scanProvider(tx.QueryRow(ctx, q("GetProvider"), b.Claim.ProviderID)); err != nil {
			return err
		}
		if b.Payer, err = scanPayer(tx.QueryRow(ctx, q("GetPayer"), b.Claim.PayerID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: b.Claim.OrgID, PatientID: b.Claim.PatientID, Action: ActionRead, Resource: "claim_bundle", ResourceID: b.Claim.ID,
			Fields: append(append([]string{}, patientPHI...), coveragePHI...)})
	})
	return b, err
}
