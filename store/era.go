package store

import (
	"context"
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

// recordPaymentLines keeps the service lines of a newly posted claim
// payment, owned like the payment (same transaction).
func recordPaymentLines(ctx context.Context, db *pgq.Queries, remittanceID string, p ClaimPaymentRecord, org *string) error {
	for _, l := range p.Lines {
		mods, rarcs := l.Modifiers, l.RARCs
		if mods == nil {
			mods = []string{}
		}
		if rarcs == nil {
			rarcs = []string{}
		}
		if err := db.InsertClaimPaymentLine(ctx, pgq.InsertClaimPaymentLineParams{RemittanceID: remittanceID, Seq: int32(p.Seq),
			Line: int32(l.Line), OrgID: org, ProcedureQual: l.ProcedureQual, Procedure: l.Procedure, Modifiers: mods,
			RevenueCode: l.RevenueCode, Units: l.Units, ChargeCents: l.ChargeCents, PaidCents: l.PaidCents, AllowedCents: l.AllowedCents,
			ServiceDate: l.ServiceDate, LineControl: l.LineControl, Rarcs: rarcs}); err != nil {
			return err
		}
	}
	return db.MarkLinesRecorded(ctx, pgq.MarkLinesRecordedParams{RemittanceID: remittanceID, Seq: int32(p.Seq)})
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
	phi := map[string]bool{}
	entries := make([]AuditEntry, 0, len(e.Claims))
	for i := range e.Claims {
		c := &e.Claims[i]
		fields := []string{"claim_payment/" + strconv.Itoa(c.Seq)}
		if c.ClaimID == "" { // matched no claim: no patient record to name
			entries = append(entries, AuditEntry{Action: ActionRead, Resource: resource, ResourceID: e.ID, Fields: fields})
			continue
		}
		fields = append(fields, "claim/"+c.ClaimID)
		ok, seen := phi[c.OrgID]
		if !seen {
			var err error
			if ok, err = inScope(ctx, tx, a, PermPatientRead, c.OrgID); err != nil {
				return err
			}
			phi[c.OrgID] = ok
		}
		if ok {
			sp, err := getSealedPatient(ctx, tx, c.PatientID)
			if err != nil {
				return err
			}
			p, _, err := s.openPatient(ctx, sp)
			if err != nil {
				return err
			}
			c.PatientName = strings.TrimSpace(p.FirstName + " " + p.LastName)
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
// (claim:write there) and answers it reconciled.
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
		if _, err := pgq.New(tx).InsertDeposit(ctx, pgq.InsertDepositParams{ID: d.ID, OrgID: d.OrgID, AmountCents: d.AmountCents,
			DepositedOn: day, Reference: d.Reference, Note: d.Note, CreatedBy: nullText(a.UserID)}); err != nil {
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

// Deposit reads one deposit of the actor's organisations, reconciled.
func (s *Store) Deposit(ctx context.Context, a Actor, id string) (rcm.Deposit, error) {
	if !validID(id) {
		return rcm.Deposit{}, ErrNotFound
	}
	ds, err := s.deposits(ctx, pgq.New(s.Pool), a, &id)
	if err != nil {
		return rcm.Deposit{}, err
	}
	if len(ds) == 0 {
		return rcm.Deposit{}, ErrNotFound
	}
	return ds[0], nil
}

// Deposits lists the deposits of the actor's organisations (newest 500),
// each reconciled with its 835s, and the actor's 835s no deposit is
// matched to. The list is audited.
func (s *Store) Deposits(ctx context.Context, a Actor) (rcm.Reconciliation, error) {
	var out rcm.Reconciliation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		var err error
		if out.Deposits, err = s.deposits(ctx, db, a, nil); err != nil {
			return err
		}
		rows, err := db.RemittancesWithoutDeposit(ctx, pgq.RemittancesWithoutDepositParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
		if err != nil {
			return err
		}
		out.RemittancesUnplaced = make([]rcm.DepositRemit, len(rows))
		for i, r := range rows {
			out.RemittancesUnplaced[i] = rcm.DepositRemit{RemittanceID: r.RemittanceID, TraceNumber: r.TraceNumber, PayerID: r.PayerID,
				PaymentDate: r.PaymentDate, AmountCents: r.AmountCents}
		}
		entries := make([]AuditEntry, len(out.Deposits))
		for i, d := range out.Deposits {
			entries[i] = AuditEntry{OrgID: d.OrgID, Action: ActionList, Resource: "deposit", ResourceID: d.ID}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, err
}

func (s *Store) deposits(ctx context.Context, db *pgq.Queries, a Actor, id *string) ([]rcm.Deposit, error) {
	rows, err := db.ListDeposits(ctx, pgq.ListDepositsParams{Actor: nullText(a.UserID), Perm: PermClaimRead, DepositID: id, RowLimit: 500})
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
// hand, for when the bank's reference is not the 835's trace number. The
// deposit is then matched by hand only, keeping what it matched. The
// actor needs claim:write at the deposit's organisation, and the 835 must
// be one that organisation owns a part of.
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
		if !d.Manual {
			if err := db.FreezeDepositMatches(ctx, pgq.FreezeDepositMatchesParams{DepositID: depositID, MatchedBy: nullText(a.UserID)}); err != nil {
				return err
			}
		}
		action := "match"
		if match {
			err = db.AddDepositMatch(ctx, pgq.AddDepositMatchParams{DepositID: depositID, RemittanceID: remittanceID, MatchedBy: nullText(a.UserID)})
		} else {
			action = "unmatch"
			_, err = db.RemoveDepositMatch(ctx, pgq.RemoveDepositMatchParams{DepositID: depositID, RemittanceID: remittanceID})
		}
		if err != nil {
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
