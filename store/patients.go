package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Patient is a person receiving care. Every field but the ids, sex and
// timestamps is PHI and is sealed at rest.
type Patient struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	BirthDate string    `json:"birth_date"`
	Sex       string    `json:"sex"`
	SSN       string    `json:"ssn,omitempty"`
	Address   string    `json:"address,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// patientPHI names the sealed columns (the audit log lists them).
var patientPHI = []string{"first_name", "last_name", "birth_date", "ssn", "address", "phone", "email"}

var (
	ssnRE   = regexp.MustCompile(`^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9 ().-]{7,20}$`)
)

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func (p *Patient) validate(today time.Time) error {
	var pr problems
	if !validID(p.OrgID) {
		pr.add("/org_id", "is required")
	}
	if strings.TrimSpace(p.FirstName) == "" {
		pr.add("/first_name", "is required")
	}
	if strings.TrimSpace(p.LastName) == "" {
		pr.add("/last_name", "is required")
	}
	pr.x12Text("/first_name", p.FirstName)
	pr.x12Text("/last_name", p.LastName)
	pr.x12Text("/address", p.Address)
	pr.dateWithin("/birth_date", p.BirthDate, minDate, today)
	if p.Sex != "F" && p.Sex != "M" && p.Sex != "U" {
		pr.add("/sex", "must be F, M or U")
	}
	if p.SSN != "" && !ssnRE.MatchString(p.SSN) {
		pr.add("/ssn", "must be nine digits")
	}
	if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
		pr.add("/phone", "is not a phone number")
	}
	if p.Email != "" && !strings.Contains(p.Email, "@") {
		pr.add("/email", "is not an email address")
	}
	return pr.err()
}

// sealPatient is the patient's columns as written: PHI sealed under the
// patient's data key, blind indexes for the searchable fields.
func (s *Store) sealPatient(sl sealer, p Patient) pgq.UpdatePatientParams {
	return pgq.UpdatePatientParams{ID: p.ID,
		FirstName: sl.seal("first_name", p.FirstName), LastName: sl.seal("last_name", p.LastName), BirthDate: sl.seal("birth_date", p.BirthDate),
		Sex: p.Sex, Ssn: sl.seal("ssn", p.SSN), Address: sl.seal("address", p.Address), Phone: sl.seal("phone", p.Phone), Email: sl.seal("email", p.Email),
		LastNameBidx: s.bidx("patients.last_name", p.LastName), BirthDateBidx: s.bidx("patients.birth_date", p.BirthDate), SsnBidx: s.bidx("patients.ssn", p.SSN),
	}
}

// CreatePatient adds a patient, sealing every PHI field under a new data key.
func (s *Store) CreatePatient(ctx context.Context, a Actor, p Patient) (Patient, error) {
	if err := p.validate(s.today()); err != nil {
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
		c := s.sealPatient(sealer{dk, "patients", p.ID}, p)
		r, err := pgq.New(tx).InsertPatient(ctx, pgq.InsertPatientParams{ID: p.ID, OrgID: p.OrgID, Dek: wrapped,
			FirstName: c.FirstName, LastName: c.LastName, BirthDate: c.BirthDate, Sex: c.Sex, Ssn: c.Ssn, Address: c.Address,
			Phone: c.Phone, Email: c.Email, LastNameBidx: c.LastNameBidx, BirthDateBidx: c.BirthDateBidx, SsnBidx: c.SsnBidx})
		if err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionCreate, Resource: "patient", ResourceID: p.ID, Fields: patientPHI})
	})
	return p, err
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

// PatientPatch changes some of a patient's fields.
type PatientPatch struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	BirthDate *string `json:"birth_date"`
	Sex       *string `json:"sex"`
	SSN       *string `json:"ssn"`
	Address   *string `json:"address"`
	Phone     *string `json:"phone"`
	Email     *string `json:"email"`
}

func (ch PatientPatch) fields() []string {
	var f []string
	for _, x := range []struct {
		n string
		v *string
	}{{"first_name", ch.FirstName}, {"last_name", ch.LastName}, {"birth_date", ch.BirthDate}, {"sex", ch.Sex},
		{"ssn", ch.SSN}, {"address", ch.Address}, {"phone", ch.Phone}, {"email", ch.Email}} {
		if x.v != nil {
			f = append(f, x.n)
		}
	}
	return f
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
		if err := p.validate(s.today()); err != nil {
			return err
		}
		if p.UpdatedAt, err = pgq.New(tx).UpdatePatient(ctx, s.sealPatient(sealer{dk, "patients", p.ID}, p)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: p.OrgID, PatientID: p.ID, Action: ActionUpdate, Resource: "patient", ResourceID: p.ID, Fields: ch.fields()})
	})
	return p, err
}

// PatientFilter searches patients by exact last name and birth date (or
// SSN) through the blind indexes, and by organisation.
type PatientFilter struct {
	OrgID     string
	LastName  string
	BirthDate string
	SSN       string
}

// ListPatients lists the patients the actor can see that match f. Each
// returned patient is an audited read.
func (s *Store) ListPatients(ctx context.Context, a Actor, f PatientFilter, p Page) ([]Patient, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var out []Patient
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListPatients(ctx, pgq.ListPatientsParams{Actor: nullText(a.UserID), Perm: PermPatientRead,
			After: after, RowLimit: int32(p.limit()), OrgID: nullText(f.OrgID), LastNameBidx: s.bidx("patients.last_name", f.LastName),
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

// Coverage is a patient's insurance with one payer. Member ID and the
// subscriber's identity are PHI and sealed.
type Coverage struct {
	ID                  string    `json:"id"`
	OrgID               string    `json:"org_id"`
	PatientID           string    `json:"patient_id"`
	PayerID             string    `json:"payer_id"`
	MemberID            string    `json:"member_id"`
	GroupNumber         string    `json:"group_number"`
	Relationship        string    `json:"relationship"`
	SubscriberFirstName string    `json:"subscriber_first_name,omitempty"`
	SubscriberLastName  string    `json:"subscriber_last_name,omitempty"`
	SubscriberBirthDate string    `json:"subscriber_birth_date,omitempty"`
	Priority            int       `json:"priority"`
	EffectiveFrom       string    `json:"effective_from,omitempty"`
	EffectiveTo         string    `json:"effective_to,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

