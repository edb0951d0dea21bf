package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The billing dashboard's reads (store/dashboard.sql). Each is scoped to
// the organisations where the actor holds claim:read, like ListClaims.

func pageBefore(p Page) (*string, error) {
	if p.After == "" {
		return nil, nil
	}
	id, err := p.AfterID()
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// DashStatusCounts counts visible claims per status under the filter (its
// Status ignored) and returns the latest change among them, a cheap
// version for live updates. Without a filter or search (the worklist's
// summary) it reads the counts kept per organisation and status (00171).
func (s *Store) DashStatusCounts(ctx context.Context, a Actor, f DashClaimFilter) ([]StatusCount, time.Time, error) {
	x, err := s.searchArgs(f)
	if err != nil || x.none {
		return []StatusCount{}, time.Time{}, err
	}
	if x.criteria == 0 && f.PayerID == "" && f.ProviderID == "" && f.From == nil && f.To == nil && f.MinCents == nil && f.MaxCents == nil {
		rows, err := pgq.New(s.Pool).DashStatusCountsKept(ctx, pgq.DashStatusCountsKeptParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
		if err != nil {
			return nil, time.Time{}, err
		}
		out := make([]StatusCount, len(rows))
		var latest time.Time
		for i, r := range rows {
			latest = r.Latest
			out[i] = StatusCount{Status: r.Status, Count: int(r.Claims)}
		}
		return out, latest, nil
	}
	rows, err := pgq.New(s.Pool).DashStatusCounts(ctx, pgq.DashStatusCountsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		PayerID: nullText(f.PayerID), ProviderID: nullText(f.ProviderID), CreatedFrom: f.From, CreatedTo: f.To,
		MinCents: f.MinCents, MaxCents: f.MaxCents, Criteria: x.criteria, ClaimID: x.claim, Pcn: x.pcn, PayerClaim: x.payerClaim,
		Member: x.member, FirstName: x.first, LastName: x.last, DosFrom: x.dosFrom, DosTo: x.dosTo, Q: x.q, QMember: x.qMember,
		QLast: x.qLast, QFirst: x.qFirst, QPairFirst: x.qPairFirst, QPairLast: x.qPairLast, QDos: x.qDOS})
	if err != nil {
		return nil, time.Time{}, err
	}
	out := make([]StatusCount, len(rows))
	var latest time.Time
	for i, r := range rows {
		if r.Latest.After(latest) {
			latest = r.Latest
		}
		out[i] = StatusCount{Status: r.Status, Count: int(r.Claims)}
	}
	return out, latest, nil
}

// DashClaimDocuments reads the claim's 837 batches and 835 postings.
func (s *Store) DashClaimDocuments(ctx context.Context, claimID string) (ClaimDocuments, error) {
	d := ClaimDocuments{Batches: []ClaimBatch{}, Postings: []ClaimPosting{}}
	if !validID(claimID) {
		return d, ErrNotFound
	}
	db := pgq.New(s.Pool)
	batches, err := db.DashClaimBatches(ctx, claimID)
	if err != nil {
		return d, err
	}
	for _, b := range batches {
		d.Batches = append(d.Batches, ClaimBatch{BatchID: b.ID, ISA13: b.Isa13, GS06: b.Gs06, ST02: b.St02, Attempt: int(b.Attempt),
			FileKey: b.FileKey, UploadedAt: b.UploadedAt, CreatedAt: b.CreatedAt})
	}
	payments, err := db.DashClaimPayments(ctx, claimID)
	if err != nil {
		return d, err
	}
	for _, p := range payments {
		d.Postings = append(d.Postings, ClaimPosting{RemittanceID: p.RemittanceID, TraceNumber: p.TraceNumber, FileKey: p.FileKey,
			TransactionIndex: int(p.TransactionIndex), Seq: int(p.Seq), StatusCode: p.StatusCode, ChargeCents: p.ChargeCents,
			PaidCents: p.PaidCents, PatientRespCents: p.PatientRespCents, PayerClaimNumber: p.PayerClaimNumber, RARCs: p.Rarcs,
			PostedAt: p.PostedAt})
	}
	for i := range d.Postings {
		adj, err := s.remittanceAdjustments(ctx, d.Postings[i].RemittanceID)
		if err != nil {
			return d, err
		}
		d.Postings[i].Adjustments = adj[d.Postings[i].Seq]
		if d.Postings[i].Adjustments == nil {
			d.Postings[i].Adjustments = []PaymentAdjustment{}
		}
	}
	return d, nil
}

func (s *Store) remittanceAdjustments(ctx context.Context, remittanceID string) (map[int][]PaymentAdjustment, error) {
	rows, err := pgq.New(s.Pool).DashAdjustments(ctx, remittanceID)
	if err != nil {
		return nil, err
	}
	out := map[int][]PaymentAdjustment{}
	for _, r := range rows {
		out[int(r.Seq)] = append(out[int(r.Seq)], PaymentAdjustment{Line: int(r.Line), Group: r.GroupCode, Reason: r.Reason, AmountCents: r.AmountCents})
	}
	return out, nil
}

// DashRemittances lists visible remittances, newest first, each with the
// totals of the claim payments the caller owns (kept per remittance and
// owner, 00179): the page reads no claim payment and no adjustment. A
// remittance of which the caller owns fewer claim payments than it
// carries is narrowed to their share (OwnShare).
func (s *Store) DashRemittances(ctx context.Context, a Actor, p Page) ([]DashRemittance, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).DashRemittances(ctx, pgq.DashRemittancesParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		Before: before, RowLimit: int32(p.Size())})
	if err != nil {
		return nil, "", err
	}
	out := make([]DashRemittance, len(rows))
	for i, r := range rows {
		out[i] = DashRemittance{ID: r.ID, PayerID: r.PayerID, TraceNumber: r.TraceNumber, PaidCents: r.PaidCents,
			ProviderAdjCents: r.ProviderAdjCents, Balanced: r.Balanced, BalanceProblems: r.BalanceProblems,
			EFTReconciled: r.EftReconciled, PaymentDate: r.PaymentDate, CreatedAt: r.CreatedAt,
			Totals: RemittanceTotals{ClaimPayments: r.OwnPayments, ChargeCents: r.ChargeCents, PaidCents: r.OwnPaidCents,
				AdjustedCents: r.AdjustedCents}}
		if r.OwnPayments < r.Payments {
			out[i].OwnShare()
		}
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// DashRemittancesWithPayments is DashRemittances with each remittance's
// claim payments the caller owns and their adjustments (the export: one
// statement each for the page, not two per remittance).
func (s *Store) DashRemittancesWithPayments(ctx context.Context, a Actor, p Page) ([]DashRemittance, string, error) {
	out, next, err := s.DashRemittances(ctx, a, p)
	if err != nil || len(out) == 0 {
		return out, next, err
	}
	db := pgq.New(s.Pool)
	ids := make([]string, len(out))
	at := make(map[string]int, len(out))
	for i := range out {
		ids[i] = out[i].ID
		at[out[i].ID] = i
		out[i].Payments = []RemittancePayment{}
	}
	adjs := map[string]map[int][]PaymentAdjustment{}
	ar, err := db.DashAdjustmentsOf(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	for _, r := range ar {
		m := adjs[r.RemittanceID]
		if m == nil {
			m = map[int][]PaymentAdjustment{}
			adjs[r.RemittanceID] = m
		}
		m[int(r.Seq)] = append(m[int(r.Seq)], PaymentAdjustment{Line: int(r.Line), Group: r.GroupCode, Reason: r.Reason, AmountCents: r.AmountCents})
	}
	pays, err := db.DashRemittancePaymentsOf(ctx, pgq.DashRemittancePaymentsOfParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		RemittanceIds: ids})
	if err != nil {
		return nil, "", err
	}
	for _, r := range pays {
		i, ok := at[r.RemittanceID]
		if !ok {
			continue
		}
		p := RemittancePayment{Seq: int(r.Seq), ClaimID: r.ClaimID, StatusCode: r.StatusCode, ChargeCents: r.ChargeCents,
			PaidCents: r.PaidCents, PatientRespCents: r.PatientRespCents, PayerClaimNumber: r.PayerClaimNumber, RARCs: r.Rarcs,
			Adjustments: adjs[r.RemittanceID][int(r.Seq)]}
		if p.Adjustments == nil {
			p.Adjustments = []PaymentAdjustment{}
		}
		out[i].Payments = append(out[i].Payments, p)
	}
	return out, next, nil
}

// DashWorkQueue lists the open work items of visible remittances (the
// newest 200: the first page of DashWorkQueuePage).
func (s *Store) DashWorkQueue(ctx context.Context, a Actor) ([]WorkItem, error) {
	out, _, err := s.DashWorkQueuePage(ctx, a, Page{Limit: 200})
	return out, err
}

// DashReceivables computes what payers and patients owe, aged from the
// date of service, the revenue-cycle analytics and the weekly trend. The
// sums are added up in SQL (DashReceivablesTotals, with the definitions
// of rcm.ClaimFacts, from the per-organisation aggregates of 00172 and the
// week rows of 00177) and rcm.ReceivablesFrom makes the rates and grades;
// the figures are tested against hand-computed answers and against the
// per-claim query. Both statements go in one round trip, planned
// generically from their first execution (DashReceivablesGenericPlans).
func (s *Store) DashReceivables(ctx context.Context, a Actor) (Receivables, error) {
	asOf := s.now().UTC().Format(time.DateOnly)
	var (
		totals []pgq.DashReceivablesTotalsRow
		trend  []pgq.DashTrendRow
		b      pgqBatch
	)
	b.add(func(db *pgq.Queries) error { return db.DashReceivablesGenericPlans(ctx) })
	b.add(func(db *pgq.Queries) (err error) {
		totals, err = db.DashReceivablesTotals(ctx, pgq.DashReceivablesTotalsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
			AsOf: asOf})
		return err
	})
	b.add(func(db *pgq.Queries) (err error) {
		trend, err = db.DashTrend(ctx, pgq.DashTrendParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
		return err
	})
	if err := b.run(ctx, s.Pool); err != nil {
		return Receivables{}, err
	}
	r := rcm.ReceivablesFrom(asOf, receivablesTotals(totals))
	for _, x := range trend {
		t := TrendPoint{Week: x.Week, Payments: int(x.Payments), Denials: int(x.Denials), DaysToPayment: x.DaysToPayment}
		if t.Payments > 0 {
			t.DenialRate = float64(t.Denials) / float64(t.Payments)
			t.Grade = rcm.Benchmarks["denial_rate"].Grade(t.DenialRate)
		}
		r.Trend = append(r.Trend, t)
	}
	return r, nil
}

// CanSeePHI reports whether the actor may read patient data at the
// organisation (patient:read there): the dashboard unmasks raw EDI only
// then.
func (s *Store) CanSeePHI(ctx context.Context, a Actor, orgID string) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		ok, err = inScope(ctx, tx, a, PermPatientRead, orgID)
		return err
	})
	return ok, err
}

