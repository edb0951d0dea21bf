package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// sealPatient is the patient's columns as written: PHI sealed under the
// patient's data key, blind indexes for the searchable fields.
func (s *Store) sealPatient(sl sealer, p Patient) pgq.UpdatePatientParams {
	return pgq.UpdatePatientParams{ID: p.ID,
		FirstName: sl.seal("first_name", p.FirstName), LastName: sl.seal("last_name", p.LastName), BirthDate: sl.seal("birth_date", p.BirthDate),
		Sex: p.Sex, Ssn: sl.seal("ssn", p.SSN), Address: sl.seal("address", p.Address), Phone: sl.seal("phone", p.Phone), Email: sl.seal("email", p.Email),
		LastNameBidx: s.bidx("patients.last_name", p.LastName), BirthDateBidx: s.bidx("patients.birth_date", p.BirthDate), SsnBidx: s.bidx("patients.ssn", p.SSN),
	}
}

// patientPHI names the sealed columns (the audit log lists them).
var patientPHI = []string{"first_name", "last_name", "birth_date", "ssn", "address", "phone", "email"}

// CreatePatient adds a patient, sealing every PHI field under a new data key.
func (s *Store) CreatePatient(ctx context.Context, a Actor, p Patient) (Patient, error) {
	if err := p.Validate(s.today()); err != nil {
		return p, err
	}
	p.ID = newID()
	dk, wrapped, err := s.keys.NewDataKey(ctx)
	if err != nil {
		return p, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error { return s.insertPatient(ctx, tx, a, &p, dk, wrapped) })
	return p, err
}

// insertPatient writes a validated patient (with its new ID and data key)
// inside tx: scope check, sealed columns, blind indexes, audit. The API's
// create and the import's commit share it.
func (s *Store) insertPatient(ctx context.Context, tx pgx.Tx, a Actor, pp *Patient, dk DataKey, wrapped []byte) error {
	p := *pp
	defer func() { *pp = p }()
	{
		if err := requireScope(ctx, tx, a, PermPatientWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		c := s.sealPatient(sealer{dk, "patients", p.ID}, p)
		r, err := pgq.New(tx).InsertPatient(ctx, pgq.InsertPatientParams{ID: p.ID, OrgID: p.OrgID, Dek: wrapped,
			FirstName: c.FirstName, LastName: c.LastName, BirthDate: c.BirthDate, Sex: c.Sex, Ssn: c.Ssn, Address: c.Address,
			Phone: c.Phone, Email: c.Email, LastNameBidx: c.LastNameBidx, BirthDateBidx: c.BirthDateBidx, SsnBidx: c.SsnBidx})
		if err != nil {
			return err
		}
		if err := s.setFirstNameIndex(ctx, tx, p.ID, p.FirstName); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionCreate, Resource: "patient", ResourceID: p.ID, Fields: patientPHI})
	}
}

type sealedPatient struct {
	Patient
	dek                                          []byte
	first, last, dob, ssn, address, phone, email []byte
}

func sealed(r pgq.GetPatientRow) sealedPatient {
	return sealedPatient{Patient: Patient{ID: r.ID, OrgID: r.OrgID, Sex: r.Sex, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt},
		dek: r.Dek, first: r.FirstName, last: r.LastName, dob: r.BirthDate, ssn: r.Ssn, address: r.Address, phone: r.Phone, email: r.Email}
}

// getSealedPatient reads one patient as stored (ErrNotFound when none).
func getSealedPatient(ctx context.Context, db pgq.DBTX, id string) (sealedPatient, error) {
	r, err := pgq.New(db).GetPatient(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return sealedPatient{}, ErrNotFound
	}
	return sealed(r), err
}

