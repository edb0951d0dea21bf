package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Prior authorization (issue 19). Rules are read and set with payer:read
// and payer:write at the payer's organisation; authorizations are
// requested with claim:write and listed with claim:read at the patient's
// organisation. The activities read and write through the unscoped
// methods (IDs they got from a record read in scope). The queries are in
// priorauth.sql, read through q() until sqlc (store/sqlc.yaml) lists the
// file.

// GetAuthRules reads a payer's prior authorization rules.
func (s *Store) GetAuthRules(ctx context.Context, a rcm.Actor, payerID string) (rcm.AuthRules, error) {
	out := rcm.AuthRules{PayerID: payerID, Rules: []rcm.AuthRule{}}
	if !validID(payerID) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		p, err := getPayer(ctx, tx, payerID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, rcm.PermPayerRead, p.OrgID); err != nil {
			return err
		}
		out.Rules, err = authRules(ctx, tx, payerID)
		return err
	})
	return out, err
}

// AuthRulesFor reads a payer's rules (unscoped: the scrub and the booking
// check pass a payer they read in scope).
func (s *Store) AuthRulesFor(ctx context.Context, payerID string) (rcm.AuthRules, error) {
	rules, err := authRules(ctx, s.Pool, payerID)
	return rcm.AuthRules{PayerID: payerID, Rules: rules}, err
}

func authRules(ctx context.Context, db pgq.DBTX, payerID string) ([]rcm.AuthRule, error) {
	rows, err := db.Query(ctx, q("ListAuthRules"), payerID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rcm.AuthRule, error) {
		var x rcm.AuthRule
		err := r.Scan(&x.From, &x.To, &x.Note)
		if x.To == x.From {
			x.To = ""
		}
		return x, err
	})
	if out == nil {
		out = []rcm.AuthRule{}
	}
	return out, err
}

// PutAuthRules replaces a payer's rules (payer:write at its organisation),
// audited as one update of the payer's auth rules.
func (s *Store) PutAuthRules(ctx context.Context, a rcm.Actor, payerID string, in rcm.AuthRules) (rcm.AuthRules, error) {
	out := rcm.AuthRules{PayerID: payerID}
	if !validID(payerID) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		p, err := getPayer(ctx, tx, payerID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, rcm.PermPayerWrite, p.OrgID); err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q("DeleteAuthRules"), payerID); err != nil {
			return err
		}
		for i, r := range in.Rules {
			to := r.To
			if to == "" {
				to = r.From
			}
			if _, err := tx.Exec(ctx, q("InsertAuthRule"), newID(), p.OrgID, payerID, r.From, to, r.Note, i, nullText(a.UserID)); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: p.OrgID, Action: rcm.ActionUpdate, Resource: "payer_auth_rules", ResourceID: payerID,
			Fields: []string{"rules"}}); err != nil {
			return err
		}
		out.Rules, err = authRules(ctx, tx, payerID)
		return err
	})
	return out, err
}

type rowScanner interface{ Scan(dest ...any) error }

func scanAuthorization(r rowScanner) (rcm.Authorization, error) {
	var x rcm.Authorization
	var units, approved, used int32
	err := r.Scan(&x.ID, &x.OrgID, &x.PatientID, &x.CoverageID, &x.PayerID, &x.ProviderID, &x.AppointmentID, &x.Codes, &x.Diagnoses,
		&units, &x.ServiceFrom, &x.ServiceTo, &x.Status, &x.Number, &x.ApprovedFrom, &x.ApprovedTo, &approved, &x.Decision, &x.Reason,
		&x.Trace, &x.CreatedAt, &x.UpdatedAt, &used)
	x.Units, x.ApprovedUnits, x.UsedUnits = int(units), int(approved), int(used)
	return x, err
}

