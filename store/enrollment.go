package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Payer enrollment (issue 16; the ground for issue 19): per provider,
// payer and transaction, where the provider's enrollment stands. Staff
// read and set it with payer:read and payer:write at the provider's
// organisation; the claim scrub and the eligibility check read it through
// EnrollmentFor.

func enrollment(r pgq.GetEnrollmentRow) rcm.Enrollment {
	return rcm.Enrollment{ID: r.ID, OrgID: r.OrgID, ProviderID: r.ProviderID,
		ProviderName: rcm.ProviderName(rcm.Provider{FirstName: r.ProviderFirstName, LastName: r.ProviderLastName}), ProviderNPI: r.ProviderNpi,
		PayerID: r.PayerID, PayerName: r.PayerName, PayerCode: r.PayerCode, Transaction: r.Transaction, Status: r.Status,
		EffectiveDate: r.EffectiveDate, Clearinghouse: r.Clearinghouse, Notes: r.Notes, UpdatedBy: r.UpdatedBy,
		UpdatedByName: r.UpdatedByName, UpdatedAt: r.UpdatedAt}
}

// ListEnrollments lists the enrollments of the providers at an
// organisation and below it (payer:read there; ErrNotFound for an
// organisation outside the actor's), by provider, payer and transaction.
func (s *Store) ListEnrollments(ctx context.Context, a rcm.Actor, orgID string) ([]rcm.Enrollment, error) {
	if !validID(orgID) {
		return nil, ErrNotFound
	}
	out := []rcm.Enrollment{}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, rcm.PermPayerRead, orgID); err != nil {
			return err
		}
		rows, err := pgq.New(tx).ListEnrollments(ctx, pgq.ListEnrollmentsParams{OrgID: orgID, Actor: nullText(a.UserID), Perm: rcm.PermPayerRead})
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, enrollment(pgq.GetEnrollmentRow(r)))
		}
		return nil
	})
	return out, err
}

// EnrollmentFor reads one provider's enrollment with a payer for a
// transaction (ErrNotFound when none is recorded: not started). It is the
// operator's and the activities' read, unscoped: callers pass IDs from a
// record they already read in scope.
func (s *Store) EnrollmentFor(ctx context.Context, providerID, payerID, transaction string) (rcm.Enrollment, error) {
	if !validID(providerID) || !validID(payerID) {
		return rcm.Enrollment{}, ErrNotFound
	}
	return getEnrollment(ctx, s.Pool, providerID, payerID, transaction)
}

func getEnrollment(ctx context.Context, db pgq.DBTX, providerID, payerID, transaction string) (rcm.Enrollment, error) {
	r, err := pgq.New(db).GetEnrollment(ctx, pgq.GetEnrollmentParams{ProviderID: providerID, PayerID: payerID, Transaction: transaction})
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.Enrollment{}, ErrNotFound
	}
	if err != nil {
		return rcm.Enrollment{}, err
	}
	return enrollment(r), nil
}

