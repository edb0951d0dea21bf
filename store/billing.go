package store

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

var encounterFields = []string{"diagnoses", "charges", "date_of_service"}

// CreateEncounter records an encounter and its charges. It lives in the
// patient's organisation; provider and coverage must be visible there.
func (s *Store) CreateEncounter(ctx context.Context, a Actor, e Encounter) (Encounter, error) {
	if err := e.Validate(s.today()); err != nil {
		return e, err
	}
	e.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error { return s.insertEncounter(ctx, tx, a, &e) })
	return e, err
}

// insertEncounter writes a validated encounter and its charges inside tx;
// the API's create and the import's commit share it.
func (s *Store) insertEncounter(ctx context.Context, tx pgx.Tx, a Actor, ep *Encounter) error {
	e := *ep
	defer func() { *ep = e }()
	{
		db := pgq.New(tx)
		var err error
		if e.OrgID, err = db.GetPatientOrg(ctx, e.PatientID); err != nil {
			return fieldMissing(err, "/patient_id")
		}
		if err := requireScope(ctx, tx, a, PermEncounterWrite, e.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/patient_id", Detail: "does not exist"}}}
		}
		if err := s.visibleTo(ctx, tx, a, (*pgq.Queries).GetProviderOrg, e.ProviderID, PermEncounterWrite, "/provider_id"); err != nil {
			return err
		}
		if e.CoverageID != "" {
			if pid, err := db.GetCoveragePatient(ctx, e.CoverageID); err != nil || pid != e.PatientID {
				return &ValidationError{Fields: []FieldProblem{{Pointer: "/coverage_id", Detail: "is not a coverage of this patient"}}}
			}
		}
		if e.AppointmentID != "" {
			if pid, err := db.GetAppointmentPatient(ctx, e.AppointmentID); err != nil || pid != e.PatientID {
				return &ValidationError{Fields: []FieldProblem{{Pointer: "/appointment_id", Detail: "is not an appointment of this patient"}}}
			}
		}
		dos, err := time.Parse(time.DateOnly, e.DateOfService)
		if err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/date_of_service", Detail: "must be a date YYYY-MM-DD"}}}
		}
		r, err := db.InsertEncounter(ctx, pgq.InsertEncounterParams{ID: e.ID, OrgID: e.OrgID, PatientID: e.PatientID, ProviderID: e.ProviderID,
			CoverageID: nullText(e.CoverageID), AppointmentID: nullText(e.AppointmentID), DateOfService: dos,
			PlaceOfService: e.PlaceOfService, Diagnoses: e.Diagnoses})
		if err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt = r.CreatedAt, r.UpdatedAt
		b := &pgx.Batch{}
		for _, c := range e.Charges {
			b.Queue(q("InsertCharge"), e.ID, c.Line, c.Code, c.Modifiers, c.DiagnosisPointers, c.Units, c.AmountCents, nullable(c.PlaceOfService))
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: e.OrgID, PatientID: e.PatientID, Action: ActionCreate, Resource: "encounter", ResourceID: e.ID, Fields: encounterFields})
	}
}

