package rcm

import (
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
	PatientID            string    `json:"-"` // for store's audit entry; never in a response
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

// OwnShare narrows a remittance that also pays other organisations' claims
// to the caller's share: the amount of the payments they own, and none of
// the transaction-wide figures (provider adjustments, balance problems)
// that would describe the other organisations' payments.
func (d *DashRemittance) OwnShare() {
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
