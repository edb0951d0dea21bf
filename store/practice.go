package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
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

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func resolveProfile(ctx context.Context, db queryRower, orgID string) (rcm.BillingProfile, time.Time, string, error) {
	var b rcm.BillingProfile
	var at time.Time
	var from string
	err := db.QueryRow(ctx, q("ResolveBillingProfile"), orgID).Scan(&b.OrgID, &b.Name, &b.NPI, &b.TaxID, &b.Taxonomy,
		&b.AddressLine1, &b.City, &b.State, &b.Zip, &b.SubmitterID, &b.ContactName, &b.ContactPhone, &at, &from)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, at, "", ErrNotFound
	}
	return b, at, from, err
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
	var o rcm.Org
	if err := tx.QueryRow(ctx, q("GetOrg"), orgID).Scan(&o.ID, &o.ParentID, &o.Kind, &o.Name, &o.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return rcm.PracticeBilling{}, ErrNotFound
		}
		return rcm.PracticeBilling{}, err
	}
	out := rcm.PracticeBilling{OrgID: o.ID, OrgName: o.Name, ParentID: o.ParentID, Mode: rcm.ProfileMissing}
	b, at, from, err := resolveProfile(ctx, tx, orgID)
	switch {
	case errors.Is(err, ErrNotFound):
		var inh time.Time
		ierr := tx.QueryRow(ctx, q("BillingInheritance"), orgID).Scan(&inh)
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
		var o rcm.Org
		if err := tx.QueryRow(ctx, q("GetOrg"), orgID).Scan(&o.ID, &o.ParentID, &o.Kind, &o.Name, &o.CreatedAt); err != nil {
			return err
		}
		fields := []string{"inherit_from_parent"}
		if in.InheritFromParent {
			if o.ParentID == "" {
				return &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/inherit_from_parent",
					Detail: "a health system has no parent to inherit from: set its own billing profile"}}}
			}
			if _, err := tx.Exec(ctx, q("DeleteOwnBillingProfile"), orgID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q("SetBillingInheritance"), orgID, nullable(a.UserID)); err != nil {
				return err
			}
		} else {
			fields = changedFields(ctx, tx, prof)
			if _, err := tx.Exec(ctx, q("PutBillingProfile"), prof.OrgID, prof.Name, prof.NPI, prof.TaxID, prof.Taxonomy, prof.AddressLine1,
				prof.City, prof.State, prof.Zip, prof.SubmitterID, prof.ContactName, prof.ContactPhone); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q("ClearBillingInheritance"), orgID); err != nil {
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
	var old rcm.BillingProfile
	var at time.Time
	err := tx.QueryRow(ctx, q("OwnBillingProfile"), p.OrgID).Scan(&old.OrgID, &old.Name, &old.NPI, &old.TaxID, &old.Taxonomy,
		&old.AddressLine1, &old.City, &old.State, &old.Zip, &old.SubmitterID, &old.ContactName, &old.ContactPhone, &at)
	if err != nil {
		old = rcm.BillingProfile{}
	}
	var out []string
	for _, f := range []struct {
		name     string
		old, new string
	}{{"name", old.Name, p.Name}, {"npi", old.NPI, p.NPI}, {"tax_id", old.TaxID, p.TaxID}, {"taxonomy", old.Taxonomy, p.Taxonomy},
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
	rows, err := s.Pool.Query(ctx, q("RoutingWarnings"), nullable(a.UserID), rcm.PermClaimRead, known)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rcm.RoutingWarning, error) {
		var w rcm.RoutingWarning
		err := r.Scan(&w.PayerID, &w.PayerCode, &w.PayerName, &w.Clearinghouse, &w.ReadyClaims)
		return w, err
	})
}
