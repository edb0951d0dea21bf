// Package x837d is the 837 Health Care Claim: Dental (005010X224A2):
// the shared claim model of edi/claim837 with its dental part
// (SV3 with the CDT code, oral cavity and prosthesis, TOO tooth and
// surfaces, DN1 orthodontics, DN2 tooth status, predetermination), a
// builder and a reader.
package x837d

import (
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
)

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X224A2"

// The model, shared with the 837I where the guides agree.
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
	DentalClaim      = claim837.DentalClaim
	Tooth            = claim837.Tooth
	ToothStatus      = claim837.ToothStatus
	ServiceLine      = claim837.ServiceLine
	OtherPayer       = claim837.OtherPayer
	LineAdjudication = claim837.LineAdjudication
	Adjustment       = claim837.Adjustment
	Money            = claim837.Money
	Envelope         = claim837.Envelope
)

// Build writes 837D transactions into one interchange with one HC group.
func Build(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return claim837.Build(claim837.Dental, env, txs...)
}

// Read fills the model from a parsed 837D transaction set.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	return claim837.Read(claim837.Dental, t, d)
}

// ReadAll reads every 837D in parsed interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	return claim837.ReadAll(claim837.Dental, ics)
}

// ReadBytes reads every 837D in the X12 bytes in one pass that does not
// build the interchanges in memory (claim837.ReadBytes).
func ReadBytes(x []byte) ([]*Transaction, error) {
	return claim837.ReadBytes(claim837.Dental, x)
}