// PutEnrollment creates or replaces one enrollment (payer:write at the
// provider's organisation, which must be orgID or below it; ErrNotFound
// for an organisation outside the actor's). The clearinghouse defaults to
// the payer's route. Audited by the names of the fields it changed.
func (s *Store) PutEnrollment(ctx context.Context, a rcm.Actor, orgID string, in rcm.EnrollmentSet) (rcm.Enrollment, error) {
	var out rcm.Enrollment
	if !validID(orgID) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, rcm.PermPayerWrite, orgID); err != nil {
			return err
		}
		// The organisation answers first: a caller outside it learns
		// nothing from the body's validation.
		if err := in.Validate(nil); err != nil {
			return err
		}
		prov, payer, err := enrollmentParties(ctx, tx, a, orgID, in)
		if err != nil {
			return err
		}
		if in.Clearinghouse == "" {
			in.Clearinghouse = payer.Clearinghouse
		}
		pq := pgq.New(tx)
		var released []string
		id, fields := newID(), []string{"status", "effective_date", "clearinghouse", "notes"}
		action := rcm.ActionCreate
		old, err := pq.LockEnrollment(ctx, pgq.LockEnrollmentParams{ProviderID: prov.ID, PayerID: payer.ID, Transaction: in.Transaction})
		switch {
		case err == nil:
			id, action, fields = old.ID, rcm.ActionUpdate, nil
			for _, f := range []struct{ name, old, new string }{{"status", old.Status, in.Status},
				{"effective_date", old.EffectiveDate, in.EffectiveDate}, {"clearinghouse", old.Clearinghouse, in.Clearinghouse},
				{"notes", old.Notes, in.Notes}} {
				if f.old != f.new {
					fields = append(fields, f.name)
				}
			}
			if fields == nil {
				fields = []string{}
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var eff *time.Time
		if in.EffectiveDate != "" {
			d, err := time.Parse(time.DateOnly, in.EffectiveDate)
			if err != nil { // Validate checked it
				return err
			}
			eff = &d
		}
		// The row's own ID (a concurrent first put may have made it).
		id, err = pq.UpsertEnrollment(ctx, pgq.UpsertEnrollmentParams{ID: id, OrgID: prov.OrgID, ProviderID: prov.ID, PayerID: payer.ID,
			Transaction: in.Transaction, Status: in.Status, EffectiveDate: eff, Clearinghouse: in.Clearinghouse, Notes: in.Notes,
			UpdatedBy: nullText(a.UserID)})
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: prov.OrgID, Action: action, Resource: "payer_enrollment", ResourceID: id,
			Fields: fields}); err != nil {
			return err
		}
		// Issue 19: an approval for claims releases the claims held for
		// it (those whose date of service it covers), in this transaction.
		if in.Transaction == rcm.EnrollClaims && in.Status == rcm.EnrollApproved {
			if released, err = releaseEnrollmentHolds(ctx, tx, a, prov.ID, payer.ID, in.EffectiveDate); err != nil {
				return err
			}
		}
		out, err = getEnrollment(ctx, tx, prov.ID, payer.ID, in.Transaction)
		out.ReleasedClaims = released
		return err
	})
	return out, err
}

// enrollmentParties reads the enrollment's provider (at orgID or below,
// in the actor's scope) and payer (set up for the provider's
// organisation); either missing is a field error, as for any record the
// body names.
func enrollmentParties(ctx context.Context, tx pgx.Tx, a rcm.Actor, orgID string, in rcm.EnrollmentSet) (rcm.Provider, rcm.Payer, error) {
	missing := func(ptr, detail string) error {
		return &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: ptr, Detail: detail}}}
	}
	pq := pgq.New(tx)
	prov, err := getProvider(ctx, tx, in.ProviderID)
	if errors.Is(err, ErrNotFound) {
		return prov, rcm.Payer{}, missing("/provider_id", "does not exist")
	}
	if err != nil {
		return prov, rcm.Payer{}, err
	}
	ok, err := inScope(ctx, tx, a, rcm.PermPayerWrite, prov.OrgID)
	if err != nil {
		return prov, rcm.Payer{}, err
	}
	if ok {
		ok, err = pq.OrgWithin(ctx, pgq.OrgWithinParams{TopID: orgID, OrgID: prov.OrgID})
		if err != nil {
			return prov, rcm.Payer{}, err
		}
	}
	if !ok {
		return prov, rcm.Payer{}, missing("/provider_id", "does not exist")
	}
	payer, err := getPayer(ctx, tx, in.PayerID)
	if errors.Is(err, ErrNotFound) {
		return prov, payer, missing("/payer_id", "does not exist")
	}
	if err != nil {
		return prov, payer, err
	}
	usable, err := pq.PayerUsableAt(ctx, pgq.PayerUsableAtParams{PayerID: payer.ID, OrgID: prov.OrgID})
	if err != nil {
		return prov, payer, err
	}
	if !usable {
		return prov, payer, missing("/payer_id", "does not exist")
	}
	return prov, payer, nil
}