func encounter(r pgq.GetEncounterRow) Encounter {
	return Encounter{ID: r.ID, OrgID: r.OrgID, PatientID: r.PatientID, ProviderID: r.ProviderID, CoverageID: r.CoverageID,
		AppointmentID: r.AppointmentID, DateOfService: r.DateOfService.Format(time.DateOnly), PlaceOfService: r.PlaceOfService,
		Diagnoses: r.Diagnoses, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// getEncounter reads one encounter without its charges (ErrNotFound when none).
func getEncounter(ctx context.Context, db pgq.DBTX, id string) (Encounter, error) {
	r, err := pgq.New(db).GetEncounter(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Encounter{}, ErrNotFound
	}
	return encounter(r), err
}

func loadCharges(ctx context.Context, tx pgx.Tx, e *Encounter) error {
	rows, err := pgq.New(tx).ListCharges(ctx, e.ID)
	if err != nil {
		return err
	}
	e.Charges = make([]Charge, len(rows))
	for i, r := range rows {
		c := Charge{Line: int(r.Line), Code: r.Code, Modifiers: r.Modifiers, DiagnosisPointers: make([]int, len(r.DiagnosisPointers)),
			Units: r.Units, AmountCents: r.AmountCents, PlaceOfService: r.PlaceOfService}
		for j, d := range r.DiagnosisPointers {
			c.DiagnosisPointers[j] = int(d)
		}
		e.Charges[i] = c
	}
	return nil
}

// GetEncounter reads an encounter with its charges (an audited PHI read).
func (s *Store) GetEncounter(ctx context.Context, a Actor, id string) (Encounter, error) {
	return readScoped(ctx, s, a, id, scopedRead[Encounter]{
		perm: PermEncounterRead,
		get: func(ctx context.Context, tx pgx.Tx) (Encounter, error) {
			return getEncounter(ctx, tx, id)
		},
		org:  func(e Encounter) string { return e.OrgID },
		more: loadCharges,
		audit: func(e Encounter) AuditEntry {
			return AuditEntry{OrgID: e.OrgID, PatientID: e.PatientID, Action: ActionRead, Resource: "encounter", ResourceID: e.ID, Fields: encounterFields}
		},
	})
}

// UpdateEncounter applies a patch while the encounter has no claim (after
// that, corrections go through the claim's lifecycle).
func (s *Store) UpdateEncounter(ctx context.Context, a Actor, id string, ch EncounterPatch) (Encounter, error) {
	var e Encounter
	if !validID(id) {
		return e, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		db := pgq.New(tx)
		r, err := db.GetEncounterForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		e = encounter(pgq.GetEncounterRow(r))
		if err := requireScope(ctx, tx, a, PermEncounterWrite, e.OrgID); err != nil {
			return err
		}
		claimed, err := db.EncounterHasClaim(ctx, id)
		if err != nil {
			return err
		}
		if claimed {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "", Detail: "the encounter has a claim; correct it through the claim (POST /v1/claims/{id}/versions, then the correct or resubmit decision)"}}}
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
		if e.UpdatedAt, err = db.UpdateEncounter(ctx, pgq.UpdateEncounterParams{ID: e.ID, PlaceOfService: e.PlaceOfService,
			Diagnoses: e.Diagnoses}); err != nil {
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
		rows, err := pgq.New(tx).ListEncounters(ctx, pgq.ListEncountersParams{Actor: nullText(a.UserID), Perm: PermEncounterRead,
			After: after, RowLimit: int32(p.Size()), PatientID: nullText(patientID)})
		if err != nil {
			return err
		}
		out = make([]Encounter, len(rows))
		for i, r := range rows {
			out[i] = encounter(pgq.GetEncounterRow(r))
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
		db := pgq.New(tx)
		e, err := db.GetEncounterForClaim(ctx, encounterID)
		if err != nil {
			return fieldMissing(err, "/encounter_id")
		}
		c.OrgID, c.PatientID, c.ProviderID, c.CoverageID, c.TotalCents = e.OrgID, e.PatientID, e.ProviderID, e.CoverageID, e.TotalCents
		if c.TotalCents <= 0 || c.TotalCents > MaxAmountCents {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "the encounter's charges must total 1 to 999999999999999999 cents"}}}
		}
		if ok, err := inScope(ctx, tx, a, PermClaimWrite, c.OrgID); err != nil || !ok {
			if err != nil {
				return err
			}
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "does not exist"}}}
		}
		if c.CoverageID == "" { // the encounter names none: the patient's primary coverage
			c.CoverageID, err = db.PrimaryCoverage(ctx, c.PatientID)
			if errors.Is(err, pgx.ErrNoRows) {
				return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "the patient has no coverage to bill"}}}
			}
			if err != nil {
				return err
			}
		}
		if c.PayerID, err = db.GetCoveragePayer(ctx, c.CoverageID); err != nil {
			return err
		}
		c.ID, c.EncounterID, c.Status, c.PatientControlNumber = newID(), encounterID, ClaimDraft, patientControlNumber()
		r, err := db.InsertClaim(ctx, pgq.InsertClaimParams{ID: c.ID, OrgID: c.OrgID, EncounterID: c.EncounterID, PatientID: c.PatientID,
			CoverageID: c.CoverageID, PayerID: c.PayerID, ProviderID: c.ProviderID, PatientControlNumber: c.PatientControlNumber,
			TotalCents: c.TotalCents, Status: c.Status})
		c.CreatedAt, c.UpdatedAt = r.CreatedAt, r.UpdatedAt
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/encounter_id", Detail: "already has a claim"}}}
		}
		if err != nil {
			return err
		}
		h := StatusChange{Seq: 1, Status: ClaimDraft, Reason: "created", ActorID: a.UserID, At: c.CreatedAt}
		if err := db.InsertClaimStatus(ctx, pgq.InsertClaimStatusParams{ClaimID: c.ID, Seq: int32(h.Seq), Status: h.Status, Reason: h.Reason,
			ActorID: nullText(a.UserID), At: h.At}); err != nil {
			return err
		}
		c.History = []StatusChange{h}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionCreate, Resource: "claim", ResourceID: c.ID, Fields: []string{"encounter_id", "coverage_id", "total_cents"}})
	})
	return c, err
}

