package rcm

import (
	"slices"
	"strings"
	"time"
)

// DashClaimFilter narrows the claims worklist. Status may list several
// statuses separated by commas.
type DashClaimFilter struct {
	Status     string
	PayerID    string
	ProviderID string
	From, To   *time.Time // created at, [From, To)
	MinCents   *int64
	MaxCents   *int64
	ClaimID    string // one claim (a claim page's live updates; a claim_id search)
	Search     ClaimSearch
	Sort       ClaimSort // DashClaims only; the zero value is DefaultClaimSort
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
	PatientID            string    `json:"-"` // for store's audit entry; never in a response
	// DateOfService is YYYY-MM-DD; BalanceCents what the payer still owes
	// (ClaimFacts.PayerBalance).
	DateOfService string `json:"date_of_service"`
	BalanceCents  int64  `json:"balance_cents"`
}

// StatusCount is how many visible claims are in one status.
type StatusCount struct {
	Status string `json:"status"`
	Count  int    `json:"count"`
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

// DashRemittance is one posted 835 transaction with the totals of the
// claim payments the caller owns. The remittance list carries the totals
// alone (kept per remittance, 00179); Payments, the claim payments
// themselves, are filled only by the export (the ERA view reads one
// remittance's).
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
	Totals           RemittanceTotals    `json:"totals"`
	Payments         []RemittancePayment `json:"payments,omitempty"`
}

// RemittanceTotals add up the claim payments of a remittance the caller
// owns: how many, their charges (CLP03) and payments (CLP04), and their
// adjustments (CAS, the claim's and its service lines').
type RemittanceTotals struct {
	ClaimPayments int64 `json:"claim_payments"`
	ChargeCents   int64 `json:"charge_cents"`
	PaidCents     int64 `json:"paid_cents"`
	AdjustedCents int64 `json:"adjusted_cents"`
}