func getAuthorization(ctx context.Context, db pgq.DBTX, id string) (rcm.Authorization, error) {
	x, err := scanAuthorization(db.QueryRow(ctx, q("GetAuthorization"), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return x, ErrNotFound
	}
	return x, err
}

// RequestAuthorization records a prior authorization request (claim:write
// at the patient's organisation) and, in the same transaction (trigger),
// the intent to start its workflow, which sends the 278.
func (s *Store) RequestAuthorization(ctx context.Context, a rcm.Actor, in rcm.AuthRequest) (rcm.Authorization, error) {
	var out rcm.Authorization
	if err := in.Validate(); err != nil {
		return out, err
	}
	missing := func(ptr string) error {
		return &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		sp, err := getSealedPatient(ctx, tx, in.PatientID)
		if errors.Is(err, ErrNotFound) {
			return missing("/patient_id")
		}
		if err != nil {
			return err
		}
		ok, err := inScope(ctx, tx, a, rcm.PermClaimWrite, sp.OrgID)
		if err != nil {
			return err
		}
		if !ok {
			return missing("/patient_id")
		}
		cov, err := s.getCoverage(ctx, tx, in.CoverageID)
		if errors.Is(err, ErrNotFound) || (err == nil && cov.PatientID != in.PatientID) {
			return missing("/coverage_id")
		}
		if err != nil {
			return err
		}
		prov, err := getProvider(ctx, tx, in.ProviderID)
		if errors.Is(err, ErrNotFound) {
			return missing("/provider_id")
		}
		if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, rcm.PermClaimWrite, prov.OrgID); err != nil {
			return err
		} else if !ok {
			return missing("/provider_id")
		}
		id := newID()
		trace := "PA" + strings.ReplaceAll(id, "-", "")
		from, _ := time.Parse(time.DateOnly, in.ServiceFrom) // Validate checked both
		to, _ := time.Parse(time.DateOnly, in.ServiceTo)
		if _, err := tx.Exec(ctx, q("InsertAuthorization"), id, sp.OrgID, in.PatientID, in.CoverageID, cov.PayerID, in.ProviderID,
			nullText(in.AppointmentID), in.Codes, in.Diagnoses, in.Units, from, to, trace, nullText(a.UserID)); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: sp.OrgID, PatientID: in.PatientID, Action: rcm.ActionCreate,
			Resource: "prior_authorization", ResourceID: id, Fields: []string{"codes", "diagnoses", "units", "service_from", "service_to"}}); err != nil {
			return err
		}
		out, err = getAuthorization(ctx, tx, id)
		return err
	})
	return out, err
}

// GetAuthorization reads one authorization (claim:read at its
// organisation; ErrNotFound outside it).
func (s *Store) GetAuthorization(ctx context.Context, a rcm.Actor, id string) (rcm.Authorization, error) {
	var out rcm.Authorization
	if !validID(id) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if out, err = getAuthorization(ctx, tx, id); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, rcm.PermClaimRead, out.OrgID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: out.OrgID, PatientID: out.PatientID, Action: rcm.ActionRead,
			Resource: "prior_authorization", ResourceID: id, Fields: []string{"codes", "diagnoses", "status", "auth_number"}})
	})
	return out, err
}

// ListAuthorizations lists the authorizations the actor sees with
// claim:read (newest first, at most 500), of one patient when patientID
// is set; every row is audited.
func (s *Store) ListAuthorizations(ctx context.Context, a rcm.Actor, patientID string) ([]rcm.Authorization, error) {
	out := []rcm.Authorization{}
	if (patientID != "" && !validID(patientID)) || (a.UserID == "" && a != rcm.System) {
		return out, nil
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListAuthorizations"), nullText(a.UserID), rcm.PermClaimRead, nullText(patientID))
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rcm.Authorization, error) { return scanAuthorization(r) }); err != nil {
			return err
		}
		if out == nil {
			out = []rcm.Authorization{}
		}
		entries := make([]rcm.AuditEntry, len(out))
		for i, x := range out {
			entries[i] = rcm.AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: rcm.ActionList, Resource: "prior_authorization",
				ResourceID: x.ID, Fields: []string{"codes", "status", "auth_number"}}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, err
}

// AuthorizationFor reads an authorization (unscoped, for its workflow's
// activities).
func (s *Store) AuthorizationFor(ctx context.Context, id string) (rcm.Authorization, error) {
	if !validID(id) {
		return rcm.Authorization{}, ErrNotFound
	}
	return getAuthorization(ctx, s.Pool, id)
}

// PatientAuthorizations lists a patient's authorizations with a payer,
// approved ones first; used units leave out claimID's own use (unscoped,
// for the scrub and the booking check).
func (s *Store) PatientAuthorizations(ctx context.Context, patientID, payerID, claimID string) ([]rcm.Authorization, error) {
	if claimID == "" {
		claimID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.Pool.Query(ctx, q("PatientPayerAuthorizations"), patientID, payerID, claimID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rcm.Authorization, error) { return scanAuthorization(r) })
}