func claim(r pgq.GetClaimRow) Claim {
	return Claim{ID: r.ID, OrgID: r.OrgID, EncounterID: r.EncounterID, PatientID: r.PatientID, CoverageID: r.CoverageID,
		PayerID: r.PayerID, ProviderID: r.ProviderID, PatientControlNumber: r.PatientControlNumber, TotalCents: r.TotalCents,
		Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// getClaim reads one claim without its history (ErrNotFound when none).
func getClaim(ctx context.Context, db pgq.DBTX, id string) (Claim, error) {
	r, err := pgq.New(db).GetClaim(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Claim{}, ErrNotFound
	}
	return claim(r), err
}

// scanClaim reads a claim row of a query still run through q() (GetClaimForUpdate).
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
	rows, err := pgq.New(tx).ListClaimStatusNamed(ctx, c.ID)
	if err != nil {
		return err
	}
	c.History = make([]StatusChange, len(rows))
	for i, r := range rows {
		c.History[i] = StatusChange{Seq: int(r.Seq), Status: r.Status, Reason: r.Reason, ActorID: r.ActorID, ActorName: r.ActorName, At: r.At}
	}
	return nil
}

// GetClaim reads a claim with its status history.
func (s *Store) GetClaim(ctx context.Context, a Actor, id string) (Claim, error) {
	return readScoped(ctx, s, a, id, scopedRead[Claim]{
		perm: PermClaimRead,
		get: func(ctx context.Context, tx pgx.Tx) (Claim, error) {
			return getClaim(ctx, tx, id)
		},
		org:  func(c Claim) string { return c.OrgID },
		more: loadHistory,
		audit: func(c Claim) AuditEntry {
			return AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: "claim", ResourceID: c.ID, Fields: []string{"status", "total_cents"}}
		},
	})
}

// ListClaims lists visible claims (without history).
func (s *Store) ListClaims(ctx context.Context, a Actor, f ClaimFilter, p Page) ([]Claim, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Claim
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListClaims(ctx, pgq.ListClaimsParams{Actor: nullText(a.UserID), Perm: PermClaimRead, After: after,
			RowLimit: int32(p.Size()), Status: nullText(f.Status), PatientID: nullText(f.PatientID), PayerID: nullText(f.PayerID)})
		if err != nil {
			return err
		}
		out = make([]Claim, len(rows))
		for i, r := range rows {
			out[i] = claim(pgq.GetClaimRow(r))
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
		if b.Claim, err = getClaim(ctx, tx, claimID); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, b.Claim.OrgID); err != nil {
			return err
		}
		if err := loadHistory(ctx, tx, &b.Claim); err != nil {
			return err
		}
		if b.Encounter, err = getEncounter(ctx, tx, b.Claim.EncounterID); err != nil {
			return err
		}
		if err := loadCharges(ctx, tx, &b.Encounter); err != nil {
			return err
		}
		sp, err := getSealedPatient(ctx, tx, b.Claim.PatientID)
		if err != nil {
			return err
		}
		if b.Patient, _, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		if b.Coverage, err = s.getCoverage(ctx, tx, b.Claim.CoverageID); err != nil {
			return err
		}
		if b.Provider, err = getProvider(ctx, tx, b.Claim.ProviderID); err != nil {
			return err
		}
		if b.Payer, err = getPayer(ctx, tx, b.Claim.PayerID); err != nil {
			return err
		}
		if err := s.applyLatestVersion(ctx, tx, &b); err != nil {
			return err
		}
		if b.PriorAuthorization, err = claimAuthNumber(ctx, tx, b.Claim.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: b.Claim.OrgID, PatientID: b.Claim.PatientID, Action: ActionRead, Resource: "claim_bundle", ResourceID: b.Claim.ID,
			Fields: append(append([]string{}, patientPHI...), coveragePHI...)})
	})
	return b, err
}