func (s *Store) openPatient(ctx context.Context, sp sealedPatient) (Patient, DataKey, error) {
	dk, err := s.keys.DataKey(ctx, sp.dek)
	if err != nil {
		return Patient{}, nil, err
	}
	sl := sealer{dk, "patients", sp.ID}
	p := sp.Patient
	for _, f := range []struct {
		col string
		dst *string
		src []byte
	}{{"first_name", &p.FirstName, sp.first}, {"last_name", &p.LastName, sp.last}, {"birth_date", &p.BirthDate, sp.dob},
		{"ssn", &p.SSN, sp.ssn}, {"address", &p.Address, sp.address}, {"phone", &p.Phone, sp.phone}, {"email", &p.Email, sp.email}} {
		if *f.dst, err = sl.open(f.col, f.src); err != nil {
			return Patient{}, nil, err
		}
	}
	return p, dk, nil
}

// GetPatient reads and unseals a patient; the read is audited.
func (s *Store) GetPatient(ctx context.Context, a Actor, id string) (Patient, error) {
	var p Patient
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		sp, err := getSealedPatient(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermPatientRead, sp.OrgID); err != nil {
			return err
		}
		if p, _, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionRead, Resource: "patient", ResourceID: p.ID, Fields: patientPHI})
	})
	return p, err
}

// UpdatePatient applies a patch, re-sealing under the patient's data key.
func (s *Store) UpdatePatient(ctx context.Context, a Actor, id string, ch PatientPatch) (Patient, error) {
	var p Patient
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		r, err := pgq.New(tx).GetPatientForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		sp := sealed(pgq.GetPatientRow(r))
		if err := requireScope(ctx, tx, a, PermPatientWrite, sp.OrgID); err != nil {
			return err
		}
		var dk DataKey
		if p, dk, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		set(&p.FirstName, ch.FirstName)
		set(&p.LastName, ch.LastName)
		set(&p.BirthDate, ch.BirthDate)
		set(&p.Sex, ch.Sex)
		set(&p.SSN, ch.SSN)
		set(&p.Address, ch.Address)
		set(&p.Phone, ch.Phone)
		set(&p.Email, ch.Email)
		if err := p.Validate(s.today()); err != nil {
			return err
		}
		if p.UpdatedAt, err = pgq.New(tx).UpdatePatient(ctx, s.sealPatient(sealer{dk, "patients", p.ID}, p)); err != nil {
			return err
		}
		if err := s.setFirstNameIndex(ctx, tx, p.ID, p.FirstName); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionUpdate, Resource: "patient", ResourceID: p.ID, Fields: ch.Fields()})
	})
	return p, err
}

