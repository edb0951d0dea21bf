// Package x837i is the 837 Health Care Claim: Institutional (005010X223A2):
// the shared claim model of edi/claim837 with its institutional part
// (bill type in CLM05, statement dates, CL1, admitting diagnosis,
// procedure, condition, occurrence and value codes, revenue codes in
// SV201), a builder and a reader.
package x837i

import (
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
)

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X223A2"

// The model, shared with the 837D where the guides agree.
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
	InstClaim        = claim837.InstClaim
	Procedure        = claim837.Procedure
	Occurrence       = claim837.Occurrence
	Value            = claim837.Value
	ServiceLine      = claim837.ServiceLine
	OtherPayer       = claim837.OtherPayer
	LineAdjudication = claim837.LineAdjudication
	Adjustment       = claim837.Adjustment
	Money            = claim837.Money
	Envelope         = claim837.Envelope
)

// Build writes 837I transactions into one interchange with one HC group.
func Build(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return claim837.Build(claim837.Institutional, env, txs...)
}

// Read fills the model from a parsed 837I transaction set.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	return claim837.Read(claim837.Institutional, t, d)
}

// ReadAll reads every 837I in parsed interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	return claim837.ReadAll(claim837.Institutional, ics)
}

// ReadBytes reads every 837I in the X12 bytes in one pass that does not
// build the interchanges in memory (claim837.ReadBytes).
func ReadBytes(x []byte) ([]*Transaction, error) {
	return claim837.ReadBytes(claim837.Institutional, x)
}
