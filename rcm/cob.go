package rcm

import "slices"

// Coordination of benefits (issue 19): a claim is billed to the patient's
// coverages in priority order. Each payer's part is a PayerPart; what a
// prior payer did is a PriorPayer, which the next payer's 837 carries in
// loops 2320/2330A/2330B/2430.

// COB sequence numbers (claim_payer_parts.seq, SBR01 P/S/T).
const (
	COBPrimary   = 1
	COBSecondary = 2
	COBTertiary  = 3
)

// COBResponsibility is SBR01 for a payer sequence: P, S or T.
func COBResponsibility(seq int) string {
	switch seq {
	case COBSecondary:
		return "S"
	case COBTertiary:
		return "T"
	}
	return "P"
}

// COBPartName names a payer sequence for people: primary, secondary, tertiary.
func COBPartName(seq int) string {
	switch seq {
	case COBSecondary:
		return "secondary"
	case COBTertiary:
		return "tertiary"
	}
	return "primary"
}

// crossoverRemarks are the RARCs by which a payer says it forwarded the
// claim to the next payer: MA18 "the claim information is also being
// forwarded to the patient's supplemental insurer" and N89 "payment
// information for this claim has been forwarded to more than one other
// payer" (CMS RARC list).
var crossoverRemarks = []string{"MA18", "N89"}

// crossoverStatuses are the CLP02 claim status codes of a claim processed
// and forwarded to additional payers: 19 primary, 20 secondary, 21
// tertiary (835 005010X221A1, CLP02).
var crossoverStatuses = []string{"19", "20", "21"}

// IsCrossover reports whether an 835 claim payment says the payer forwarded
// the claim to the next payer itself (a crossover): CLP02 19, 20 or 21, or
// a remark MA18 or N89 on the claim or a line.
func IsCrossover(clp02 string, rarcs []string) bool {
	if slices.Contains(crossoverStatuses, clp02) {
		return true
	}
	return slices.ContainsFunc(rarcs, func(r string) bool { return slices.Contains(crossoverRemarks, r) })
}

// COBAdvance asks to record the part a payer's posted 835 claim payment
// settles and to move the claim to its next payer.
type COBAdvance struct {
	ClaimID     string
	TraceNumber string // the posted payment's 835 (TRN02 and archive key)
	FileKey     string
	Crossover   bool // the payer forwarded the claim: the next part is not billed by us
}

// COBNext is the claim's next payer, when it has one.
type COBNext struct {
	Next      bool
	Seq       int    // the next part (2 secondary, 3 tertiary)
	PayerID   string // payer ID (2010BB NM109)
	PayerName string
	Crossover bool
}

// PayerPart is one payer's part of a claim, as the claim detail shows it.
type PayerPart struct {
	Seq              int    `json:"seq"`
	Responsibility   string `json:"responsibility"` // primary, secondary, tertiary
	PayerID          string `json:"payer_id"`
	PayerName        string `json:"payer_name"`
	Crossover        bool   `json:"crossover"`
	Adjudicated      bool   `json:"adjudicated"` // its 835 has posted
	StatusCode       string `json:"status_code,omitempty"`
	BilledCents      int64  `json:"billed_cents"`
	PaidCents        int64  `json:"paid_cents"`
	AdjustmentCents  int64  `json:"adjustment_cents"` // CO, OA, PI, CR adjustments (not the patient's)
	PatientRespCents int64  `json:"patient_resp_cents"`
	PaymentDate      string `json:"payment_date,omitempty"`
}

// PriorPayer is what a prior payer did with a claim, for the next payer's
// 837: its coverage (the other subscriber), the payer, and its posted
// claim payment.
type PriorPayer struct {
	Seq              int
	Relationship     string // the coverage's relationship (self, spouse, child, other)
	GroupNumber      string
	MemberID         string
	SubscriberLast   string
	SubscriberFirst  string
	PayerName        string
	PayerID          string // 2330B NM109: the ID the claim was billed under
	PayerClaimNumber string // CLP07
	PaymentDate      string // CCYYMMDD: the 835's BPR16, else its posting date
	ChargeCents      int64
	PaidCents        int64
	PatientRespCents int64
	Adjustments      []PaymentAdjustment // claim level (Line 0) and by line
	Lines            []PaymentLine
}