// CanWriteClaim reports whether the actor may act on claims at the
// organisation (claim:write there).
func (s *Store) CanWriteClaim(ctx context.Context, a Actor, orgID string) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		ok, err = inScope(ctx, tx, a, PermClaimWrite, orgID)
		return err
	})
	return ok, err
}

// receivablesTotals reads DashReceivablesTotals' rows (their kinds are
// described there).
func receivablesTotals(rows []pgq.DashReceivablesTotalsRow) rcm.ReceivablesTotals {
	t := rcm.ReceivablesTotals{Aging: []rcm.AgingRow{}, Patients: rcm.AgingRow{Payer: "Patients"}}
	for _, r := range rows {
		aging := rcm.AgingRow{Payer: r.Key, Claims: int(r.N0), Days0to30: r.N1, Days31to60: r.N2, Days61to90: r.N3, Days91to120: r.N4,
			DaysOver120: r.N5, TotalCents: r.N6}
		switch r.Kind {
		case "payer":
			t.Aging = append(t.Aging, aging)
		case "patients":
			aging.Payer = "Patients"
			t.Patients, t.PatientCount = aging, int(r.N7)
		case "period":
			t.Submitted, t.Clean, t.Adjudicated, t.FirstPass, t.Denied = int(r.N0), int(r.N1), int(r.N2), int(r.N3), int(r.N4)
			t.ChargesCents, t.PaymentsCents, t.ContractualCents = r.N5, r.N6, r.N7
		case "denial_payer":
			t.DenialsByPayer = append(t.DenialsByPayer, rcm.DenialRate{Key: r.Key, Adjudicated: int(r.N0), Denied: int(r.N1)})
		case "denial_reason":
			t.DenialsByCARC = append(t.DenialsByCARC, rcm.DenialRate{Key: r.Key, Denied: int(r.N1)})
		}
	}
	return t
}
