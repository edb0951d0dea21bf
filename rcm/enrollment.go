package rcm

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Payer enrollment (issue 16; the ground for issue 19): a provider must be
// enrolled with a payer, per transaction, before the payer takes that
// provider's claims, sends its remittances electronically or answers its
// eligibility inquiries. A payer marked EnrollmentRequired gets no claim
// and no 270 for a provider who is not approved for it on the date.

// Enrollment transactions.
const (
	EnrollClaims      = "837" // claims
	EnrollRemittance  = "835" // remittance advice (ERA)
	EnrollEligibility = "270" // eligibility inquiries
)

// Enrollment statuses.
const (
	EnrollNotStarted = "not_started"
	EnrollSubmitted  = "submitted"
	EnrollApproved   = "approved"
	EnrollRejected   = "rejected"
)

// EnrollTransactions and EnrollStatuses list the allowed values, in the
// order staff see them.
var (
	EnrollTransactions = []string{EnrollClaims, EnrollRemittance, EnrollEligibility}
	EnrollStatuses     = []string{EnrollNotStarted, EnrollSubmitted, EnrollApproved, EnrollRejected}
)

// TransactionLabel names a transaction for people ("claims").
func TransactionLabel(tx string) string {
	switch tx {
	case EnrollClaims:
		return "claims"
	case EnrollRemittance:
		return "remittance (ERA)"
	case EnrollEligibility:
		return "eligibility"
	}
	return tx
}

// MaxEnrollmentNotes bounds an enrollment's notes (characters).
const MaxEnrollmentNotes = 2000

