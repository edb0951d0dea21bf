package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The billing dashboard's reads (store/dashboard.sql). Each is scoped to
// the organisations where the actor holds claim:read, like ListClaims.

// DashClaimFilter narrows the claims worklist. Status may list several
// statuses separated by commas.
type DashClaimFilter struct {
	Status     string
	PayerID    string
	ProviderID string
	From, To   *time.Time // created at, [From, To)
	MinCents   *int64
	MaxCents   *int64
	ClaimID    string // one claim (DashStatusCounts only: a claim page's live updates)
}

// DashClaim is one row of the worklist. The patient's name is there only
// for callers who may read patients at the claim's organisation
// (patient:read); otherwise PatientMasked is set.
type DashClaim struct {
	ID                   string    `json:"id"`
	OrgID                string    `json:"org_id"`
	Status               string    `json:"status"`
	PayerID              string    `json:"payer_id"`
	PayerName            string    `json:"payer_name"`
	ProviderID           string    `json:"provider_id"`
	ProviderName         string    `json:"provider_name"`
	PatientControlNumber string    `json:"patient_control_number"`
	PatientName          string    `json:"patient_name,omitempty"`
	PatientMasked        bool      `json:"patient_masked"`
	TotalCents           int64     `json:"total_cents"`
	PaidCents            int64     `json:"paid_cents"`
	Attempt              int       `json:"attempt"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
	patientID            string
}

func pageBefore(p Page) (*string, error) {
	if p.After == "" {
		return nil, nil
	}
	id, err := p.after()
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// DashClaims lists visible claims, newest first, one page at a time. Each
// listed claim is audited as ListClaims does.
func (s *Store) DashClaims(ctx context.Context, a Actor, f DashClaimFilter, p Page) ([]DashClaim, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	var out []DashClaim
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).DashClaims(ctx, pgq.DashClaimsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
			Before: before, RowLimit: int32(p.limit()), Statuses: nullText(f.Status), PayerID: nullText(f.PayerID),
			ProviderID: nullText(f.ProviderID), CreatedFrom: f.From, CreatedTo: f.To, MinCents: f.MinCents, MaxCents: f.MaxCents})
		if err != nil {
			return err
		}
		out = make([]DashClaim, len(rows))
		for i, r := range rows {
			out[i] = DashClaim{ID: r.ID, OrgID: r.OrgID, Status: r.Status, PayerID: r.PayerID, PayerName: r.PayerName,
				ProviderID: r.ProviderID, ProviderName: r.ProviderName, PatientControlNumber: r.PatientControlNumber,
				TotalCents: r.TotalCents, PaidCents: r.PaidCents, Attempt: int(r.Attempt), CreatedAt: r.CreatedAt,
				UpdatedAt: r.UpdatedAt, patientID: r.PatientID}
		}
		phi := map[string]bool{}
		entries := make([]AuditEntry, len(out))
		for i := range out {
			c := &out[i]
			fields := []string{"status", "total_cents"}
			ok, seen := phi[c.OrgID]
			if !seen {
				if ok, err = inScope(ctx, tx, a, PermPatientRead, c.OrgID); err != nil {
					return err
				}
				phi[c.OrgID] = ok
			}
			if ok {
				sp, err := getSealedPatient(ctx, tx, c.patientID)
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
			entries[i] = AuditEntry{OrgID: c.OrgID, PatientID: c.patientID, Action: ActionList, Resource: "claim", ResourceID: c.ID, Fields: fields}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// StatusCount is how many visible claims are in one status.
type StatusCount struct {
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// DashStatusCounts counts visible claims per status under the filter (its
// Status ignored) and returns the latest change among them, a cheap
// version for live updates.
func (s *Store) DashStatusCounts(ctx context.Context, a Actor, f DashClaimFilter) ([]StatusCount, time.Time, error) {
	rows, err := pgq.New(s.Pool).DashStatusCounts(ctx, pgq.DashStatusCountsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		PayerID: nullText(f.PayerID), ProviderID: nullText(f.ProviderID), CreatedFrom: f.From, CreatedTo: f.To,
		MinCents: f.MinCents, MaxCents: f.MaxCents, ClaimID: nullText(f.ClaimID)})
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

// ClaimBatch is one 837 that carried the claim.
type ClaimBatch struct {
	BatchID    string     `json:"batch_id"`
	ISA13      string     `json:"isa13"`
	GS06       string     `json:"gs06"`
	ST02       string     `json:"st02"`
	Attempt    int        `json:"attempt"`
	FileKey    string     `json:"-"`
	UploadedAt *time.Time `json:"uploaded_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ClaimPosting is one 835 claim payment (CLP) posted to the claim.
type ClaimPosting struct {
	RemittanceID     string              `json:"remittance_id"`
	TraceNumber      string              `json:"trace_number"`
	FileKey          string              `json:"-"`
	TransactionIndex int                 `json:"-"`
	Seq              int                 `json:"seq"`
	StatusCode       string              `json:"status_code"`
	ChargeCents      int64               `json:"charge_cents"`
	PaidCents        int64               `json:"paid_cents"`
	PatientRespCents int64               `json:"patient_resp_cents"`
	PayerClaimNumber string              `json:"payer_claim_number"`
	RARCs            []string            `json:"rarcs"`
	PostedAt         time.Time           `json:"posted_at"`
	Adjustments      []PaymentAdjustment `json:"adjustments"`
}

// ClaimDocuments are the batches and postings of a claim (the caller has
// already checked the claim is visible, with GetClaim).
type ClaimDocuments struct {
	Batches  []ClaimBatch   `json:"batches"`
	Postings []ClaimPosting `json:"postings"`
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

// DashRemittance is one posted 835 transaction with its claim payments.
type DashRemittance struct {
	ID               string              `json:"id"`
	PayerID          string              `json:"payer_id"`
	TraceNumber      string              `json:"trace_number"`
	PaidCents        int64               `json:"paid_cents"`
	ProviderAdjCents int64               `json:"provider_adj_cents"`
	Balanced         bool                `json:"balanced"`
	BalanceProblems  []string            `json:"balance_problems"`
	EFTReconciled    bool                `json:"eft_reconciled"`
	PaymentDate      string              `json:"payment_date,omitempty"`
	CreatedAt        time.Time           `json:"created_at"`
	Payments         []RemittancePayment `json:"payments"`
}

// RemittancePayment is one CLP of a remittance; ClaimID is empty when it
// matched no claim the caller may see.
type RemittancePayment struct {
	Seq              int                 `json:"seq"`
	ClaimID          string              `json:"claim_id"`
	StatusCode       string              `json:"status_code"`
	ChargeCents      int64               `json:"charge_cents"`
	PaidCents        int64               `json:"paid_cents"`
	PatientRespCents int64               `json:"patient_resp_cents"`
	PayerClaimNumber string              `json:"payer_claim_number"`
	RARCs            []string            `json:"rarcs"`
	Adjustments      []PaymentAdjustment `json:"adjustments"`
}

// DashRemittances lists visible remittances, newest first.
func (s *Store) DashRemittances(ctx context.Context, a Actor, p Page) ([]DashRemittance, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	db := pgq.New(s.Pool)
	rows, err := db.DashRemittances(ctx, pgq.DashRemittancesParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		Before: before, RowLimit: int32(p.limit())})
	if err != nil {
		return nil, "", err
	}
	out := make([]DashRemittance, len(rows))
	for i, r := range rows {
		out[i] = DashRemittance{ID: r.ID, PayerID: r.PayerID, TraceNumber: r.TraceNumber, PaidCents: r.PaidCents,
			ProviderAdjCents: r.ProviderAdjCents, Balanced: r.Balanced, BalanceProblems: r.BalanceProblems,
			EFTReconciled: r.EftReconciled, PaymentDate: r.PaymentDate, CreatedAt: r.CreatedAt}
	}
	for i := range out {
		adj, err := s.remittanceAdjustments(ctx, out[i].ID)
		if err != nil {
			return nil, "", err
		}
		pays, err := db.DashRemittancePayments(ctx, pgq.DashRemittancePaymentsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
			RemittanceID: out[i].ID})
		if err != nil {
			return nil, "", err
		}
		out[i].Payments = make([]RemittancePayment, len(pays))
		for j, r := range pays {
			p := RemittancePayment{Seq: int(r.Seq), ClaimID: r.ClaimID, StatusCode: r.StatusCode, ChargeCents: r.ChargeCents,
				PaidCents: r.PaidCents, PatientRespCents: r.PatientRespCents, PayerClaimNumber: r.PayerClaimNumber, RARCs: r.Rarcs,
				Adjustments: adj[int(r.Seq)]}
			if p.Adjustments == nil {
				p.Adjustments = []PaymentAdjustment{}
			}
			out[i].Payments[j] = p
		}
		if int64(len(out[i].Payments)) < rows[i].Payments {
			out[i].ownShare()
		}
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// ownShare narrows a remittance that also pays other organisations' claims
// to the caller's share: the amount of the payments they own, and none of
// the transaction-wide figures (provider adjustments, balance problems)
// that would describe the other organisations' payments.
func (d *DashRemittance) ownShare() {
	d.PaidCents, d.ProviderAdjCents, d.BalanceProblems = 0, 0, []string{}
	for _, p := range d.Payments {
		d.PaidCents += p.PaidCents
	}
}

// WorkItem is one open entry of the remittance work queue. Its ID is
// opaque (a random UUID).
type WorkItem struct {
	ID           string    `json:"id"`
	RemittanceID string    `json:"remittance_id"`
	TraceNumber  string    `json:"trace_number"`
	Seq          int       `json:"seq"`
	Kind         string    `json:"kind"`
	Detail       string    `json:"detail"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

// DashWorkQueue lists the open work items of visible remittances (the
// newest 200: the first page of DashWorkQueuePage).
func (s *Store) DashWorkQueue(ctx context.Context, a Actor) ([]WorkItem, error) {
	out, _, err := s.DashWorkQueuePage(ctx, a, Page{Limit: 200})
	return out, err
}

// AgingRow is one payer's open balance by age.
type AgingRow struct {
	Payer      string `json:"payer"`
	Days0to30  int64  `json:"days_0_30_cents"`
	Days31to60 int64  `json:"days_31_60_cents"`
	Days61to90 int64  `json:"days_61_90_cents"`
	DaysOver90 int64  `json:"days_over_90_cents"`
	TotalCents int64  `json:"total_cents"`
}

// TrendPoint is one week of postings.
type TrendPoint struct {
	Week          string  `json:"week"`
	Payments      int     `json:"payments"`
	Denials       int     `json:"denials"`
	DenialRate    float64 `json:"denial_rate"`
	DaysToPayment float64 `json:"days_to_payment"`
}

// Receivables is the A/R view.
type Receivables struct {
	Aging []AgingRow   `json:"aging"`
	Trend []TrendPoint `json:"trend"`
}

// DashReceivables computes aging per payer and the weekly trend.
func (s *Store) DashReceivables(ctx context.Context, a Actor) (Receivables, error) {
	r := Receivables{Aging: []AgingRow{}, Trend: []TrendPoint{}}
	db := pgq.New(s.Pool)
	aging, err := db.DashAging(ctx, pgq.DashAgingParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return r, err
	}
	for _, x := range aging {
		r.Aging = append(r.Aging, AgingRow{Payer: x.Payer, Days0to30: x.Days030, Days31to60: x.Days3160, Days61to90: x.Days6190,
			DaysOver90: x.DaysOver90, TotalCents: x.Days030 + x.Days3160 + x.Days6190 + x.DaysOver90})
	}
	trend, err := db.DashTrend(ctx, pgq.DashTrendParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return r, err
	}
	for _, x := range trend {
		t := TrendPoint{Week: x.Week, Payments: int(x.Payments), Denials: int(x.Denials), DaysToPayment: x.DaysToPayment}
		if t.Payments > 0 {
			t.DenialRate = float64(t.Denials) / float64(t.Payments)
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
