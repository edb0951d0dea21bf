package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The ERA/EOB viewer and bank deposits (issue 16, store/era.sql).

// recordRemittanceDetails keeps what the viewer shows of a newly recorded
// remittance beyond its claim payments: the payer's name, the payment
// method and the PLB adjustments (same transaction as the remittance).
func recordRemittanceDetails(ctx context.Context, db *pgq.Queries, id string, r Remittance) error {
	if err := db.SetRemittanceDetails(ctx, pgq.SetRemittanceDetailsParams{ID: id, PayerName: r.PayerName, PaymentMethod: r.PaymentMethod}); err != nil {
		return err
	}
	for n, a := range r.ProviderAdjustments {
		if err := db.InsertProviderAdjustment(ctx, pgq.InsertProviderAdjustmentParams{RemittanceID: id, N: int32(n + 1),
			ProviderID: a.ProviderID, FiscalPeriod: a.FiscalPeriod, Reason: a.Reason, Reference: a.Reference, AmountCents: a.AmountCents}); err != nil {
			return err
		}
	}
	return nil
}

// ERA reads one remittance as the viewer shows it: the payment and every
// claim payment the actor may see (claimID, when set, narrows it to that
// claim's). Patient names are filled where the actor holds patient:read
// at the claim's organisation, else masked. Each claim payment shown is
// audited as a read of resource (the viewer "era", the printed "eob_pdf")
// with the patient it concerns. A remittance the actor owns no part of,
// or a claim it does not pay, is ErrNotFound.
func (s *Store) ERA(ctx context.Context, a Actor, id, claimID, resource string) (rcm.ERA, error) {
	var e rcm.ERA
	if !validID(id) || (claimID != "" && !validID(claimID)) {
		return e, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		r, err := db.EraRemittance(ctx, pgq.EraRemittanceParams{ID: id, Actor: nullText(a.UserID), Perm: PermClaimRead})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		e = rcm.ERA{ID: r.ID, PayerID: r.PayerID, PayerName: r.PayerName, TraceNumber: r.TraceNumber, PaymentMethod: r.PaymentMethod,
			PaymentDate: r.PaymentDate, PaidCents: r.PaidCents, ProviderAdjCents: r.ProviderAdjCents, Balanced: r.Balanced,
			BalanceProblems: r.BalanceProblems, EFTReconciled: r.EftReconciled, DetailsRecorded: r.DetailsRecorded, CreatedAt: r.CreatedAt,
			ProviderAdjustments: []rcm.ProviderAdjustment{}, Claims: []rcm.ERAClaim{}}
		if e.BalanceProblems == nil {
			e.BalanceProblems = []string{}
		}
		if err := s.eraClaims(ctx, db, a, &e, claimID); err != nil {
			return err
		}
		if claimID != "" && len(e.Claims) == 0 {
			return ErrNotFound
		}
		// Visible payments narrower than the whole: the caller's share only
		// (as DashRemittance.OwnShare), none of the transaction's figures.
		all, err := db.EraClaimPayments(ctx, pgq.EraClaimPaymentsParams{RemittanceID: id, Actor: nullText(a.UserID), Perm: PermClaimRead})
		if err != nil {
			return err
		}
		if int64(len(all)) < r.Payments {
			e.Shared = true
			e.PaidCents, e.ProviderAdjCents, e.BalanceProblems = 0, 0, []string{}
			for _, p := range all {
				e.PaidCents += p.PaidCents
			}
		} else {
			plb, err := db.EraProviderAdjustments(ctx, id)
			if err != nil {
				return err
			}
			for _, p := range plb {
				e.ProviderAdjustments = append(e.ProviderAdjustments, rcm.ProviderAdjustment{ProviderID: p.ProviderID,
					FiscalPeriod: p.FiscalPeriod, Reason: p.Reason, Reference: p.Reference, AmountCents: p.AmountCents})
			}
		}
		if err := s.eraDeviations(ctx, tx, a, &e, claimID); err != nil {
			return err
		}
		return s.eraPatients(ctx, tx, a, &e, resource)
	})
	if err != nil {
		return rcm.ERA{}, err
	}
	return e, nil
}

