package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// BillingProfileFor returns the profile an organisation's claims go out
// under: its own, or the one it explicitly inherits from an ancestor
// (billing_profile_inheritance). An organisation with neither answers
// ErrNotFound: its claims are held, never sent under another practice's
// identity (issue 16, item 2).
func (s *Store) BillingProfileFor(ctx context.Context, orgID string) (rcm.BillingProfile, error) {
	if !validID(orgID) {
		return rcm.BillingProfile{}, ErrNotFound
	}
	b, _, _, err := resolveProfile(ctx, s.Pool, orgID)
	return b, err
}

func resolveProfile(ctx context.Context, db pgq.DBTX, orgID string) (rcm.BillingProfile, time.Time, string, error) {
	r, err := pgq.New(db).ResolveBillingProfile(ctx, orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.BillingProfile{}, time.Time{}, "", ErrNotFound
	}
	if err != nil {
		return rcm.BillingProfile{}, time.Time{}, "", err
	}
	return rcm.BillingProfile{OrgID: r.OrgID, Name: r.Name, NPI: r.Npi, TaxID: r.TaxID, Taxonomy: r.Taxonomy, AddressLine1: r.AddressLine1,
		City: r.City, State: r.State, Zip: r.Zip, SubmitterID: r.SubmitterID, ContactName: r.ContactName, ContactPhone: r.ContactPhone}, r.UpdatedAt, r.OrgName, nil
}

// GetPracticeBilling answers an organisation's billing setup (org:read
// there): its own profile, the one it inherits and from whom, or neither
// with the reason its claims are held.
func (s *Store) GetPracticeBilling(ctx context.Context, a rcm.Actor, orgID string) (rcm.PracticeBilling, error) {
	var out rcm.PracticeBilling
	if !validID(orgID) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, rcm.PermOrgRead, orgID); err != nil {
			return err
		}
		var err error
		out, err = practiceBilling(ctx, tx, orgID)
		return err
	})
	return out, err
}

func practiceBilling(ctx context.Context, tx pgx.Tx, orgID string) (rcm.PracticeBilling, error) {
	o, err := pgq.New(tx).GetOrg(ctx, orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.PracticeBilling{}, ErrNotFound
	}
	if err != nil {
		return rcm.PracticeBilling{}, err
	}
	out := rcm.PracticeBilling{OrgID: o.ID, OrgName: o.Name, ParentID: o.ParentID, Mode: rcm.ProfileMissing}
	b, at, from, err := resolveProfile(ctx, tx, orgID)
	switch {
	case errors.Is(err, ErrNotFound):
		inh, ierr := pgq.New(tx).BillingInheritance(ctx, orgID)
		if ierr == nil {
			out.HoldReason = "the practice inherits its parent's billing profile, but no organisation above it has one; its claims are held"
			out.UpdatedAt = &inh
		} else if errors.Is(ierr, pgx.ErrNoRows) {
			out.HoldReason = rcm.NoProfileReason
			if o.ParentID == "" {
				out.HoldReason = "2010AA: the organisation has no billing profile; its claims are held until one is set in practice setup"
			}
		} else {
			return out, ierr
		}
		return out, nil
	case err != nil:
		return out, err
	}
	out.Profile = &b
	out.UpdatedAt = &at
	if b.OrgID == orgID {
		out.Mode = rcm.ProfileOwn
		return out, nil
	}
	out.Mode = rcm.ProfileInherited
	out.InheritedFrom = &rcm.OrgRef{ID: b.OrgID, Name: from}
	return out, nil
}

