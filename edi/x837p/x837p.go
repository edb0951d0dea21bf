// Package x837p is the 837 Health Care Claim: Professional (005010X222A1):
// the shared claim model of edi/claim837 with its professional part (SV1
// with unit, place of service and diagnosis pointers, onset of illness in
// Claim.OnsetDate, CLM05-1 place of service in Claim.FacilityCode), a
// builder that checks what it writes at a SNIP level, and a reader.
package x837p

import (
	"strconv"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/internal/setkit"
	"github.com/claimflow/claimflow/edi/snip"
)

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X222A1"

// The model, shared with the 837I and 837D where the guides agree.
type (
	Transaction      = claim837.Transaction
	Header           = claim837.Header
	Submitter        = claim837.Submitter
	Receiver         = claim837.Receiver
	Address          = claim837.Address
	BillingProvider  = claim837.BillingProvider
	Subscriber       = claim837.Subscriber
	Payer            = claim837.Payer
	Patient          = claim837.Patient
	Provider         = claim837.Provider
	Facility         = claim837.Facility
	Claim            = claim837.Claim
	ServiceLine      = claim837.ServiceLine
	OtherPayer       = claim837.OtherPayer
	LineAdjudication = claim837.LineAdjudication
	Adjustment       = claim837.Adjustment
	Money            = claim837.Money
	Envelope         = claim837.Envelope
)

// ParseMoney parses an X12 decimal into cents; digits past the cent are
// truncated.
func ParseMoney(s string) (Money, bool) { return setkit.ParseMoney(s) }

// Build writes 837P transactions into one interchange with one HC group
// (claim837.Build) and checks what it built: every 837P claimflow writes
// must pass the strictest SNIP level (the guide, its situational rules and
// the external code sets). env.Level names a lower level (1-5) for the
// faulty claims a trading partner's tests feed its rejection paths.
func Build(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	ic, err := claim837.Build(claim837.Professional, env, txs...)
	if err != nil {
		return nil, err
	}
	rep, err := snip.ValidateBytes([]byte(ic.String()), snip.Options{Level: env.Level})
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, &BuildError{Errors: rep.Errors}
	}
	return ic, nil
}

// BuildError lists what the guide rejects in a built 837P (a required
// field left empty, a bad code). Its text names positions and codes only.
type BuildError struct {
	Errors []*edi.Error
}

func (e *BuildError) Error() string {
	if len(e.Errors) == 0 {
		return "x837p: built transaction does not validate"
	}
	msg := "x837p: built transaction does not validate: " + e.Errors[0].Error()
	if n := len(e.Errors) - 1; n > 0 {
		msg += " (and " + strconv.Itoa(n) + " more)"
	}
	return msg
}

// Read fills the model from a parsed 837 transaction set, read by the 837P
// guide.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	return claim837.Read(claim837.Professional, t, d)
}

// ReadAll reads every 837 in parsed interchanges by the 837P guide.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	return claim837.ReadAll(claim837.Professional, ics)
}

// ReadBytes reads every 837 in the X12 bytes by the 837P guide, in one pass
// that does not build the interchanges in memory (claim837.ReadBytes).
func ReadBytes(x []byte) ([]*Transaction, error) {
	return claim837.ReadBytes(claim837.Professional, x)
}
