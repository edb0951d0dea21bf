package rcm

import (
	"time"
)

// ClaimProgress is one status change the claim workflow records.
type ClaimProgress struct {
	ClaimID          string
	Attempt          int
	Seq              int // position within the attempt, from 1
	Status           string
	Note             string
	At               time.Time
	FrequencyCode    string
	PaidCents        int64
	PayerClaimNumber string
	// ActorID is the staff member whose decision the change applies (a
	// user ID; anything else is kept only in the note), empty for the
	// workflow's own moves.
	ActorID string
	// Denial is the claim's latest denial while its workflow holds one
	// (nil otherwise), recorded for the appeals worklist (claim_denials).
	Denial *ClaimDenial
}

// BillingProfile is the billing provider and submitter an organisation
// bills under (837 loops 1000A and 2010AA).
type BillingProfile struct {
	OrgID        string `json:"org_id"`
	Name         string `json:"name"`
	NPI          string `json:"npi"`
	TaxID        string `json:"tax_id"`
	Taxonomy     string `json:"taxonomy"`
	AddressLine1 string `json:"address_line1"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	SubmitterID  string `json:"submitter_id"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
}

// ReservedBatch is a batch of claims for one payer, reserved for one run.
type ReservedBatch struct {
	ID            string
	Clearinghouse string
	PayerID       string // payers.id
	ISA13         string
	GS06          string
	FileKey       string
	Uploaded      bool
	Claims        []BatchedClaim
}

// BatchedClaim places a claim in a batch.
type BatchedClaim struct {
	ClaimID string
	Attempt int
	ST02    string
}

// Remittance is one 835 transaction's header as posted.
type Remittance struct {
	// Partner is the trading-partner (clearinghouse) account the 835 came
	// through: its claim payments match only claims sent through it, and
	// what matches none belongs to the organisations billing through it.
	Partner          string
	PayerID          string
	TraceNumber      string
	FileKey          string
	TransactionIndex int
	PaidCents        int64
	ProviderAdjCents int64
	Balanced         bool
	BalanceProblems  []string
	PaymentDate      string // CCYY-MM-DD, empty when absent
	// Recorded for the ERA viewer (issue 16).
	PayerName           string               // 1000A N102
	PaymentMethod       string               // BPR04
	ProviderAdjustments []ProviderAdjustment // PLB, one per PLB03/PLB04 pair
}

// PaymentAdjustment is one CAS amount of a claim payment (Line 0) or of a
// service line (Line from 1).
type PaymentAdjustment struct {
	Line        int
	Group       string
	Reason      string
	AmountCents int64
}

// ClaimPaymentRecord is one CLP to post.
type ClaimPaymentRecord struct {
	Seq              int    // CLP position in the transaction, from 1
	PatientControl   string // CLP01
	StatusCode       string // CLP02
	ChargeCents      int64
	PaidCents        int64
	PatientRespCents int64
	PayerClaimNumber string
	RARCs            []string
	Adjustments      []PaymentAdjustment
	Lines            []PaymentLine // SVC service lines (issue 16)
}

// ClaimSubmission is how a claim is being (re)submitted.
type ClaimSubmission struct {
	FrequencyCode    string // CLM05-3
	PayerClaimNumber string // REF*F8 for a replacement
	Attempt          int
}

// BatchedClaimControl is a claim and the ST02 that carried it.
type BatchedClaimControl struct {
	ClaimID string
	ST02    string
}

// Appeal is a staff decision to appeal a denied claim.
type Appeal struct {
	ClaimID          string
	PayerClaimNumber string
	DenialCodes      []string
	Note             string
	FiledBy          string
}

// StatusInquiry is one real-time claim status inquiry: the 276 sent and
// the 277 received, by their keys in the EDI archive (SHA-256 of the
// file; the real-time client archives both), and the claim's STC01 (codes
// only, never PHI).
type StatusInquiry struct {
	ID          int64
	ClaimID     string
	Attempt     int
	Trace       string
	Partner     string
	RequestKey  string
	ResponseKey string // empty when no 277 came back
	STC         string
	Note        string
	SentAt      time.Time
}