// ListPatients lists the patients the actor can see that match f. Each
// returned patient is an audited read.
func (s *Store) ListPatients(ctx context.Context, a Actor, f PatientFilter, p Page) ([]Patient, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Patient
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListPatients(ctx, pgq.ListPatientsParams{Actor: nullText(a.UserID), Perm: PermPatientRead,
			After: after, RowLimit: int32(p.Size()), OrgID: nullText(f.OrgID), LastNameBidx: s.bidx("patients.last_name", f.LastName),
			BirthDateBidx: s.bidx("patients.birth_date", f.BirthDate), SsnBidx: s.bidx("patients.ssn", f.SSN)})
		if err != nil {
			return err
		}
		entries := make([]AuditEntry, 0, len(rows))
		for _, r := range rows {
			pt, _, err := s.openPatient(ctx, sealed(pgq.GetPatientRow(r)))
			if err != nil {
				return err
			}
			out = append(out, pt)
			entries = append(entries, AuditEntry{OrgID: pt.OrgID, PatientID: pt.ID, Action: ActionList, Resource: "patient", ResourceID: pt.ID, Fields: patientPHI})
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

var coveragePHI = []string{"member_id", "subscriber_first_name", "subscriber_last_name", "subscriber_birth_date"}

// CreateCoverage adds a coverage to a patient; it lives in the patient's
// organisation and the payer must be visible there.
func (s *Store) CreateCoverage(ctx context.Context, a Actor, c Coverage) (Coverage, error) {
	if err := c.Validate(s.today()); err != nil {
		return c, err
	}
	c.ID = newID()
	dk, wrapped, err := s.keys.NewDataKey(ctx)
	if err != nil {
		return c, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error { return s.insertCoverage(ctx, tx, a, &c, dk, wrapped) })
	return c, err
}

// insertCoverage writes a validated coverage (with its new ID and data key)
// inside tx; the API's create and the import's commit share it.
func (s *Store) insertCoverage(ctx context.Context, tx pgx.Tx, a Actor, cp *Coverage, dk DataKey, wrapped []byte) error {
	c := *cp
	defer func() { *cp = c }()
	{
		db := pgq.New(tx)
		var err error
		if c.OrgID, err = db.GetPatientOrg(ctx, c.PatientID); err != nil {
			return fieldMissing(err, "/patient_id")
		}
		if err := requireScope(ctx, tx, a, PermCoverageWrite, c.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/patient_id", Detail: "does not exist"}}}
		}
		if err := payerUsable(ctx, tx, a, c.PayerID, c.OrgID, "/payer_id"); err != nil {
			return err
		}
		sl := sealer{dk, "coverages", c.ID}
		r, err := db.InsertCoverage(ctx, pgq.InsertCoverageParams{ID: c.ID, OrgID: c.OrgID, PatientID: c.PatientID, PayerID: c.PayerID,
			Dek: wrapped, MemberID: sl.seal("member_id", c.MemberID), MemberIDBidx: s.bidx("coverages.member_id", c.MemberID),
			GroupNumber: c.GroupNumber, Relationship: c.Relationship, SubscriberFirstName: sl.seal("subscriber_first_name", c.SubscriberFirstName),
			SubscriberLastName: sl.seal("subscriber_last_name", c.SubscriberLastName), SubscriberBirthDate: sl.seal("subscriber_birth_date", c.SubscriberBirthDate),
			Priority: int32(c.Priority), EffectiveFrom: dateParam(c.EffectiveFrom), EffectiveTo: dateParam(c.EffectiveTo)})
		if err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = r.CreatedAt, r.UpdatedAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionCreate, Resource: "coverage", ResourceID: c.ID, Fields: coveragePHI})
	}
}

// payerUsable checks that a payer may be billed from org: payers set up at
// an organisation serve its whole subtree.
func payerUsable(ctx context.Context, tx pgx.Tx, a Actor, payerID, orgID, ptr string) error {
	ok, err := pgq.New(tx).PayerUsableAt(ctx, pgq.PayerUsableAtParams{PayerID: payerID, OrgID: orgID})
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: []FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
	}
	return nil
}

// visibleTo checks that a referenced record exists and that the actor may
// use it (perm at its organisation); otherwise it is an invalid field.
// orgOf is the query that reads the record's organisation
// ((*pgq.Queries).GetPatientOrg, GetProviderOrg).
func (s *Store) visibleTo(ctx context.Context, tx pgx.Tx, a Actor, orgOf func(*pgq.Queries, context.Context, string) (string, error), id, perm, ptr string) error {
	org, err := orgOf(pgq.New(tx), ctx, id)
	if err != nil {
		return fieldMissing(err, ptr)
	}
	if ok, err := inScope(ctx, tx, a, perm, org); err != nil || !ok {
		if err != nil {
			return err
		}
		return &ValidationError{Fields: []FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
	}
	return nil
}

func fieldMissing(err error, ptr string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &ValidationError{Fields: []FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
	}
	return err
}

// getCoverage reads and unseals one coverage (ErrNotFound when none).
func (s *Store) getCoverage(ctx context.Context, db pgq.DBTX, id string) (Coverage, error) {
	r, err := pgq.New(db).GetCoverage(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Coverage{}, ErrNotFound
	}
	if err != nil {
		return Coverage{}, err
	}
	return s.openCoverage(ctx, r)
}

// openCoverage is a stored coverage with its PHI unsealed.
func (s *Store) openCoverage(ctx context.Context, r pgq.GetCoverageRow) (Coverage, error) {
	c := Coverage{ID: r.ID, OrgID: r.OrgID, PatientID: r.PatientID, PayerID: r.PayerID, GroupNumber: r.GroupNumber,
		Relationship: r.Relationship, Priority: int(r.Priority), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	member, sf, sln, sbd := r.MemberID, r.SubscriberFirstName, r.SubscriberLastName, r.SubscriberBirthDate
	if r.EffectiveFrom != nil {
		c.EffectiveFrom = r.EffectiveFrom.Format(time.DateOnly)
	}
	if r.EffectiveTo != nil {
		c.EffectiveTo = r.EffectiveTo.Format(time.DateOnly)
	}
	dk, err := s.keys.DataKey(ctx, r.Dek)
	if err != nil {
		return c, err
	}
	sl := sealer{dk, "coverages", c.ID}
	if c.MemberID, err = sl.open("member_id", member); err != nil {
		return c, err
	}
	if c.SubscriberFirstName, err = sl.open("subscriber_first_name", sf); err != nil {
		return c, err
	}
	if c.SubscriberLastName, err = sl.open("subscriber_last_name", sln); err != nil {
		return c, err
	}
	c.SubscriberBirthDate, err = sl.open("subscriber_birth_date", sbd)
	return c, err
}

// GetCoverage reads and unseals a coverage; the read is audited.
func (s *Store) GetCoverage(ctx context.Context, a Actor, id string) (Coverage, error) {
	var c Coverage
	if !validID(id) {
		return c, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		org, err := pgq.New(tx).GetCoverageOrg(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermCoverageRead, org); err != nil {
			return err
		}
		if c, err = s.getCoverage(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: "coverage", ResourceID: c.ID, Fields: coveragePHI})
	})
	return c, err
}

