// Package x278 is the typed model of the 278 Health Care Services Review
// (005010X217): the Request for Review a provider sends to ask a payer's
// utilization management organization (UMO) for a prior authorization,
// and the Response that certifies (HCR01 A1), modifies (A6), pends (A4)
// or does not certify (A3) it. One set carries one patient event (2000E)
// with its service lines (2000F); field comments cite the guide element.
package x278

import "github.com/claimflow/claimflow/edi/internal/setkit"

// Guide is the implementation convention reference (ST03, GS08) of the
// request and the response.
const Guide = "005010X217"

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// BHT02 transaction set purpose codes.
const (
	PurposeRequest  = "13"
	PurposeResponse = "11"
	PurposeCancel   = "01"
)

// HCR01 action codes (306) of a response.
const (
	Certified    = "A1" // certified in total
	Partial      = "A2" // certified, partial
	NotCertified = "A3" // not certified
	Pended       = "A4" // pended
	Modified     = "A6" // modified
	Cancelled    = "C"  // cancelled
	Contact      = "CT" // contact payer
	NoAction     = "NA" // no action required
)

// Transaction is one 278 request or response set.
type Transaction struct {
	ControlNumber string // ST02 (set by the builder when empty)
	Purpose       string // BHT02: 13 request, 11 response, 01 cancellation
	Reference     string // BHT03 submitter transaction identifier
	Date          string // BHT04 CCYYMMDD
	Time          string // BHT05 HHMM
	UMO           Party  // 2010A the payer's utilization management organization (NM101 X3)
	UMOErrors     []Rejection
	Requester     Party // 2010B the requesting provider (NM101 1P)
	Subscriber    Member
	// Dependent is the patient when not the subscriber (2000D/2010D).
	Dependent *Member
	Event     Event // 2000E
}

// Party is an NM1 name with its identifier.
type Party struct {
	EntityCode string // NM101
	EntityType string // NM102: 1 person, 2 non-person
	Name       string // NM103 last or organization name
	FirstName  string // NM104
	IDQual     string // NM108: PI payer ID, XX NPI, 46 ETIN
	ID         string // NM109
	Taxonomy   string // PRV03 (PRV02 = PXC), the requester's taxonomy
}

// Member is the subscriber (2010C) or dependent (2010D).
type Member struct {
	LastName     string // NM103
	FirstName    string // NM104
	MemberID     string // NM109 (NM108 = MI), subscriber only
	BirthDate    string // DMG02 CCYYMMDD
	Gender       string // DMG03 F, M, U
	Relationship string // INS02, the dependent's relationship to the subscriber
	Rejections   []Rejection
}

// Rejection is an AAA request validation.
type Rejection struct {
	Valid    string // AAA01 Y/N
	Reason   string // AAA03 reject reason code
	FollowUp string // AAA04 follow-up action code
}

// Decision is an HCR segment: the UMO's answer for the event or a line.
type Decision struct {
	Action string // HCR01 action code: A1, A3, A4, A6...
	Number string // HCR02 review identification number (the authorization number when certified)
	Reason string // HCR03 review decision reason code
}

// Dates is a D8 or RD8 period.
type Dates struct {
	From string // CCYYMMDD
	To   string // CCYYMMDD, empty for one day
}

// Event is the patient event (2000E).
type Event struct {
	Trace       string // TRN02 (TRN01 1 in a request, 2 in the response echo)
	Originator  string // TRN03, 10 characters: "1" + the requester's EIN
	Rejections  []Rejection
	Category    string // UM01 request category: HS health services review, AR admission review, SC specialty care
	CertType    string // UM02 certification type: I initial, 1 appeal, 2 appeal, 3 cancel, 4 extension, S revised
	ServiceType string // UM03 service type code (e.g. 1 medical care, 2 surgical)
	Facility    string // UM04-1 place of service code (UM04-2 = B)
	Decision    *Decision
	// AuthNumber is REF*BB: a previous review's authorization number
	// (request) or the authorization number (response).
	AuthNumber string
	AdminRef   string // REF*NT administrative reference number
	EventDates Dates  // DTP*AAH proposed or actual event date(s)
	Effective  string // DTP*007 certification effective date (response)
	Expiration string // DTP*036 certification expiration date (response)
	Issued     string // DTP*102 certification issue date (response)
	Diagnoses  []string
	Units      *Quantity // HSD: the event's quantity
	Messages   []string  // MSG01
	Services   []Service // 2000F
}

// Quantity is an HSD segment's quantity.
type Quantity struct {
	Qual  string // HSD01: VS visits, FL units, DY days, HS hours
	Value string // HSD02
}

// Service is a service line (2000F).
type Service struct {
	Trace      string // TRN02
	Originator string // TRN03
	Rejections []Rejection
	Decision   *Decision
	AuthNumber string // REF*BB
	Dates      Dates  // DTP*472 service date(s)
	Effective  string // DTP*007
	Expiration string // DTP*036
	Issued     string // DTP*102
	Procedure  string // SV101-2 (SV101-1 = HC, CPT or HCPCS)
	Modifiers  []string
	Charge     string // SV102
	Unit       string // SV103 UN units, MJ minutes
	Quantity   string // SV104
	Units      *Quantity
	Messages   []string
}

// Period returns the dates of a certification: the effective and
// expiration dates when the response gives them, otherwise the service
// (or event) dates.
func Period(effective, expiration string, d Dates) Dates {
	if effective != "" || expiration != "" {
		return Dates{From: effective, To: expiration}
	}
	return d
}