// eraClaims loads the visible claim payments with their adjustments and
// service lines, and computes their allowed amounts.
func (s *Store) eraClaims(ctx context.Context, db *pgq.Queries, a Actor, e *rcm.ERA, claimID string) error {
	pays, err := db.EraClaimPayments(ctx, pgq.EraClaimPaymentsParams{RemittanceID: e.ID, ClaimID: nullText(claimID),
		Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return err
	}
	adjs, err := db.EraAdjustments(ctx, pgq.EraAdjustmentsParams{RemittanceID: e.ID, Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return err
	}
	lines, err := db.EraLines(ctx, pgq.EraLinesParams{RemittanceID: e.ID, Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return err
	}
	type key struct{ seq, line int32 }
	adjBy := map[key][]rcm.ERAAdjustment{}
	for _, x := range adjs {
		k := key{x.Seq, x.Line}
		adjBy[k] = append(adjBy[k], rcm.ERAAdjustment{Group: x.GroupCode, Reason: x.Reason, Code: x.GroupCode + "-" + x.Reason, AmountCents: x.AmountCents})
	}
	linesBy := map[int32][]rcm.ERALine{}
	for _, l := range lines {
		el := rcm.ERALine{Line: int(l.Line), ProcedureQual: l.ProcedureQual, Procedure: l.Procedure, Modifiers: l.Modifiers,
			RevenueCode: l.RevenueCode, Units: l.Units, ServiceDate: l.ServiceDate, ChargeCents: l.ChargeCents, PaidCents: l.PaidCents,
			Adjustments: nonNil(adjBy[key{l.Seq, l.Line}]), RARCs: remarks(l.Rarcs)}
		if l.AllowedCents != nil {
			el.AllowedCents, el.HasAllowed = *l.AllowedCents, true
		}
		linesBy[l.Seq] = append(linesBy[l.Seq], el)
	}
	for _, p := range pays {
		c := rcm.ERAClaim{Seq: int(p.Seq), ClaimID: p.ClaimID, OrgID: p.OrgID, PatientID: p.PatientID, PatientControl: p.PatientControl,
			PayerClaimNumber: p.PayerClaimNumber, StatusCode: p.StatusCode, ChargeCents: p.ChargeCents, PaidCents: p.PaidCents,
			PatientRespCents: p.PatientRespCents, Adjustments: nonNil(adjBy[key{p.Seq, 0}]), RARCs: remarks(p.Rarcs),
			LinesRecorded: p.LinesRecorded, Lines: linesBy[p.Seq]}
		if c.Lines == nil {
			c.Lines = []rcm.ERALine{}
		}
		c.ComputeAllowed()
		e.Claims = append(e.Claims, c)
	}
	return nil
}

// eraPatients fills (or masks) the patients' names and audits each claim
// payment shown.
func (s *Store) eraPatients(ctx context.Context, tx pgx.Tx, a Actor, e *rcm.ERA, resource string) error {
	names := s.patientNames(tx, a)
	refs := make([]patientRef, 0, len(e.Claims))
	for _, c := range e.Claims {
		if c.ClaimID != "" {
			refs = append(refs, patientRef{c.OrgID, c.PatientID})
		}
	}
	if err := names.prefetch(ctx, refs); err != nil {
		return err
	}
	entries := make([]AuditEntry, 0, len(e.Claims))
	for i := range e.Claims {
		c := &e.Claims[i]
		fields := []string{"claim_payment/" + strconv.Itoa(c.Seq)}
		if c.ClaimID == "" { // matched no claim: no patient record to name
			entries = append(entries, AuditEntry{Action: ActionRead, Resource: resource, ResourceID: e.ID, Fields: fields})
			continue
		}
		fields = append(fields, "claim/"+c.ClaimID)
		name, ok, err := names.name(ctx, c.OrgID, c.PatientID)
		if err != nil {
			return err
		}
		if ok {
			c.PatientName = name
			fields = append(fields, "first_name", "last_name")
		} else {
			c.PatientMasked = true
		}
		entries = append(entries, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: resource,
			ResourceID: e.ID, Fields: fields})
	}
	return s.audit(ctx, tx, a, entries...)
}

func nonNil(as []rcm.ERAAdjustment) []rcm.ERAAdjustment {
	if as == nil {
		return []rcm.ERAAdjustment{}
	}
	return as
}

func remarks(cs []string) []rcm.Remark {
	out := make([]rcm.Remark, len(cs))
	for i, c := range cs {
		out[i] = rcm.Remark{Code: c}
	}
	return out
}

// CreateDeposit records a bank deposit at the deposit's organisation
// (claim:write there) and answers it reconciled. It joins the 835s whose
// trace number is its reference and no deposit is matched to yet; those
// whose deposit now adds up are reconciled (eft_reconciled, and their
// eft_unreconciled work item resolved).
func (s *Store) CreateDeposit(ctx context.Context, a Actor, d rcm.Deposit) (rcm.Deposit, error) {
	if err := d.Validate(); err != nil {
		return d, err
	}
	day, _ := time.Parse(time.DateOnly, d.DepositedOn)
	d.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermClaimWrite, d.OrgID); err != nil {
			return orgMissing()
		}
		db := pgq.New(tx)
		if _, err := db.InsertDeposit(ctx, pgq.InsertDepositParams{ID: d.ID, OrgID: d.OrgID, AmountCents: d.AmountCents,
			DepositedOn: day, Reference: d.Reference, Note: d.Note, CreatedBy: nullText(a.UserID)}); err != nil {
			return err
		}
		matched, err := db.MatchDepositByReference(ctx, d.ID)
		if err != nil {
			return err
		}
		if _, err := syncEFTReconciled(ctx, db, a, matched...); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: d.OrgID, Action: ActionCreate, Resource: "deposit", ResourceID: d.ID,
			Fields: []string{"amount_cents", "deposited_on", "reference", "note"}})
	})
	if err != nil {
		return d, err
	}
	return s.Deposit(ctx, a, d.ID)
}

