package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// patientPHI names the sealed columns (the audit log lists them).
var patientPHI = []string{"first_name", "last_name", "birth_date", "ssn", "address", "phone", "email"}

func (s *Store) patientArgs(sl sealer, p Patient) []any {
	return []any{
		sl.seal("first_name", p.FirstName), sl.seal("last_name", p.LastName), sl.seal("birth_date", p.BirthDate),
		p.Sex, sl.seal("ssn", p.SSN), sl.seal("address", p.Address), sl.seal("phone", p.Phone), sl.seal("email", p.Email),
		s.bidx("patients.last_name", p.LastName), s.bidx("patients.birth_date", p.BirthDate), s.bidx("patients.ssn", p.SSN),
	}
}

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
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPatientWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		args := append([]any{p.ID, p.OrgID, wrapped}, s.patientArgs(sealer{dk, "patients", p.ID}, p)...)
		if err := tx.QueryRow(ctx, q("InsertPatient"), args...).Scan(&p.CreatedAt, &p.UpdatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionCreate, Resource: "patient", ResourceID: p.ID, Fields: patientPHI})
	})
	return p, err
}

type sealedPatient struct {
	Patient
	dek                                          []byte
	first, last, dob, ssn, address, phone, email []byte
}

func scanSealedPatient(r pgx.Row) (sealedPatient, error) {
	var sp sealedPatient
	err := r.Scan(&sp.ID, &sp.OrgID, &sp.dek, &sp.first, &sp.last, &sp.dob, &sp.Sex, &sp.ssn, &sp.address, &sp.phone, &sp.email, &sp.CreatedAt, &sp.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return sp, err
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
		sp, err := scanSealedPatient(tx.QueryRow(ctx, q("GetPatient"), id))
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
		sp, err := scanSealedPatient(tx.QueryRow(ctx, q("GetPatientForUpdate"), id))
		if err != nil {
			return err
		}
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
		args := append([]any{p.ID}, s.patientArgs(sealer{dk, "patients", p.ID}, p)...)
		if err := tx.QueryRow(ctx, q("UpdatePatient"), args...).Scan(&p.UpdatedAt); err != nil {
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
		rows, err := tx.Query(ctx, q("ListPatients"), nullable(a.UserID), PermPatientRead, after, p.Size(), nullable(f.OrgID),
			s.bidx("patients.last_name", f.LastName), s.bidx("patients.birth_date", f.BirthDate), s.bidx("patients.ssn", f.SSN))
		if err != nil {
			return err
		}
		sealed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sealedPatient, error) { return scanSealedPatient(r) })
		if err != nil {
			return err
		}
		entries := make([]AuditEntry, 0, len(sealed))
		for _, sp := range sealed {
			pt, _, err := s.openPatient(ctx, sp)
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
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetPatientOrg"), c.PatientID).Scan(&c.OrgID); err != nil {
			return fieldMissing(err, "/patient_id")
		}
		if err := requireScope(ctx, tx, a, PermCoverageWrite, c.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/patient_id", Detail: "does not exist"}}}
		}
		if err := payerUsable(ctx, tx, a, c.PayerID, c.OrgID, "/payer_id"); err != nil {
			return err
		}
		sl := sealer{dk, "coverages", c.ID}
		err := tx.QueryRow(ctx, q("InsertCoverage"), c.ID, c.OrgID, c.PatientID, c.PayerID, wrapped,
			sl.seal("member_id", c.MemberID), s.bidx("coverages.member_id", c.MemberID), c.GroupNumber, c.Relationship,
			sl.seal("subscriber_first_name", c.SubscriberFirstName), sl.seal("subscriber_last_name", c.SubscriberLastName),
			sl.seal("subscriber_birth_date", c.SubscriberBirthDate), c.Priority, nullable(c.EffectiveFrom), nullable(c.EffectiveTo)).
			Scan(&c.CreatedAt, &c.UpdatedAt)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionCreate, Resource: "coverage", ResourceID: c.ID, Fields: coveragePHI})
	})
	return c, err
}

// payerUsable checks that a payer may be billed from org: payers set up at
// an organisation serve its whole subtree.
func payerUsable(ctx context.Context, tx pgx.Tx, a Actor, payerID, orgID, ptr string) error {
	var ok bool
	if err := tx.QueryRow(ctx, q("PayerUsableAt"), payerID, orgID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: []FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
	}
	return nil
}

// visibleTo checks that a referenced record exists and that the actor may
// use it (perm at its organisation); otherwise it is an invalid field.
func (s *Store) visibleTo(ctx context.Context, tx pgx.Tx, a Actor, orgQuery, id, perm, ptr string) error {
	var org string
	if err := tx.QueryRow(ctx, q(orgQuery), id).Scan(&org); err != nil {
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

func (s *Store) scanCoverage(ctx context.Context, r pgx.Row) (Coverage, error) {
	var c Coverage
	var dek, member, sf, sln, sbd []byte
	var from, to *time.Time
	err := r.Scan(&c.ID, &c.OrgID, &c.PatientID, &c.PayerID, &dek, &member, &c.GroupNumber, &c.Relationship,
		&sf, &sln, &sbd, &c.Priority, &from, &to, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if from != nil {
		c.EffectiveFrom = from.Format(time.DateOnly)
	}
	if to != nil {
		c.EffectiveTo = to.Format(time.DateOnly)
	}
	dk, err := s.keys.DataKey(ctx, dek)
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
		var org string
		if err := tx.QueryRow(ctx, q("GetCoverageOrg"), id).Scan(&org); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := requireScope(ctx, tx, a, PermCoverageRead, org); err != nil {
			return err
		}
		if c, err = s.scanCoverage(ctx, tx.QueryRow(ctx, q("GetCoverage"), id)); err != nil {
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
		rows, err := tx.Query(ctx, q("ListCoverages"), nullable(a.UserID), PermCoverageRead, after, p.Size(), nullable(patientID), s.bidx("coverages.member_id", memberID))
		if err != nil {
			return err
		}
		defer rows.Close()
		var entries []AuditEntry
		for rows.Next() {
			c, err := s.scanCoverage(ctx, rows)
			if err != nil {
				return err
			}
			out = append(out, c)
			entries = append(entries, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionList, Resource: "coverage", ResourceID: c.ID, Fields: coveragePHI})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
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
		var org string
		var dek []byte
		if err := tx.QueryRow(ctx, q("LockCoverage"), id).Scan(&org, &dek); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := requireScope(ctx, tx, a, PermCoverageWrite, org); err != nil {
			return err
		}
		if c, err = s.scanCoverage(ctx, tx.QueryRow(ctx, q("GetCoverage"), id)); err != nil {
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
		dk, err := s.keys.DataKey(ctx, dek)
		if err != nil {
			return err
		}
		sl := sealer{dk, "coverages", c.ID}
		if err := tx.QueryRow(ctx, q("UpdateCoverage"), c.ID, sl.seal("member_id", c.MemberID), s.bidx("coverages.member_id", c.MemberID),
			c.GroupNumber, c.Priority, nullable(c.EffectiveFrom), nullable(c.EffectiveTo)).Scan(&c.UpdatedAt); err != nil {
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