// PutPracticeBilling sets an organisation's billing setup (org:write
// there), audited: a profile of its own (replacing any inheritance), or
// explicit inheritance of its parent's (removing its own profile).
func (s *Store) PutPracticeBilling(ctx context.Context, a rcm.Actor, orgID string, in rcm.BillingSetup) (rcm.PracticeBilling, error) {
	var out rcm.PracticeBilling
	if !validID(orgID) {
		return out, ErrNotFound
	}
	prof, err := in.Profile(orgID)
	if err != nil {
		return out, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, rcm.PermOrgWrite, orgID); err != nil {
			return err
		}
		pq := pgq.New(tx)
		o, err := pq.GetOrg(ctx, orgID)
		if err != nil {
			return err
		}
		fields := []string{"inherit_from_parent"}
		if in.InheritFromParent {
			if o.ParentID == "" {
				return &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/inherit_from_parent",
					Detail: "a health system has no parent to inherit from: set its own billing profile"}}}
			}
			if err := pq.DeleteOwnBillingProfile(ctx, orgID); err != nil {
				return err
			}
			if err := pq.SetBillingInheritance(ctx, pgq.SetBillingInheritanceParams{OrgID: orgID, SetBy: nullText(a.UserID)}); err != nil {
				return err
			}
		} else {
			fields = changedFields(ctx, tx, prof)
			if err := pq.PutBillingProfile(ctx, pgq.PutBillingProfileParams{OrgID: prof.OrgID, Name: prof.Name, Npi: prof.NPI, TaxID: prof.TaxID,
				Taxonomy: prof.Taxonomy, AddressLine1: prof.AddressLine1, City: prof.City, State: prof.State, Zip: prof.Zip,
				SubmitterID: prof.SubmitterID, ContactName: prof.ContactName, ContactPhone: prof.ContactPhone}); err != nil {
				return err
			}
			if err := pq.ClearBillingInheritance(ctx, orgID); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: orgID, Action: rcm.ActionUpdate, Resource: "billing_profile",
			ResourceID: orgID, Fields: fields}); err != nil {
			return err
		}
		out, err = practiceBilling(ctx, tx, orgID)
		return err
	})
	return out, err
}

// changedFields names the profile fields a put changes (all of them for a
// new profile), for the audit row; values are never audited.
func changedFields(ctx context.Context, tx pgx.Tx, p rcm.BillingProfile) []string {
	old, err := pgq.New(tx).OwnBillingProfile(ctx, p.OrgID)
	if err != nil {
		old = pgq.OwnBillingProfileRow{}
	}
	var out []string
	for _, f := range []struct {
		name     string
		old, new string
	}{{"name", old.Name, p.Name}, {"npi", old.Npi, p.NPI}, {"tax_id", old.TaxID, p.TaxID}, {"taxonomy", old.Taxonomy, p.Taxonomy},
		{"address_line1", old.AddressLine1, p.AddressLine1}, {"city", old.City, p.City}, {"state", old.State, p.State}, {"zip", old.Zip, p.Zip},
		{"submitter_id", old.SubmitterID, p.SubmitterID}, {"contact_name", old.ContactName, p.ContactName}, {"contact_phone", old.ContactPhone, p.ContactPhone}} {
		if f.old != f.new || err != nil {
			out = append(out, f.name)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// RoutingWarnings lists, per payer, the ready claims the actor sees whose
// payer is routed to a clearinghouse not in known: no batch run takes
// them, so staff must fix the payer's routing.
func (s *Store) RoutingWarnings(ctx context.Context, a rcm.Actor, known []string) ([]rcm.RoutingWarning, error) {
	if known == nil {
		known = []string{}
	}
	rows, err := pgq.New(s.Pool).RoutingWarnings(ctx, pgq.RoutingWarningsParams{Actor: nullText(a.UserID), Perm: rcm.PermClaimRead, Known: known})
	if err != nil {
		return nil, err
	}
	out := make([]rcm.RoutingWarning, 0, len(rows))
	for _, r := range rows {
		out = append(out, rcm.RoutingWarning{PayerID: r.PayerID, PayerCode: r.PayerCode, PayerName: r.PayerName,
			Clearinghouse: r.Clearinghouse, ReadyClaims: int(r.ReadyClaims)})
	}
	return out, nil
}