// syncEFTReconciled sets eft_reconciled of the remittances from their
// deposits (deposit_matches, the one record of it) and keeps their
// eft_unreconciled work item in step: resolved (resolution
// deposit_matched, by the actor) when the deposit adds up, queued or
// reopened when not. It answers which remittances are reconciled.
func syncEFTReconciled(ctx context.Context, db *pgq.Queries, a Actor, remittanceIDs ...string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(remittanceIDs) == 0 {
		return out, nil
	}
	rows, err := db.SyncEFTReconciled(ctx, remittanceIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.EftReconciled
		switch {
		case r.EftReconciled:
			err = db.ResolveEFTWork(ctx, pgq.ResolveEFTWorkParams{RemittanceID: r.ID, ResolvedBy: nullText(a.UserID),
				Note: "matched to a bank deposit that adds up"})
		case r.PaidCents > 0:
			err = db.OpenEFTWork(ctx, pgq.OpenEFTWorkParams{RemittanceID: r.ID, Detail: "no deposit with this trace number and amount yet"})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReconcileEFT reconciles a posted 835 with the bank deposits: when no
// deposit is matched to it yet, it joins the oldest deposit (not matched
// by hand) whose reference is its trace number; it is reconciled when its
// deposit adds up, else it waits in the work queue (eft_unreconciled).
// Posting calls it once all claim payments are posted; a retry changes
// nothing.
func (s *Store) ReconcileEFT(ctx context.Context, remittanceID string) (bool, error) {
	ok := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		if err := db.MatchRemittanceByReference(ctx, remittanceID); err != nil {
			return err
		}
		rec, err := syncEFTReconciled(ctx, db, System, remittanceID)
		ok = rec[remittanceID]
		return err
	})
	return ok, err
}

// Deposit reads one deposit of the actor's organisations, reconciled.
func (s *Store) Deposit(ctx context.Context, a Actor, id string) (rcm.Deposit, error) {
	if !validID(id) {
		return rcm.Deposit{}, ErrNotFound
	}
	ds, err := s.deposits(ctx, pgq.New(s.Pool), a, &id, nil, 1)
	if err != nil {
		return rcm.Deposit{}, err
	}
	if len(ds) == 0 {
		return rcm.Deposit{}, ErrNotFound
	}
	return ds[0], nil
}

// depositCursor is what a deposit page's cursor encodes: the last
// deposit's date and ID (the list's order).
func depositCursor(d rcm.Deposit) string { return "dep:" + d.DepositedOn + ":" + d.ID }

type depositKey struct {
	on time.Time
	id string
}

func depositCursorBefore(p Page) (*depositKey, error) {
	if p.After == "" {
		return nil, nil
	}
	bad := &ValidationError{Fields: []FieldProblem{{Pointer: "/cursor", Detail: "is not a cursor from a previous page"}}}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil {
		return nil, bad
	}
	rest, ok := strings.CutPrefix(string(b), "dep:")
	on, id, ok2 := strings.Cut(rest, ":")
	day, err := time.Parse(time.DateOnly, on)
	if !ok || !ok2 || err != nil || !validID(id) {
		return nil, bad
	}
	return &depositKey{on: day, id: id}, nil
}

// Deposits lists the deposits of the actor's organisations, newest first
// (by deposit date), one page at a time, each reconciled with its 835s,
// and the first page of the actor's 835s no deposit is matched to
// (RemittancesWithoutDeposit pages on). The list is audited.
func (s *Store) Deposits(ctx context.Context, a Actor, p Page) (rcm.Reconciliation, error) {
	var out rcm.Reconciliation
	before, err := depositCursorBefore(p)
	if err != nil {
		return out, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		var err error
		if out.Deposits, err = s.deposits(ctx, db, a, nil, before, p.Size()); err != nil {
			return err
		}
		out.NextCursor = nextCursor(len(out.Deposits), p, func() string { return depositCursor(out.Deposits[len(out.Deposits)-1]) })
		if out.RemittancesUnplaced, out.RemittancesNextCursor, err = remittancesWithoutDeposit(ctx, db, a, Page{}); err != nil {
			return err
		}
		entries := make([]AuditEntry, len(out.Deposits))
		for i, d := range out.Deposits {
			entries[i] = AuditEntry{OrgID: d.OrgID, Action: ActionList, Resource: "deposit", ResourceID: d.ID}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, err
}

// RemittancesWithoutDeposit lists the actor's paying 835s no deposit is
// matched to, newest first, one page at a time.
func (s *Store) RemittancesWithoutDeposit(ctx context.Context, a Actor, p Page) ([]rcm.DepositRemit, string, error) {
	return remittancesWithoutDeposit(ctx, pgq.New(s.Pool), a, p)
}

func remittancesWithoutDeposit(ctx context.Context, db *pgq.Queries, a Actor, p Page) ([]rcm.DepositRemit, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := db.RemittancesWithoutDeposit(ctx, pgq.RemittancesWithoutDepositParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		Before: before, RowLimit: int32(p.Size())})
	if err != nil {
		return nil, "", err
	}
	out := make([]rcm.DepositRemit, len(rows))
	for i, r := range rows {
		out[i] = rcm.DepositRemit{RemittanceID: r.RemittanceID, TraceNumber: r.TraceNumber, PayerID: r.PayerID,
			PaymentDate: r.PaymentDate, AmountCents: r.AmountCents}
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].RemittanceID }), nil
}