// ListCoverages lists a patient's coverages by priority (or all visible
// ones with a member ID, exact match through the blind index).
func (s *Store) ListCoverages(ctx context.Context, a Actor, patientID, memberID string, p Page) ([]Coverage, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Coverage
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListCoverages(ctx, pgq.ListCoveragesParams{Actor: nullText(a.UserID), Perm: PermCoverageRead,
			After: after, RowLimit: int32(p.Size()), PatientID: nullText(patientID), MemberIDBidx: s.bidx("coverages.member_id", memberID)})
		if err != nil {
			return err
		}
		var entries []AuditEntry
		for _, r := range rows {
			c, err := s.openCoverage(ctx, pgq.GetCoverageRow(r))
			if err != nil {
				return err
			}
			out = append(out, c)
			entries = append(entries, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionList, Resource: "coverage", ResourceID: c.ID, Fields: coveragePHI})
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// UpdateCoverage applies a patch, re-sealing the member ID under the
// coverage's data key.
func (s *Store) UpdateCoverage(ctx context.Context, a Actor, id string, ch CoveragePatch) (Coverage, error) {
	var c Coverage
	if !validID(id) {
		return c, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		db := pgq.New(tx)
		locked, err := db.LockCoverage(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermCoverageWrite, locked.OrgID); err != nil {
			return err
		}
		if c, err = s.getCoverage(ctx, tx, id); err != nil {
			return err
		}
		set(&c.MemberID, ch.MemberID)
		set(&c.GroupNumber, ch.GroupNumber)
		set(&c.Priority, ch.Priority)
		set(&c.EffectiveFrom, ch.EffectiveFrom)
		set(&c.EffectiveTo, ch.EffectiveTo)
		if err := c.Validate(s.today()); err != nil {
			return err
		}
		dk, err := s.keys.DataKey(ctx, locked.Dek)
		if err != nil {
			return err
		}
		sl := sealer{dk, "coverages", c.ID}
		if c.UpdatedAt, err = db.UpdateCoverage(ctx, pgq.UpdateCoverageParams{ID: c.ID, MemberID: sl.seal("member_id", c.MemberID),
			MemberIDBidx: s.bidx("coverages.member_id", c.MemberID), GroupNumber: c.GroupNumber, Priority: int32(c.Priority),
			EffectiveFrom: dateParam(c.EffectiveFrom), EffectiveTo: dateParam(c.EffectiveTo)}); err != nil {
			return err
		}
		fields := []string{}
		if ch.MemberID != nil {
			fields = append(fields, "member_id")
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionUpdate, Resource: "coverage", ResourceID: c.ID, Fields: append(fields, "coverage")})
	})
	return c, err
}