// TotalsOf adds up claim payments as RemittanceTotals.
func TotalsOf(ps []RemittancePayment) RemittanceTotals {
	t := RemittanceTotals{ClaimPayments: int64(len(ps))}
	for _, p := range ps {
		t.ChargeCents += p.ChargeCents
		t.PaidCents += p.PaidCents
		for _, a := range p.Adjustments {
			t.AdjustedCents += a.AmountCents
		}
	}
	return t
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

// OwnShare narrows a remittance that also pays other organisations' claims
// to the caller's share: the amount of the payments they own (Totals), and
// none of the transaction-wide figures (provider adjustments, balance
// problems) that would describe the other organisations' payments.
func (d *DashRemittance) OwnShare() {
	d.PaidCents, d.ProviderAdjCents, d.BalanceProblems = d.Totals.PaidCents, 0, []string{}
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

// AgingRow is one payer's open balance (or, in Receivables.Patients, the
// patients' balances) by days since the date of service.
type AgingRow struct {
	Payer       string `json:"payer"`
	Claims      int    `json:"claims"` // claims with a balance in the row
	Days0to30   int64  `json:"days_0_30_cents"`
	Days31to60  int64  `json:"days_31_60_cents"`
	Days61to90  int64  `json:"days_61_90_cents"`
	Days91to120 int64  `json:"days_91_120_cents"`
	DaysOver120 int64  `json:"days_over_120_cents"`
	TotalCents  int64  `json:"total_cents"`
}

// add puts cents in the bucket of a balance ageDays old.
func (r *AgingRow) add(ageDays int, cents int64) {
	switch {
	case ageDays <= 30:
		r.Days0to30 += cents
	case ageDays <= 60:
		r.Days31to60 += cents
	case ageDays <= 90:
		r.Days61to90 += cents
	case ageDays <= 120:
		r.Days91to120 += cents
	default:
		r.DaysOver120 += cents
	}
	r.TotalCents += cents
	r.Claims++
}

// TrendPoint is one week of postings.
type TrendPoint struct {
	Week          string  `json:"week"`
	Payments      int     `json:"payments"`
	Denials       int     `json:"denials"`
	DenialRate    float64 `json:"denial_rate"`
	Grade         Grade   `json:"grade"` // of the denial rate
	DaysToPayment float64 `json:"days_to_payment"`
}

// Receivables is the A/R view.
type Receivables struct {
	AsOf  string     `json:"as_of"` // the day balances are aged to (UTC)
	Aging []AgingRow `json:"aging"` // what each payer still owes
	// Patients is what patients owe (patient A/R): their share of claims,
	// less what they paid. Payer is "Patients"; Patients counts them.
	Patients     AgingRow     `json:"patients"`
	PatientCount int          `json:"patient_count"`
	Analytics    Analytics    `json:"analytics"`
	Trend        []TrendPoint `json:"trend"`
}

// AnalyticsPeriodDays is the period the analytics cover: claims whose date
// of service is in the AnalyticsPeriodDays days ending on the as-of day
// (age 0 to 89 days).
const AnalyticsPeriodDays = 90

// Analytics are the revenue-cycle figures billing staff measure, over the
// claims with a date of service in the period (a cohort by date of service,
// so a claim counts once however many times it was sent or paid). A rate is
// a fraction (0.05 is 5 %), 0 when its denominator is 0.
type Analytics struct {
	PeriodDays int `json:"period_days"`
	// Clean-claim rate: claims accepted by the payer (277CA) on their first
	// submission with no claim edit (scrub failure) or rejection before the
	// acceptance ÷ claims submitted (sent at least once; a claim still
	// waiting for its acknowledgement is submitted but not yet clean).
	Submitted      int     `json:"submitted"`
	Clean          int     `json:"clean"`
	CleanClaimRate float64 `json:"clean_claim_rate"`
	// First-pass resolution rate: claims whose first adjudication (835)
	// processed them (CLP02 1, 2 or 3: paid, or applied to the patient's
	// share such as a deductible: resolved, not denied) after exactly one
	// submission ÷ claims adjudicated (at least one 835 claim payment that
	// is not a reversal).
	Adjudicated         int     `json:"adjudicated"`
	FirstPass           int     `json:"first_pass"`
	FirstPassResolution float64 `json:"first_pass_resolution_rate"`
	// Denial rate: claims with at least one denial (CLP02 4) ÷ claims
	// adjudicated; by reason (each CARC, with its group code, of the denial:
	// a claim counts once under each of its reasons) and by payer (that
	// payer's denied ÷ adjudicated claims).
	Denied         int          `json:"denied"`
	DenialRate     float64      `json:"denial_rate"`
	DenialsByCARC  []DenialRate `json:"denials_by_reason"`
	DenialsByPayer []DenialRate `json:"denials_by_payer"`
	// Days in A/R: total A/R today (payers' and patients') ÷ average daily
	// charges, the charges of the period's claims ÷ PeriodDays.
	TotalARCents     int64   `json:"total_ar_cents"`
	PeriodChargesCts int64   `json:"period_charges_cents"`
	DaysInAR         float64 `json:"days_in_ar"`
	// Net collection rate: payments (payers' and patients', net of
	// refunds) ÷ (charges − contractual adjustments), on the period's
	// claims.
	PaymentsCents     int64   `json:"payments_cents"`
	ContractualCents  int64   `json:"contractual_cents"`
	NetCollectionRate float64 `json:"net_collection_rate"`
	// Grades: how each figure compares with what billing staff aim for
	// (Benchmarks); a figure with an empty denominator has none.
	Grades map[string]Grade `json:"grades"`
}

// Grade is how a figure compares with its benchmark: good, watch or bad.
type Grade string

// The grades.
const (
	GradeGood  Grade = "good"
	GradeWatch Grade = "watch"
	GradeBad   Grade = "bad"
)

// Benchmark is where a figure turns from good to watch (Good) and from
// watch to bad (Bad). Higher is better when Good > Bad.
type Benchmark struct{ Good, Bad float64 }

// Grade grades v: good up to Good, watch up to Bad, bad beyond (the other
// way round when higher is better).
func (b Benchmark) Grade(v float64) Grade {
	if b.Good > b.Bad {
		switch {
		case v >= b.Good:
			return GradeGood
		case v >= b.Bad:
			return GradeWatch
		}
		return GradeBad
	}
	switch {
	case v <= b.Good:
		return GradeGood
	case v <= b.Bad:
		return GradeWatch
	}
	return GradeBad
}

// Benchmarks are the thresholds billing staff commonly work to (the
// figures practice-management trade bodies such as MGMA and HFMA and
// billing-company guides quote as targets; there is no single standard):
//   - denial rate: ≤ 5 % good, 5–10 % watch (the usual industry average),
//     > 10 % bad;
//   - clean-claim rate: ≥ 95 % good, 90–95 % watch, < 90 % bad;
//   - first-pass resolution rate: ≥ 90 % good, 85–90 % watch, < 85 % bad;
//   - days in A/R: ≤ 40 good, 40–50 watch, > 50 bad;
//   - net collection rate: ≥ 95 % good, 90–95 % watch, < 90 % bad.
var Benchmarks = map[string]Benchmark{
	"denial_rate":                {Good: 0.05, Bad: 0.10},
	"clean_claim_rate":           {Good: 0.95, Bad: 0.90},
	"first_pass_resolution_rate": {Good: 0.90, Bad: 0.85},
	"days_in_ar":                 {Good: 40, Bad: 50},
	"net_collection_rate":        {Good: 0.95, Bad: 0.90},
}

// DenialRate is the denials of one reason or payer.
type DenialRate struct {
	Key         string  `json:"key"` // CARC with its group (CO-16) or payer name
	Denied      int     `json:"denied"`
	Adjudicated int     `json:"adjudicated"`
	Rate        float64 `json:"rate"`
	Grade       Grade   `json:"grade"`
}

// ClaimFacts is what the A/R and analytics of one claim are computed from
// (store: DashClaimFacts).
type ClaimFacts struct {
	Payer, PatientID, Status string
	TotalCents               int64
	AgeDays                  int   // days from the date of service to the as-of day
	PaidCents                int64 // payer payments
	ContractualCents         int64 // CO adjustments of payments that were not denials
	PatientRespCents         int64 // patient responsibility the payer assigned
	PatientPaidCents         int64 // patient payments net of refunds
	Submitted, Clean         bool
	Adjudicated, FirstPass   bool
	Denied                   bool
	DenialReasons            []string
}

// payerClosed are statuses with nothing owed by the payer: paid, given up,
// withdrawn, denied to the patient, not yet billed (draft).
var payerClosed = map[string]bool{string(StatusPaid): true, string(StatusWrittenOff): true, string(StatusVoided): true,
	string(StatusPatientBilling): true, string(StatusDraft): true}

// PayerBalance is what the payer still owes on a claim: charge − paid −
// contractual adjustments − patient responsibility (moved to patient A/R),
// 0 for a closed claim or one with nothing left.
func (f ClaimFacts) PayerBalance() int64 {
	if payerClosed[f.Status] {
		return 0
	}
	return max(0, f.TotalCents-f.PaidCents-f.ContractualCents-f.PatientRespCents)
}

// PatientBalance is what the patient still owes on a claim: patient
// responsibility − patient payments (0 on a voided or written-off claim).
func (f ClaimFacts) PatientBalance() int64 {
	if f.Status == string(StatusVoided) || f.Status == string(StatusWrittenOff) {
		return 0
	}
	return max(0, f.PatientRespCents-f.PatientPaidCents)
}

// ReceivablesTotals are the sums the A/R view is made of: the store adds
// them up in SQL (DashReceivables), ComputeReceivables in Go from one
// ClaimFacts per claim; ReceivablesFrom turns either into the view.
type ReceivablesTotals struct {
	Aging        []AgingRow // one row per payer with a payer balance
	Patients     AgingRow   // the patients' balances
	PatientCount int        // patients with a balance
	// Over the analytics period's claims.
	ChargesCents, PaymentsCents, ContractualCents int64
	Submitted, Clean, Adjudicated, FirstPass      int
	Denied                                        int
	DenialsByCARC                                 []DenialRate // Key and Denied
	DenialsByPayer                                []DenialRate // Key, Denied and Adjudicated
}

// ComputeReceivables ages the balances and computes the analytics of the
// claims (Trend is left to the caller).
func ComputeReceivables(asOf string, claims []ClaimFacts) Receivables {
	t := ReceivablesTotals{Patients: AgingRow{Payer: "Patients"}}
	payers := map[string]*AgingRow{}
	owing := map[string]bool{}
	byCARC, byPayer := map[string]*DenialRate{}, map[string]*DenialRate{}
	for _, c := range claims {
		if b := c.PayerBalance(); b > 0 {
			row := payers[c.Payer]
			if row == nil {
				row = &AgingRow{Payer: c.Payer}
				payers[c.Payer] = row
			}
			row.add(c.AgeDays, b)
		}
		if b := c.PatientBalance(); b > 0 {
			t.Patients.add(c.AgeDays, b)
			owing[c.PatientID] = true
		}
		if c.AgeDays < 0 || c.AgeDays >= AnalyticsPeriodDays {
			continue
		}
		t.ChargesCents += c.TotalCents
		t.PaymentsCents += c.PaidCents + c.PatientPaidCents
		t.ContractualCents += c.ContractualCents
		if c.Submitted {
			t.Submitted++
			if c.Clean {
				t.Clean++
			}
		}
		if !c.Adjudicated {
			continue
		}
		t.Adjudicated++
		if c.FirstPass {
			t.FirstPass++
		}
		p := byPayer[c.Payer]
		if p == nil {
			p = &DenialRate{Key: c.Payer}
			byPayer[c.Payer] = p
		}
		p.Adjudicated++
		if c.Denied {
			t.Denied++
			p.Denied++
			for _, k := range c.DenialReasons {
				d := byCARC[k]
				if d == nil {
					d = &DenialRate{Key: k}
					byCARC[k] = d
				}
				d.Denied++
			}
		}
	}
	for _, row := range payers {
		t.Aging = append(t.Aging, *row)
	}
	t.PatientCount = len(owing)
	for _, d := range byCARC {
		t.DenialsByCARC = append(t.DenialsByCARC, *d)
	}
	for _, d := range byPayer {
		t.DenialsByPayer = append(t.DenialsByPayer, *d)
	}
	return ReceivablesFrom(asOf, t)
}

// ReceivablesFrom computes the rates and grades of the totals and orders
// the rows (Trend is left to the caller).
func ReceivablesFrom(asOf string, t ReceivablesTotals) Receivables {
	r := Receivables{AsOf: asOf, Aging: append([]AgingRow{}, t.Aging...), Trend: []TrendPoint{}, Patients: t.Patients, PatientCount: t.PatientCount}
	r.Patients.Payer = "Patients"
	slices.SortFunc(r.Aging, func(a, b AgingRow) int { return strings.Compare(a.Payer, b.Payer) })
	an := Analytics{PeriodDays: AnalyticsPeriodDays, DenialsByCARC: []DenialRate{}, DenialsByPayer: []DenialRate{},
		Submitted: t.Submitted, Clean: t.Clean, Adjudicated: t.Adjudicated, FirstPass: t.FirstPass, Denied: t.Denied,
		PaymentsCents: t.PaymentsCents, ContractualCents: t.ContractualCents, PeriodChargesCts: t.ChargesCents}
	for _, row := range r.Aging {
		an.TotalARCents += row.TotalCents
	}
	an.TotalARCents += r.Patients.TotalCents
	charges := t.ChargesCents
	an.CleanClaimRate = ratio(float64(an.Clean), float64(an.Submitted))
	an.FirstPassResolution = ratio(float64(an.FirstPass), float64(an.Adjudicated))
	an.DenialRate = ratio(float64(an.Denied), float64(an.Adjudicated))
	for _, d := range t.DenialsByCARC {
		d.Adjudicated = an.Adjudicated
		d.Rate = ratio(float64(d.Denied), float64(d.Adjudicated))
		an.DenialsByCARC = append(an.DenialsByCARC, d)
	}
	for _, d := range t.DenialsByPayer {
		d.Rate = ratio(float64(d.Denied), float64(d.Adjudicated))
		an.DenialsByPayer = append(an.DenialsByPayer, d)
	}
	byRate := func(a, b DenialRate) int {
		if a.Denied != b.Denied {
			return b.Denied - a.Denied
		}
		return strings.Compare(a.Key, b.Key)
	}
	slices.SortFunc(an.DenialsByCARC, byRate)
	slices.SortFunc(an.DenialsByPayer, byRate)
	an.DaysInAR = ratio(float64(an.TotalARCents), float64(charges)/AnalyticsPeriodDays)
	an.NetCollectionRate = ratio(float64(an.PaymentsCents), float64(charges-an.ContractualCents))
	an.Grades = map[string]Grade{}
	grade := func(name string, v float64, denominator bool) {
		if denominator {
			an.Grades[name] = Benchmarks[name].Grade(v)
		}
	}
	grade("denial_rate", an.DenialRate, an.Adjudicated > 0)
	grade("clean_claim_rate", an.CleanClaimRate, an.Submitted > 0)
	grade("first_pass_resolution_rate", an.FirstPassResolution, an.Adjudicated > 0)
	grade("days_in_ar", an.DaysInAR, charges > 0)
	grade("net_collection_rate", an.NetCollectionRate, charges-an.ContractualCents > 0)
	for _, l := range [][]DenialRate{an.DenialsByCARC, an.DenialsByPayer} {
		for i := range l {
			l[i].Grade = Benchmarks["denial_rate"].Grade(l[i].Rate)
		}
	}
	r.Analytics = an
	return r
}

func ratio(n, d float64) float64 {
	if d <= 0 {
		return 0
	}
	return n / d
}
