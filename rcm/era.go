package rcm

import (
	"strings"
	"time"
)

// The ERA/EOB viewer and bank deposits (issue 16): what posting an 835
// records beyond the claim payments (service lines, PLB adjustments), the
// viewer's read model, and deposits reconciled with 835s.

// PaymentLine is one SVC of a claim payment as posting records it.
type PaymentLine struct {
	Line          int      // SVC position in the claim payment, from 1
	ProcedureQual string   // SVC01-1
	Procedure     string   // SVC01-2
	Modifiers     []string // SVC01-3..6
	RevenueCode   string   // SVC04
	Units         string   // SVC05
	ChargeCents   int64    // SVC02
	PaidCents     int64    // SVC03
	AllowedCents  *int64   // AMT02 with AMT01 B6; nil when the 835 has none
	ServiceDate   string   // DTM*472 (or the DTM*150 period start), CCYYMMDD
	LineControl   string   // REF*6R
	RARCs         []string // LQ*HE
}

// ProviderAdjustment is one PLB adjustment of a remittance.
type ProviderAdjustment struct {
	ProviderID   string `json:"provider_id"`   // PLB01
	FiscalPeriod string `json:"fiscal_period"` // PLB02 CCYYMMDD
	Reason       string `json:"reason"`        // PLB03-1
	Reference    string `json:"reference"`     // PLB03-2
	AmountCents  int64  `json:"amount_cents"`  // PLB04, positive reduces the payment
}

// How an allowed amount was found.
const (
	AllowedFromLines   = "lines_amt_b6"    // the sum of the service lines' AMT*B6
	AllowedFromLine    = "amt_b6"          // the line's AMT*B6
	AllowedChargeLessC = "charge_minus_co" // the charge less the CO adjustments (the 835 gave no AMT*B6)
)

// ERA is one posted 835 transaction (a check or EFT) as the viewer shows
// it: the payment, its provider adjustments and every claim payment the
// caller may see.
type ERA struct {
	ID            string `json:"id"`
	PayerID       string `json:"payer_id"`
	PayerName     string `json:"payer_name"`
	TraceNumber   string `json:"trace_number"`   // TRN02
	PaymentMethod string `json:"payment_method"` // BPR04: ACH, CHK, BOP, FWT, NON
	PaymentDate   string `json:"payment_date"`   // BPR16, YYYY-MM-DD
	// PaidCents is BPR02, or the caller's share when the 835 also pays
	// other organisations' claims (Shared).
	PaidCents           int64                `json:"paid_cents"`
	ProviderAdjCents    int64                `json:"provider_adj_cents"`
	ProviderAdjustments []ProviderAdjustment `json:"provider_adjustments"`
	Balanced            bool                 `json:"balanced"`
	BalanceProblems     []string             `json:"balance_problems"`
	EFTReconciled       bool                 `json:"eft_reconciled"`
	// Shared: the 835 also pays claims the caller may not see; the
	// transaction-wide figures (BPR02, PLB, balance) are left out.
	Shared bool `json:"shared"`
	// DetailsRecorded is false for 835s posted before service lines and
	// PLB adjustments were recorded: they have no lines and no PLB list.
	DetailsRecorded bool       `json:"details_recorded"`
	CreatedAt       time.Time  `json:"created_at"`
	Claims          []ERAClaim `json:"claims"`
	// Deviations are the 835's deviations from its guide that the
	// tolerant inbound check found and the caller may see (issue 17).
	Deviations []Deviation `json:"deviations"`
}

// ERAClaim is one CLP of an ERA.
type ERAClaim struct {
	Seq            int    `json:"seq"`
	ClaimID        string `json:"claim_id"` // "" when it matched no claim
	OrgID          string `json:"-"`
	PatientID      string `json:"-"`
	PatientName    string `json:"patient_name"`
	PatientMasked  bool   `json:"patient_masked"` // the caller lacks patient:read at the claim's organisation
	PatientControl string `json:"patient_control_number"`
	// PayerClaimNumber is CLP07.
	PayerClaimNumber  string          `json:"payer_claim_number"`
	StatusCode        string          `json:"status_code"` // CLP02
	ChargeCents       int64           `json:"charge_cents"`
	AllowedCents      int64           `json:"allowed_cents"`
	AllowedSource     string          `json:"allowed_source"` // AllowedFromLines or AllowedChargeLessC
	PaidCents         int64           `json:"paid_cents"`
	PatientRespCents  int64           `json:"patient_resp_cents"`
	Adjustments       []ERAAdjustment `json:"adjustments"` // claim level (CAS in loop 2100)
	RARCs             []Remark        `json:"rarcs"`
	LinesRecorded     bool            `json:"lines_recorded"`
	Lines             []ERALine       `json:"lines"`
	AllAdjustmentsSum int64           `json:"adjustments_cents"` // claim and line adjustments together
}

// ERALine is one SVC of an ERA claim.
type ERALine struct {
	Line          int             `json:"line"`
	ProcedureQual string          `json:"procedure_qualifier"`
	Procedure     string          `json:"procedure"`
	Modifiers     []string        `json:"modifiers"`
	RevenueCode   string          `json:"revenue_code,omitempty"`
	Units         string          `json:"units"`
	ServiceDate   string          `json:"service_date"`
	ChargeCents   int64           `json:"charge_cents"`
	AllowedCents  int64           `json:"allowed_cents"`
	AllowedSource string          `json:"allowed_source"` // AllowedFromLine or AllowedChargeLessC
	HasAllowed    bool            `json:"-"`
	PaidCents     int64           `json:"paid_cents"`
	Adjustments   []ERAAdjustment `json:"adjustments"`
	RARCs         []Remark        `json:"rarcs"`
}