// Enrollment is one provider's enrollment with one payer for one
// transaction, with the names staff read it by.
type Enrollment struct {
	ID           string `json:"id"`
	OrgID        string `json:"org_id"`
	ProviderID   string `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	ProviderNPI  string `json:"provider_npi"`
	PayerID      string `json:"payer_id"` // payers.id
	PayerName    string `json:"payer_name"`
	PayerCode    string `json:"payer_code"` // the payer's payer ID
	Transaction  string `json:"transaction"`
	Status       string `json:"status"`
	// EffectiveDate (YYYY-MM-DD) is when an approval takes effect; empty
	// before approval.
	EffectiveDate string    `json:"effective_date,omitempty"`
	Clearinghouse string    `json:"clearinghouse"`
	Notes         string    `json:"notes"`
	UpdatedBy     string    `json:"updated_by,omitempty"`      // user ID; empty for an operator tool
	UpdatedByName string    `json:"updated_by_name,omitempty"` // that user's display name
	UpdatedAt     time.Time `json:"updated_at"`
	// ReleasedClaims are the claims this put released from the enrollment
	// hold (an approval for claims; their resubmission is on its way).
	ReleasedClaims []string `json:"released_claims,omitempty"`
}

// EnrollmentSet is what staff put: one enrollment, created or replaced
// (by provider, payer and transaction).
type EnrollmentSet struct {
	ProviderID    string `json:"provider_id"`
	PayerID       string `json:"payer_id"`
	Transaction   string `json:"transaction"`
	Status        string `json:"status"`
	EffectiveDate string `json:"effective_date"`
	// Clearinghouse is the one the enrollment goes through; empty means
	// the payer's route.
	Clearinghouse string `json:"clearinghouse"`
	Notes         string `json:"notes"`
}

// Validate checks an enrollment before it is stored; known are the
// configured clearinghouses (nil: not checked here), and a named
// clearinghouse must be one of them. It returns a *ValidationError naming
// every invalid field.
func (s EnrollmentSet) Validate(known []string) error {
	var pr Problems
	if !ValidID(s.ProviderID) {
		pr.Add("/provider_id", "is required: a provider's ID")
	}
	if !ValidID(s.PayerID) {
		pr.Add("/payer_id", "is required: a payer's ID (payers.id)")
	}
	if !slices.Contains(EnrollTransactions, s.Transaction) {
		pr.Add("/transaction", "must be one of "+strings.Join(EnrollTransactions, ", ")+" (claims, remittance, eligibility)")
	}
	if !slices.Contains(EnrollStatuses, s.Status) {
		pr.Add("/status", "must be one of "+strings.Join(EnrollStatuses, ", "))
	}
	switch {
	case s.EffectiveDate != "":
		pr.dateWithin("/effective_date", s.EffectiveDate, minDate, maxCoverageDate)
	case s.Status == EnrollApproved:
		pr.Add("/effective_date", "is required for an approved enrollment: the date the payer's approval takes effect")
	}
	if s.Clearinghouse != "" {
		if strings.TrimSpace(s.Clearinghouse) != s.Clearinghouse || strings.ContainsFunc(s.Clearinghouse, unicode.IsControl) {
			pr.Add("/clearinghouse", "is not a clearinghouse ID")
		} else if known != nil && !slices.Contains(known, s.Clearinghouse) {
			pr.Add("/clearinghouse", "is not a configured clearinghouse"+knownList(known))
		}
	}
	if utf8.RuneCountInString(s.Notes) > MaxEnrollmentNotes {
		pr.Add("/notes", "must be at most 2000 characters")
	}
	return pr.Err()
}

func knownList(known []string) string {
	if len(known) == 0 {
		return ": none are configured (CLAIMFLOW_CLEARINGHOUSES)"
	}
	return ": the known clearinghouses are " + strings.Join(known, ", ")
}

// ProviderName is how a provider is named in hold reasons ("FIRST LAST").
func ProviderName(p Provider) string {
	return strings.TrimSpace(p.FirstName + " " + p.LastName)
}

// EnrollmentHold is why a payer takes no transaction tx from the provider
// on date (YYYY-MM-DD), or "" when nothing holds it: the payer does not
// require enrollment, or the provider's enrollment for tx is approved and
// in effect on the date. e is the stored enrollment, nil when there is
// none (not started).
func EnrollmentHold(prov Provider, payer Payer, e *Enrollment, tx, date string) string {
	if !payer.EnrollmentRequired {
		return ""
	}
	status := EnrollNotStarted
	if e != nil {
		status = e.Status
	}
	who := "provider " + ProviderName(prov) + " NPI " + prov.NPI + " is not enrolled with " + payer.Name + " for " + TransactionLabel(tx)
	if status != EnrollApproved {
		return who + " (status: " + strings.ReplaceAll(status, "_", " ") + "); " + enrollmentNext(tx)
	}
	if e.EffectiveDate != "" && date != "" && date < e.EffectiveDate {
		return who + " on " + date + " (status: approved, effective " + e.EffectiveDate + "); the approval does not cover this date"
	}
	return ""
}

// enrollmentNext tells staff what releases a transaction held for
// enrollment (issue 19: a held claim is resubmitted when the approval is
// recorded; a 270 is not sent until then).
func enrollmentNext(tx string) string {
	switch tx {
	case EnrollClaims:
		return "the claim is resubmitted automatically once the payer's approval is recorded in practice setup"
	case EnrollEligibility:
		return "no 270 was sent; record the payer's approval in practice setup, then check eligibility again"
	}
	return "record the payer's approval in practice setup"
}

// RemittanceEnrollmentFlag is why an ERA (835) posted for the provider
// needs staff's attention, or "": the payer requires enrollment and the
// provider is not approved for remittance on the payment date (YYYY-MM-DD).
// The payment is posted all the same — the money arrived — so the reason
// asks staff to follow up the enrollment, not to post anything.
func RemittanceEnrollmentFlag(prov Provider, payer Payer, e *Enrollment, paymentDate string) string {
	if !payer.EnrollmentRequired {
		return ""
	}
	status := EnrollNotStarted
	if e != nil {
		status = e.Status
	}
	who := "ERA received and posted, but provider " + ProviderName(prov) + " NPI " + prov.NPI + " is not enrolled with " + payer.Name + " for remittance (ERA)"
	const next = "; the payment is posted: confirm the payer's ERA enrollment (or record it in practice setup) so later ERAs keep coming to this account"
	switch {
	case status != EnrollApproved:
		return who + " (status: " + strings.ReplaceAll(status, "_", " ") + ")" + next
	case e.EffectiveDate != "" && paymentDate < e.EffectiveDate:
		return who + " on " + paymentDate + " (status: approved, effective " + e.EffectiveDate + ")" + next
	}
	return ""
}