func (s *Store) deposits(ctx context.Context, db *pgq.Queries, a Actor, id *string, before *depositKey, limit int) ([]rcm.Deposit, error) {
	params := pgq.ListDepositsParams{Actor: nullText(a.UserID), Perm: PermClaimRead, DepositID: id, RowLimit: int32(limit)}
	if before != nil {
		params.BeforeOn, params.BeforeID = &before.on, &before.id
	}
	rows, err := db.ListDeposits(ctx, params)
	if err != nil {
		return nil, err
	}
	out := make([]rcm.Deposit, len(rows))
	ids := make([]string, len(rows))
	at := map[string]int{}
	for i, r := range rows {
		out[i] = rcm.Deposit{ID: r.ID, OrgID: r.OrgID, AmountCents: r.AmountCents, DepositedOn: r.DepositedOn, Reference: r.Reference,
			Note: r.Note, Manual: r.Manual, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, Remittances: []rcm.DepositRemit{}}
		ids[i], at[r.ID] = r.ID, i
	}
	if len(ids) > 0 {
		ms, err := db.DepositRemittances(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			d := &out[at[m.DepositID]]
			d.Remittances = append(d.Remittances, rcm.DepositRemit{RemittanceID: m.RemittanceID, TraceNumber: m.TraceNumber,
				PayerID: m.PayerID, PaymentDate: m.PaymentDate, AmountCents: m.AmountCents})
		}
	}
	for i := range out {
		out[i].Reconcile()
	}
	return out, nil
}

