// Package x837p is the typed model of the 837 Professional claim
// (005010X222A1): a builder that writes an 837P from it and a reader that
// fills it from parsed segments. Field comments cite the guide element.
package x837p

import (
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X222A1"

// Money is an amount in cents, formatted as an X12 decimal (R type).
type Money = setkit.Money

// ParseMoney parses an X12 decimal into cents; digits past the cent are
// truncated.
func ParseMoney(s string) (Money, bool) { return setkit.ParseMoney(s) }

// Transaction is one 837P transaction set.
type Transaction struct {
	ControlNumber string            // ST02 transaction set control number (set by the builder when empty)
	Header        Header            // BHT
	Submitter     Submitter         // loop 1000A
	Receiver      Receiver          // loop 1000B
	Billing       []BillingProvider // loop 2000A
}

// Header is the BHT segment.
type Header struct {
	Purpose   string // BHT02 transaction set purpose code: 00 original, 18 reissue
	Reference string // BHT03 originator application transaction identifier
	Date      string // BHT04 transaction set creation date, CCYYMMDD
	Time      string // BHT05 transaction set creation time, HHMM
	Type      string // BHT06 claim or encounter identifier: CH chargeable, RP reporting, 31 subrogation
}

// Submitter is loop 1000A.
type Submitter struct {
	EntityType  string // NM102 entity type qualifier: 1 person, 2 non-person
	Name        string // NM103 submitter last or organization name
	FirstName   string // NM104 submitter first name
	ID          string // NM109 submitter identifier (NM108 = 46)
	ContactName string // PER02 submitter contact name
	Phone       string // PER04 communication number (PER03 = TE)
	Email       string // PER06 communication number (PER05 = EM)
}

// Receiver is loop 1000B.
type Receiver struct {
	Name string // NM103 receiver name
	ID   string // NM109 receiver primary identifier (NM108 = 46)
}

// Address is an N3/N4 pair.
type Address struct {
	Line1 string // N301 address information
	Line2 string // N302 address information
	City  string // N401 city name
	State string // N402 state or province code
	Zip   string // N403 postal code
}

// BillingProvider is loop 2000A with its name loop 2010AA.
type BillingProvider struct {
	Taxonomy   string       // 2000A PRV03 provider taxonomy code (PRV01 = BI, PRV02 = PXC)
	EntityType string       // 2010AA NM102: 1 person, 2 non-person
	Name       string       // 2010AA NM103 billing provider last or organizational name
	FirstName  string       // 2010AA NM104 billing provider first name
	NPI        string       // 2010AA NM109 billing provider identifier (NM108 = XX)
	Address    Address      // 2010AA N3/N4 billing provider address
	TaxID      string       // 2010AA REF02 employer's identification number (REF01 = EI)
	Subscriber []Subscriber // loop 2000B
}

// Subscriber is loop 2000B with loops 2010BA and 2010BB.
type Subscriber struct {
	Responsibility string    // SBR01 payer responsibility sequence number code: P, S, T...
	Relationship   string    // SBR02 individual relationship code: 18 self, empty when the patient is someone else
	GroupNumber    string    // SBR03 subscriber group or policy number
	FilingCode     string    // SBR09 claim filing indicator code: CI, MB, MC, BL...
	LastName       string    // 2010BA NM103 subscriber last name
	FirstName      string    // 2010BA NM104 subscriber first name
	MiddleName     string    // 2010BA NM105 subscriber middle name or initial
	MemberID       string    // 2010BA NM109 subscriber primary identifier (NM108 = MI)
	Address        *Address  // 2010BA N3/N4 subscriber address
	BirthDate      string    // 2010BA DMG02 subscriber birth date, CCYYMMDD
	Gender         string    // 2010BA DMG03 subscriber gender code: F, M, U
	Payer          Payer     // loop 2010BB
	Claims         []Claim   // loop 2300 when the subscriber is the patient
	Patients       []Patient // loop 2000C when the patient is not the subscriber
}

// Payer is loop 2010BB.
type Payer struct {
	Name    string   // NM103 payer name
	ID      string   // NM109 payer identifier (NM108 = PI)
	Address *Address // N3/N4 payer address
}

// Patient is loop 2000C with its name loop 2010CA.
type Patient struct {
	Relationship string  // PAT01 individual relationship code: 01 spouse, 19 child, 20 employee, 21 unknown...
	LastName     string  // 2010CA NM103 patient last name
	FirstName    string  // 2010CA NM104 patient first name
	Address      Address // 2010CA N3/N4 patient address
	BirthDate    string  // 2010CA DMG02 patient birth date, CCYYMMDD
	Gender       string  // 2010CA DMG03 patient gender code
	Claims       []Claim // loop 2300
}

// Claim is loop 2300.
type Claim struct {
	PatientControlNumber string        // CLM01 patient control number
	TotalCharge          Money         // CLM02 total claim charge amount (the builder uses the line sum when zero)
	PlaceOfService       string        // CLM05-1 place of service code
	Frequency            string        // CLM05-3 claim frequency type code: 1 original, 7 replacement, 8 void
	ProviderSignature    string        // CLM06 provider or supplier signature indicator: Y, N
	Assignment           string        // CLM07 assignment or plan participation code: A, B, C
	BenefitsAssigned     string        // CLM08 benefits assignment certification indicator: Y, N, W
	ReleaseOfInfo        string        // CLM09 release of information code: I, Y
	OnsetDate            string        // DTP03 onset of current illness (DTP01 = 431), CCYYMMDD
	PriorAuthorization   string        // REF02 prior authorization (REF01 = G1)
	PayerClaimControl    string        // REF02 payer claim control number (REF01 = F8)
	MedicalRecordNumber  string        // REF02 medical record number (REF01 = EA)
	Diagnoses            []string      // HI01-2..HI12-2 ICD-10-CM codes, principal first (ABK, then ABF)
	Rendering            *Provider     // loop 2310B rendering provider
	Facility             *Facility     // loop 2310C service facility location
	OtherPayers          []OtherPayer  // loop 2320 other subscriber information (coordination of benefits)
	Lines                []ServiceLine // loop 2400
}

// OtherPayer is loop 2320 with its names 2330A (other subscriber) and
// 2330B (other payer): what another payer already decided on the claim.
type OtherPayer struct {
	Responsibility   string       // SBR01 payer responsibility sequence number code of the other payer
	Relationship     string       // SBR02 individual relationship code: 18 self, 01 spouse, 19 child...
	GroupNumber      string       // SBR03 insured group or policy number
	FilingCode       string       // SBR09 claim filing indicator code
	Adjustments      []Adjustment // CAS claim level adjustments
	Paid             *Money       // AMT02 payer paid amount (AMT01 = D)
	BenefitsAssigned string       // OI03 benefits assignment certification indicator: Y, N, W
	ReleaseOfInfo    string       // OI06 release of information code: I, Y
	SubscriberLast   string       // 2330A NM103 other insured last name
	SubscriberFirst  string       // 2330A NM104 other insured first name
	SubscriberID     string       // 2330A NM109 other insured identifier (NM108 = MI)
	PayerName        string       // 2330B NM103 other payer organization name
	PayerID          string       // 2330B NM109 other payer primary identifier (NM108 = PI)
	AdjudicationDate string       // 2330B DTP03 claim check or remittance date (DTP01 = 573), CCYYMMDD
}

// Adjustment is one reason within a CAS segment.
type Adjustment struct {
	Group    string // CAS01 claim adjustment group code: CO, CR, OA, PI, PR
	Reason   string // CAS02/05/08/11/14/17 claim adjustment reason code
	Amount   Money  // CAS03/06/09/12/15/18 adjustment amount
	Quantity string // CAS04/07/10/13/16/19 adjustment quantity
}

// LineAdjudication is loop 2430: another payer's decision on a line.
type LineAdjudication struct {
	PayerID     string       // SVD01 other payer primary identifier (2330B NM109)
	Paid        Money        // SVD02 service line paid amount
	Procedure   string       // SVD03-2 procedure code (SVD03-1 = HC)
	Modifiers   []string     // SVD03-3..SVD03-6 procedure modifiers
	Units       string       // SVD05 paid service unit count
	Adjustments []Adjustment // CAS line adjustments
	Date        string       // DTP03 line check or remittance date (DTP01 = 573), CCYYMMDD
}

// Provider is a person or organization named by NM1 with an NPI.
type Provider struct {
	EntityType string // NM102: 1 person, 2 non-person
	LastName   string // NM103 last or organization name
	FirstName  string // NM104 first name
	NPI        string // NM109 identifier (NM108 = XX)
	Taxonomy   string // PRV03 provider taxonomy code (PRV01 = PE)
}

// Facility is loop 2310C.
type Facility struct {
	Name    string  // NM103 laboratory or facility name
	NPI     string  // NM109 laboratory or facility primary identifier (NM108 = XX)
	Address Address // N3/N4 laboratory or facility address
}

// ServiceLine is loop 2400.
type ServiceLine struct {
	Procedure     string             // SV101-2 procedure code (SV101-1 = HC)
	Modifiers     []string           // SV101-3..SV101-6 procedure modifiers
	Charge        Money              // SV102 line item charge amount
	Unit          string             // SV103 unit or basis for measurement code: UN unit, MJ minutes
	Quantity      string             // SV104 service unit count
	PlaceOfSvc    string             // SV105 place of service code, when it differs from CLM05-1
	DiagPointers  []int              // SV107-1..SV107-4 diagnosis code pointers (1-based into Claim.Diagnoses)
	ServiceDate   string             // DTP03 service date (DTP01 = 472), CCYYMMDD
	ServiceDateTo string             // end of a date range (DTP02 = RD8)
	LineControl   string             // REF02 line item control number (REF01 = 6R)
	Adjudications []LineAdjudication // loop 2430 line adjudication information
}

// Total returns CLM02: TotalCharge, or the sum of the line charges when
// TotalCharge is zero.
func (c *Claim) Total() Money {
	if c.TotalCharge != 0 {
		return c.TotalCharge
	}
	var m Money
	for _, l := range c.Lines {
		m += l.Charge
	}
	return m
}