// ERAAdjustment is one CAS amount with its explanation.
type ERAAdjustment struct {
	Group       string `json:"group"`
	Reason      string `json:"reason"`
	Code        string `json:"code"` // "CO-45"
	Description string `json:"description"`
	AmountCents int64  `json:"amount_cents"`
}

// Remark is a remark code (RARC) with its explanation.
type Remark struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func coSum(as []ERAAdjustment) int64 {
	var n int64
	for _, a := range as {
		if a.Group == "CO" {
			n += a.AmountCents
		}
	}
	return n
}

// ComputeAllowed fills the allowed amounts: a line's is its AMT*B6, else
// its charge less its CO adjustments; the claim's is the sum of its lines'
// AMT*B6 when every line has one, else the claim charge less every CO
// adjustment of the claim and its lines. AllowedSource says which.
func (c *ERAClaim) ComputeAllowed() {
	all := len(c.Lines) > 0
	var fromLines, adj int64
	for i := range c.Lines {
		l := &c.Lines[i]
		if l.HasAllowed {
			l.AllowedSource = AllowedFromLine
			fromLines += l.AllowedCents
		} else {
			all = false
			l.AllowedCents, l.AllowedSource = l.ChargeCents-coSum(l.Adjustments), AllowedChargeLessC
		}
		for _, a := range l.Adjustments {
			adj += a.AmountCents
		}
	}
	for _, a := range c.Adjustments {
		adj += a.AmountCents
	}
	c.AllAdjustmentsSum = adj
	if all {
		c.AllowedCents, c.AllowedSource = fromLines, AllowedFromLines
		return
	}
	co := coSum(c.Adjustments)
	for _, l := range c.Lines {
		co += coSum(l.Adjustments)
	}
	c.AllowedCents, c.AllowedSource = c.ChargeCents-co, AllowedChargeLessC
}

// Deposit statuses.
const (
	DepositMatched   = "matched"   // the matched 835s add up to the deposit
	DepositMismatch  = "mismatch"  // matched 835s, another amount
	DepositUnmatched = "unmatched" // no 835 yet
)

// Deposit is a bank deposit as staff enter it from the bank statement.
type Deposit struct {
	ID          string `json:"id"`
	OrgID       string `json:"org_id"`
	AmountCents int64  `json:"amount_cents"`
	DepositedOn string `json:"deposited_on"` // YYYY-MM-DD
	// Reference is the trace or reference number as the bank statement
	// shows it (for an EFT, the 835's TRN02).
	Reference string `json:"reference"`
	Note      string `json:"note"`
	// Manual: staff matched or unmatched 835s by hand; 835s posted later
	// no longer join the deposit by its reference.
	Manual    bool      `json:"manual"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Reconciliation.
	Status           string         `json:"status"`
	RemittancesCents int64          `json:"remittances_cents"` // the matched 835s' BPR02 (or the organisation's share)
	DifferenceCents  int64          `json:"difference_cents"`  // deposit less the 835s
	Remittances      []DepositRemit `json:"remittances"`
}

// DepositRemit is an 835 a deposit is matched to.
type DepositRemit struct {
	RemittanceID string `json:"remittance_id"`
	TraceNumber  string `json:"trace_number"`
	PayerID      string `json:"payer_id"`
	PaymentDate  string `json:"payment_date"`
	AmountCents  int64  `json:"amount_cents"`
}

// Reconciliation is one page of the deposits of the caller's
// organisations with their status, and the first page of the 835s no
// deposit is matched to (the next pages come from their own list).
type Reconciliation struct {
	Deposits            []Deposit      `json:"items"`
	NextCursor          string         `json:"next_cursor,omitempty"`
	RemittancesUnplaced []DepositRemit `json:"remittances_without_deposit"`
	// RemittancesNextCursor continues RemittancesUnplaced.
	RemittancesNextCursor string `json:"remittances_without_deposit_next_cursor,omitempty"`
}

// DepositConflict refuses matching an 835 to a deposit by hand when
// another deposit is matched to it: the bank pays one 835 once. DepositID
// is that deposit, empty when the caller may not see it.
type DepositConflict struct {
	RemittanceID string
	DepositID    string
}

func (e *DepositConflict) Error() string { return "the 835 is matched to another deposit" }

func (e *DepositConflict) Unwrap() error { return ErrConflict }

// Reconcile sets the deposit's status from its matched 835s.
func (d *Deposit) Reconcile() {
	d.RemittancesCents = 0
	for _, r := range d.Remittances {
		d.RemittancesCents += r.AmountCents
	}
	d.DifferenceCents = d.AmountCents - d.RemittancesCents
	switch {
	case len(d.Remittances) == 0:
		d.Status = DepositUnmatched
	case d.DifferenceCents == 0:
		d.Status = DepositMatched
	default:
		d.Status = DepositMismatch
	}
}

// Validate checks a deposit before it is stored; it returns a
// *ValidationError naming every invalid field.
func (d *Deposit) Validate() error {
	var pr Problems
	if !ValidID(d.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if d.AmountCents <= 0 {
		pr.Add("/amount_cents", "must be greater than zero")
	}
	if _, err := time.Parse(time.DateOnly, d.DepositedOn); err != nil {
		pr.Add("/deposited_on", "must be a date YYYY-MM-DD")
	}
	d.Reference = strings.TrimSpace(d.Reference)
	switch {
	case d.Reference == "":
		pr.Add("/reference", "is required")
	case len(d.Reference) > 80:
		pr.Add("/reference", "must be at most 80 characters")
	}
	if len(d.Note) > 2000 {
		pr.Add("/note", "must be at most 2000 characters")
	}
	return pr.Err()
}