// RecordAuthOutcome records what the payer answered (the workflow's
// activity, the one writer of an authorization's status).
func (s *Store) RecordAuthOutcome(ctx context.Context, id string, o rcm.AuthOutcome) error {
	date := func(d string) *time.Time {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return nil
		}
		return &t
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		x, err := getAuthorization(ctx, tx, id)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, q("RecordAuthOutcome"), id, o.Status, o.Decision, o.Number, date(o.From), date(o.To), o.Units, o.Reason)
		if err != nil {
			return err
		}
		if n.RowsAffected() == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, rcm.System, rcm.AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: rcm.ActionUpdate,
			Resource: "prior_authorization", ResourceID: id, Fields: []string{"status", "auth_number", "approved_from", "approved_to", "approved_units"}})
	})
}

// ExpireAuthorization marks an approved authorization expired.
func (s *Store) ExpireAuthorization(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		x, err := getAuthorization(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q("ExpireAuthorization"), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, rcm.System, rcm.AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: rcm.ActionUpdate,
			Resource: "prior_authorization", ResourceID: id, Fields: []string{"status"}})
	})
}

// RecordAuthUse records the units a claim draws from an authorization
// (idempotent per claim).
func (s *Store) RecordAuthUse(ctx context.Context, authID, claimID string, units int) error {
	_, err := s.Pool.Exec(ctx, q("RecordAuthUse"), authID, claimID, units)
	return err
}

// AuthorizationBundle reads an authorization with its patient, coverage,
// payer and provider, as one audited PHI read (for the 278).
func (s *Store) AuthorizationBundle(ctx context.Context, id string) (rcm.AuthBundle, error) {
	var b rcm.AuthBundle
	if !validID(id) {
		return b, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if b.Auth, err = getAuthorization(ctx, tx, id); err != nil {
			return err
		}
		sp, err := getSealedPatient(ctx, tx, b.Auth.PatientID)
		if err != nil {
			return err
		}
		if b.Patient, _, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		if b.Coverage, err = s.getCoverage(ctx, tx, b.Auth.CoverageID); err != nil {
			return err
		}
		if b.Provider, err = getProvider(ctx, tx, b.Auth.ProviderID); err != nil {
			return err
		}
		if b.Payer, err = getPayer(ctx, tx, b.Auth.PayerID); err != nil {
			return err
		}
		return s.audit(ctx, tx, rcm.System, rcm.AuditEntry{OrgID: b.Auth.OrgID, PatientID: b.Auth.PatientID, Action: rcm.ActionRead,
			Resource: "prior_authorization_bundle", ResourceID: id, Fields: append(append([]string{}, patientPHI...), coveragePHI...)})
	})
	return b, err
}

// claimAuthNumber is the number of the approved authorization a claim
// draws on (recorded by its scrub), or "".
func claimAuthNumber(ctx context.Context, db pgq.DBTX, claimID string) (string, error) {
	var n string
	err := db.QueryRow(ctx, q("ClaimAuthNumber"), claimID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return n, err
}

// AuthWarnings says, for a booked appointment whose visit will bill
// codes, which of them the patient's payer (first coverage in force on
// the day) requires a prior authorization for that is not approved for
// the day: the booking's warning, not a refusal. Unscoped: the caller
// booked the appointment in scope.
func (s *Store) AuthWarnings(ctx context.Context, appt rcm.Appointment, codes []string) ([]string, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	day := appt.StartsAt.UTC().Format(time.DateOnly)
	var payerID, payerName string
	err := s.Pool.QueryRow(ctx, q("PrimaryCoveragePayer"), appt.PatientID, day).Scan(&payerID, &payerName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rules, err := s.AuthRulesFor(ctx, payerID)
	if err != nil || len(rules.NeedsAuth(codes)) == 0 {
		return nil, err
	}
	auths, err := s.PatientAuthorizations(ctx, appt.PatientID, payerID, "")
	if err != nil {
		return nil, err
	}
	if hold, _ := rcm.AuthHold(payerName, rules, auths, nil, codes, day); hold != "" {
		return []string{hold}, nil
	}
	return nil, nil
}