// MatchDeposit matches (match true) or unmatches an 835 to the deposit by
// hand, for when the bank's reference is not the 835's trace number; 835s
// posted later no longer join the deposit by its reference. The actor
// needs claim:write at the deposit's organisation, and the 835 must be one
// that organisation owns a part of and no other deposit is matched to (a
// *rcm.DepositConflict naming that deposit when the actor sees it). The
// 835's eft_reconciled and work item follow the deposit: reconciled and
// resolved when it adds up, else cleared and queued again.
func (s *Store) MatchDeposit(ctx context.Context, a Actor, depositID, remittanceID string, match bool) (rcm.Deposit, error) {
	if !validID(depositID) {
		return rcm.Deposit{}, ErrNotFound
	}
	if !validID(remittanceID) {
		return rcm.Deposit{}, &ValidationError{Fields: []FieldProblem{{Pointer: "/remittance_id", Detail: "is not a remittance ID"}}}
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		d, err := db.DepositForUpdate(ctx, pgq.DepositForUpdateParams{ID: depositID, Actor: nullText(a.UserID), Perm: PermClaimRead})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if ok, err := inScope(ctx, tx, a, PermClaimWrite, d.OrgID); err != nil {
			return err
		} else if !ok {
			return ErrNotFound
		}
		owned, err := db.RemittanceOwnedBy(ctx, pgq.RemittanceOwnedByParams{RemittanceID: remittanceID, OrgID: d.OrgID})
		if err != nil {
			return err
		}
		if !owned {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/remittance_id", Detail: "is not a remittance of the deposit's organisation"}}}
		}
		if err := db.SetDepositManual(ctx, depositID); err != nil {
			return err
		}
		action := "match"
		if match {
			if err := matchedElsewhere(ctx, tx, a, depositID, remittanceID); err != nil {
				return err
			}
			err = db.AddDepositMatch(ctx, pgq.AddDepositMatchParams{DepositID: depositID, RemittanceID: remittanceID, MatchedBy: nullText(a.UserID)})
			if pe, dup := isPgCode(err, "23505"); dup && pe.ConstraintName == "deposit_matches_one_deposit" {
				// Matched by a concurrent request since the check.
				return &rcm.DepositConflict{RemittanceID: remittanceID}
			}
		} else {
			action = "unmatch"
			_, err = db.RemoveDepositMatch(ctx, pgq.RemoveDepositMatchParams{DepositID: depositID, RemittanceID: remittanceID})
		}
		if err != nil {
			return err
		}
		// The deposit's other 835s too: its sum changed.
		ds, err := db.DepositRemittances(ctx, []string{depositID})
		if err != nil {
			return err
		}
		ids := []string{remittanceID}
		for _, m := range ds {
			if m.RemittanceID != remittanceID {
				ids = append(ids, m.RemittanceID)
			}
		}
		if _, err := syncEFTReconciled(ctx, db, a, ids...); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: d.OrgID, Action: ActionUpdate, Resource: "deposit", ResourceID: depositID,
			Fields: []string{action + "/" + remittanceID}})
	})
	if err != nil {
		return rcm.Deposit{}, err
	}
	return s.Deposit(ctx, a, depositID)
}

// matchedElsewhere answers a *rcm.DepositConflict when another deposit is
// matched to the remittance, naming it only when the actor sees it.
func matchedElsewhere(ctx context.Context, tx pgx.Tx, a Actor, depositID, remittanceID string) error {
	other, err := pgq.New(tx).RemittanceDeposit(ctx, remittanceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil || other.DepositID == depositID {
		return err
	}
	c := &rcm.DepositConflict{RemittanceID: remittanceID}
	ok, err := inScope(ctx, tx, a, PermClaimRead, other.OrgID)
	if err != nil {
		return err
	}
	if ok {
		c.DepositID = other.DepositID
	}
	return c
}