var coveragePHI = []string{"member_id", "subscriber_first_name", "subscriber_last_name", "subscriber_birth_date"}

var memberIDRE = regexp.MustCompile(`^[0-9A-Za-z-]{2,80}$`)

func (c *Coverage) validate(today time.Time) error {
	var pr problems
	if !validID(c.PatientID) {
		pr.add("/patient_id", "is required")
	}
	if !validID(c.PayerID) {
		pr.add("/payer_id", "is required")
	}
	if !memberIDRE.MatchString(c.MemberID) {
		pr.add("/member_id", "must be 2 to 80 letters, digits or dashes")
	}
	switch c.Relationship {
	case "self":
		if c.SubscriberFirstName != "" || c.SubscriberLastName != "" || c.SubscriberBirthDate != "" {
			pr.add("/relationship", "the subscriber is the patient: leave the subscriber fields empty")
		}
	case "spouse", "child", "other":
		if c.SubscriberLastName == "" {
			pr.add("/subscriber_last_name", "is required when the patient is not the subscriber")
		}
		pr.dateWithin("/subscriber_birth_date", c.SubscriberBirthDate, minDate, today)
	default:
		pr.add("/relationship", "must be self, spouse, child or other")
	}
	if c.Priority < 1 || c.Priority > 3 {
		pr.add("/priority", "must be 1 (primary), 2 or 3")
	}
	pr.x12Text("/group_number", c.GroupNumber)
	pr.x12Text("/subscriber_first_name", c.SubscriberFirstName)
	pr.x12Text("/subscriber_last_name", c.SubscriberLastName)
	if c.EffectiveFrom != "" {
		pr.dateWithin("/effective_from", c.EffectiveFrom, minDate, maxCoverageDate)
	}
	if c.EffectiveTo != "" {
		pr.dateWithin("/effective_to", c.EffectiveTo, minDate, maxCoverageDate)
	}
	if from, ok := parseDate(c.EffectiveFrom); ok {
		if to, ok := parseDate(c.EffectiveTo); ok && to.Before(from) {
			pr.add("/effective_to", "must not be before effective_from")
		}
	}
	return pr.err()
}

// CreateCoverage adds a coverage to a patient; it lives in the patient's
// organisation and the payer must be visible there.
func (s *Store) CreateCoverage(ctx context.Context, a Actor, c Coverage) (Coverage, error) {
	if err := c.validate(s.today()); err != nil {
		return c, err
	}
	c.ID = newID()
	dk, wrapped, err := s.keys.NewDataKey(ctx)
	if err != nil {
		return c, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		var err error
		if c.OrgID, err = db.GetPatientOrg(ctx, c.PatientID); err != nil {
			return fieldMissing(err, "/patient_id")
		}
		if err := requireScope(ctx, tx, a, PermCoverageWrite, c.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{"/patient_id", "does not exist"}}}
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
	})
	return c, err
}

// payerUsable checks that a payer may be billed from org: payers set up at
// an organisation serve its whole subtree.
func payerUsable(ctx context.Context, tx pgx.Tx, a Actor, payerID, orgID, ptr string) error {
	ok, err := pgq.New(tx).PayerUsableAt(ctx, pgq.PayerUsableAtParams{PayerID: payerID, OrgID: orgID})
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: []FieldProblem{{ptr, "does not exist"}}}
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
		return &ValidationError{Fields: []FieldProblem{{ptr, "does not exist"}}}
	}
	return nil
}

func fieldMissing(err error, ptr string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &ValidationError{Fields: []FieldProblem{{ptr, "does not exist"}}}
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
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var out []Coverage
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListCoverages(ctx, pgq.ListCoveragesParams{Actor: nullText(a.UserID), Perm: PermCoverageRead,
			After: after, RowLimit: int32(p.limit()), PatientID: nullText(patientID), MemberIDBidx: s.bidx("coverages.member_id", memberID)})
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

// CoveragePatch changes some of a coverage's fields.
type CoveragePatch struct {
	MemberID      *string `json:"member_id"`
	GroupNumber   *string `json:"group_number"`
	Priority      *int    `json:"priority"`
	EffectiveFrom *string `json:"effective_from"`
	EffectiveTo   *string `json:"effective_to"`
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
		if err := c.validate(s.today()); err != nil {
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
