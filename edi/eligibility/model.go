// Package eligibility is the typed model of the 270 Health Care
// Eligibility Benefit Inquiry and 271 Response (005010X279A1): a 270
// builder from coverage, patient and provider, a 271 reader into benefits
// (EB) and rejections (AAA) at every level, and the reverse directions for
// simulators and tests. Field comments cite the guide element.
package eligibility

import "github.com/claimflow/claimflow/edi/internal/setkit"

// Guide is the implementation convention reference (ST03, GS08) of both
// the 270 and the 271.
const Guide = "005010X279A1"

// Money is an amount in cents.
type Money = setkit.Money

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// EB01 eligibility or benefit information codes the workflows use.
const (
	ActiveCoverage   = "1"
	InactiveCoverage = "6"
	CoInsurance      = "A"
	CoPayment        = "B"
	Deductible       = "C"
	Limitations      = "F"
	OutOfPocket      = "G"
)

// Transaction is one 270 (inquiry) or 271 (response) transaction set. The
// hierarchy is one information source (2000A) and one receiver (2000B) per
// set, as the workflows send and payers answer.
type Transaction struct {
	ControlNumber string       // ST02 (set by the builder when empty)
	Purpose       string       // BHT02: 13 request (270), 11 response or 06 confirmation (271)
	Reference     string       // BHT03 submitter transactional identifier
	Date          string       // BHT04 transaction set creation date, CCYYMMDD
	Time          string       // BHT05 transaction set creation time
	RealTime      bool         // BHT06 = RT (270 only)
	Source        Party        // 2100A information source (the payer)
	SourceErrors  []Rejection  // 2000A and 2100A AAA request validation
	Receiver      Party        // 2100B information receiver (the provider)
	ReceiverError []Rejection  // 2100B AAA
	Subscribers   []Subscriber // loop 2000C
}

// Party is an NM1 name with its identifier.
type Party struct {
	EntityCode string // NM101 entity identifier code: PR payer, 1P provider, FA facility...
	EntityType string // NM102 entity type qualifier: 1 person, 2 non-person
	Name       string // NM103 last or organization name
	FirstName  string // NM104 first name
	IDQual     string // NM108 identification code qualifier: PI payer ID, XX NPI, 46, FI
	ID         string // NM109 identification code
	Taxonomy   string // PRV03 provider taxonomy (2100B, PRV02 = PXC)
}

// Address is an N3/N4 pair.
type Address struct {
	Line1 string // N301
	Line2 string // N302
	City  string // N401
	State string // N402
	Zip   string // N403
}

// Trace is a TRN segment.
type Trace struct {
	Type       string // TRN01 trace type code: 1 current transaction (the inquirer's), 2 referenced (echoed in the 271)
	Number     string // TRN02 trace number
	Originator string // TRN03 originating company identifier (10 characters, 1 or 9 followed by an ID)
	Supplement string // TRN04 originating company supplemental code
}

// Rejection is an AAA request validation.
type Rejection struct {
	Valid    string // AAA01 valid request indicator: Y, N
	Reason   string // AAA03 reject reason code: 42 unable to respond now, 72 invalid member ID, 75 subscriber not found...
	FollowUp string // AAA04 follow-up action code: C please correct and resubmit, R resubmission allowed...
}

// Subscriber is loop 2000C with its dependents (2000D).
type Subscriber struct {
	Member
	Dependents []Member // loop 2000D
}

// Member is the subscriber (2000C/2100C) or dependent (2000D/2100D) level.
type Member struct {
	Traces       []Trace     // TRN subscriber or dependent trace numbers
	LastName     string      // NM103 last name
	FirstName    string      // NM104 first name
	MiddleName   string      // NM105 middle name
	MemberID     string      // NM109 member identification number (NM108 = MI)
	GroupNumber  string      // REF02 group number (REF01 = 6P)
	PlanNumber   string      // REF02 plan number (REF01 = 18)
	Address      *Address    // N3/N4
	Rejections   []Rejection // AAA at this level
	BirthDate    string      // DMG02 birth date, CCYYMMDD
	Gender       string      // DMG03 gender code: F, M, U
	Relationship string      // INS02 individual relationship code (dependent: 01 spouse, 19 child...)
	DateQual     string      // DTP01 of the first DTP: 291 plan, 307 eligibility, 346 plan begin...
	Date         string      // DTP03 date (from)
	DateTo       string      // end of an RD8 range
	ServiceTypes []string    // EQ01 service type codes asked about (270), one EQ each
	Benefits     []Benefit   // loop 2110 EB (271)
}

// Benefit is loop 2110C/2110D: one EB with its dates, messages and
// rejections.
type Benefit struct {
	Code            string      // EB01 eligibility or benefit information code: 1 active, 6 inactive, A co-insurance, B co-pay, C deductible, F limitations, G out of pocket...
	CoverageLevel   string      // EB02 coverage level code: IND individual, FAM family, EMP, ESP, CHD...
	ServiceTypes    []string    // EB03 service type codes (repeated)
	InsuranceType   string      // EB04 insurance type code: C1, HM, MB, PR...
	PlanDescription string      // EB05 plan coverage description
	TimePeriod      string      // EB06 time period qualifier: 22 service year, 23 calendar year, 27 visit, 29 remaining, 32 lifetime...
	Amount          *Money      // EB07 benefit amount
	Percent         string      // EB08 benefit percent, as sent (.2 is 20%)
	QuantityQual    string      // EB09 quantity qualifier: VS visits, DY days...
	Quantity        string      // EB10 benefit quantity
	AuthRequired    string      // EB11 authorization or certification indicator: Y, N, U
	InNetwork       string      // EB12 in plan network indicator: Y in, N out, W not applicable, U unknown
	Procedure       string      // EB13-2 procedure code (EB13-1 qualifier in ProcedureQual)
	ProcedureQual   string      // EB13-1 product or service ID qualifier
	Dates           []Date      // DTP eligibility or benefit dates
	Rejections      []Rejection // AAA
	Messages        []string    // MSG01 free-form message text
	Entities        []Party     // loop 2120 benefit related entities (NM1)
}

// Date is a DTP.
type Date struct {
	Qual string // DTP01 date time qualifier
	From string // DTP03 date (or range start)
	To   string // end of an RD8 range
}
