package rcm

// Posting an 835 a slice of claim payments at a time (issue 20; the store's
// PostClaimPayments and RemittancePayments).

// ClaimPaymentPost is one claim payment to post with what goes with it.
type ClaimPaymentPost struct {
	ClaimPaymentRecord
	// Event, when set, is recorded for the matched claim in the same
	// transaction (ClaimID is filled by posting), also when the payment was
	// posted before (a slice retried after a crash records it then).
	Event *ClaimEvent
}

// PostedClaimPayment is what posting did with one claim payment.
type PostedClaimPayment struct {
	Seq     int
	ClaimID string // "" when it matched no claim sent through the account (queued for staff)
	Posted  bool   // posted by this call (false: posted before)
	// NotEnrolled is why the provider is not enrolled for ERAs with the
	// payer on the payment date (queued for staff as not_enrolled_835), or "".
	NotEnrolled string
}

// PostingOptions are what a slice's posting checks beyond the payments.
type PostingOptions struct {
	// CheckEnrollment runs the ERA enrollment check (as
	// FlagRemittanceEnrollment) on each matched payment of the slice.
	CheckEnrollment bool
	PaymentDate     string // YYYY-MM-DD, for the enrollment check; today when empty
}

// PostedRemittancePayment is one matched claim payment of a posted remittance as
// the claim's workflow is told of it.
type PostedRemittancePayment struct {
	Seq              int
	ClaimID          string
	StatusCode       string
	ChargeCents      int64
	PaidCents        int64
	PatientRespCents int64
	PayerClaimNumber string
	RARCs            []string
	Adjustments      []PaymentAdjustment // Line is not kept here (0)
}
