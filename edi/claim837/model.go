// Package claim837 is the typed claim model the 837 Professional
// (005010X222A1), Institutional (005010X223A2) and Dental (005010X224A2)
// guides share, with their builder and reader; edi/x837p, edi/x837i and
// edi/x837d are its entry points. What the guides agree on (submitter, receiver, billing and pay-to provider,
// subscriber, patient, payer, claim, service lines, other-payer loops
// 2320/2330 and line adjudication 2430 for secondary claims) is one set of
// types; what differs lives in Claim.Institutional (bill type, statement
// dates, CL1, admitting diagnosis, procedures, condition, occurrence and
// value codes), Claim.OnsetDate (837P), Claim.Dental (predetermination, orthodontics, tooth status)
// and the service line's kind-specific fields (SV1 unit and place of
// service, revenue code SV201, SV3 with TOO tooth and surfaces). The 837P
// procedure qualifier is always HC: its reader leaves ProcedureQual empty. Field comments cite the guide element.
package claim837

import (
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Kind is the 837 variant.
type Kind uint8

// The variants this package builds and reads.
const (
	Institutional Kind = iota + 1 // 837I, 005010X223A2
	Dental                        // 837D, 005010X224A2
	Professional                  // 837P, 005010X222A1
)

// Guide returns the implementation convention reference of the variant.
func (k Kind) Guide() string {
	switch k {
	case Dental:
		return "005010X224A2"
	case Professional:
		return "005010X222A1"
	}
	return "005010X223A2"
}

func (k Kind) String() string {
	switch k {
	case Dental:
		return "837D"
	case Professional:
		return "837P"
	}
	return "837I"
}

// takes reports whether the reader of variant k reads a transaction set
// (ST, and GS08 of its group): an 837 whose ST03, or GS08 when ST03 is
// empty, names the variant's guide. The 837P reader takes an 837 without
// ST03 whatever GS08 says: x837p.Read, which does not see GS08, always
// has, and ReadBytes must agree with it.
func (k Kind) takes(st edi.Seg, gs08 string) bool {
	g := st.El(3)
	if g == "" && k == Professional {
		g = k.Guide()
	}
	if g == "" {
		g = gs08
	}
	return st.El(1) == "837" && g == k.Guide()
}

// Money is an amount in cents.
type Money = setkit.Money

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// Transaction is one 837 transaction set.
type Transaction struct {
	ControlNumber string            // ST02 (set by the builder when empty)
	Header        Header            // BHT
	Submitter     Submitter         // loop 1000A
	Receiver      Receiver          // loop 1000B
	Billing       []BillingProvider // loop 2000A
}

// Header is the BHT segment.
type Header struct {
	Purpose   string // BHT02: 00 original, 18 reissue
	Reference string // BHT03 originator application transaction identifier
	Date      string // BHT04 creation date, CCYYMMDD
	Time      string // BHT05 creation time, HHMM
	Type      string // BHT06: CH chargeable, RP reporting
}

// Submitter is loop 1000A.
type Submitter struct {
	EntityType  string // NM102: 1 person, 2 non-person
	Name        string // NM103
	FirstName   string // NM104
	ID          string // NM109 (NM108 = 46)
	ContactName string // PER02
	Phone       string // PER04 (PER03 = TE)
	Email       string // PER0x after EM
}

// Receiver is loop 1000B.
type Receiver struct {
	Name string // NM103
	ID   string // NM109 (NM108 = 46)
}

// Address is an N3/N4 pair.
type Address struct {
	Line1 string // N301
	Line2 string // N302
	City  string // N401
	State string // N402
	Zip   string // N403
}

// BillingProvider is loop 2000A with 2010AA and 2010AB.
type BillingProvider struct {
	Taxonomy   string       // 2000A PRV03 (PRV01 = BI, PRV02 = PXC)
	EntityType string       // 2010AA NM102
	Name       string       // 2010AA NM103
	FirstName  string       // 2010AA NM104
	NPI        string       // 2010AA NM109 (NM108 = XX)
	Address    Address      // 2010AA N3/N4
	TaxID      string       // 2010AA REF02 (REF01 = EI)
	PayTo      *Address     // 2010AB pay-to address (NM101 = 87)
	Subscriber []Subscriber // loop 2000B
}

// Subscriber is loop 2000B with 2010BA and 2010BB.
type Subscriber struct {
	Responsibility string    // SBR01 payer responsibility sequence: P, S, T...
	Relationship   string    // SBR02: 18 self, empty when the patient is someone else
	GroupNumber    string    // SBR03 group or policy number
	GroupName      string    // SBR04 group name
	FilingCode     string    // SBR09 claim filing indicator: CI, MB, MC, BL...
	LastName       string    // 2010BA NM103
	FirstName      string    // 2010BA NM104
	MiddleName     string    // 2010BA NM105
	MemberID       string    // 2010BA NM109 (NM108 = MI)
	Address        *Address  // 2010BA N3/N4
	BirthDate      string    // 2010BA DMG02
	Gender         string    // 2010BA DMG03
	Payer          Payer     // loop 2010BB
	Claims         []Claim   // loop 2300 when the subscriber is the patient
	Patients       []Patient // loop 2000C
}

// Payer is loop 2010BB.
type Payer struct {
	Name    string   // NM103
	ID      string   // NM109 (NM108 = PI)
	Address *Address // N3/N4
}

// Patient is loop 2000C with 2010CA.
type Patient struct {
	Relationship string  // PAT01: 01 spouse, 19 child, 20 employee, 21 unknown...
	LastName     string  // NM103
	FirstName    string  // NM104
	Address      Address // N3/N4
	BirthDate    string  // DMG02
	Gender       string  // DMG03
	Claims       []Claim // loop 2300
}

// Provider is a person or organization named by NM1 with an NPI.
type Provider struct {
	EntityType string // NM102: 1 person, 2 non-person
	LastName   string // NM103
	FirstName  string // NM104
	NPI        string // NM109 (NM108 = XX)
	Taxonomy   string // PRV03 (PRV02 = PXC)
}

// Facility is the service facility location (837I 2310E, 837P and 837D 2310C).
type Facility struct {
	Name    string  // NM103
	NPI     string  // NM109 (NM108 = XX)
	Address Address // N3/N4
}

// Claim is loop 2300.
type Claim struct {
	PatientControlNumber string        // CLM01
	TotalCharge          Money         // CLM02 (the builder uses the line sum when zero)
	FacilityCode         string        // CLM05-1 facility code value: place of service (837P, 837D) or facility type code, the bill type's first digits (837I)
	Frequency            string        // CLM05-3 claim frequency type code: 1 original, 7 replacement, 8 void
	ProviderSignature    string        // CLM06 provider signature indicator (837D): Y, N
	Assignment           string        // CLM07 assignment or plan participation code: A, B, C
	BenefitsAssigned     string        // CLM08 benefits assignment certification indicator: Y, N, W
	ReleaseOfInfo        string        // CLM09 release of information code: I, Y
	DelayReason          string        // CLM20 delay reason code
	OnsetDate            string        // DTP03 onset of current illness or symptom (DTP01 = 431), CCYYMMDD (837P)
	PriorAuthorization   string        // REF02 (REF01 = G1)
	PayerClaimControl    string        // REF02 (REF01 = F8), for replacements and voids
	MedicalRecordNumber  string        // REF02 (REF01 = EA)
	Diagnoses            []string      // HI ICD-10-CM codes, principal (ABK) first, then ABF
	Institutional        *InstClaim    // 837I only
	Dental               *DentalClaim  // 837D only
	Attending            *Provider     // 837I 2310A attending provider (NM101 = 71)
	Operating            *Provider     // 837I 2310B operating physician (NM101 = 72)
	Rendering            *Provider     // 837I 2310D, 837P and 837D 2310B rendering provider (NM101 = 82)
	Referring            *Provider     // 837I 2310F, 837P and 837D 2310A referring provider (NM101 = DN)
	Facility             *Facility     // 837I 2310E, 837P and 837D 2310C service facility (NM101 = 77)
	OtherPayers          []OtherPayer  // loops 2320/2330A/2330B, for secondary and tertiary claims
	Lines                []ServiceLine // loop 2400
}

// InstClaim holds what only the 837I carries in loop 2300.
type InstClaim struct {
	StatementFrom      string       // DTP03 statement period start (DTP01 = 434, RD8)
	StatementTo        string       // DTP03 statement period end
	AdmissionDate      string       // DTP03 admission date (DTP01 = 435), CCYYMMDD
	AdmissionHour      string       // HHMM when sent with the date (DTP02 = DT)
	DischargeHour      string       // DTP03 discharge hour (DTP01 = 096, DTP02 = TM)
	AdmissionType      string       // CL101 priority (type) of admission or visit
	AdmissionSource    string       // CL102 point of origin for admission or visit
	PatientStatus      string       // CL103 patient discharge status
	AdmittingDiagnosis string       // HI01-2 admitting diagnosis (HI01-1 = ABJ)
	ReasonForVisit     []string     // HI0x-2 patient's reason for visit (APR)
	DRG                string       // HI01-2 diagnosis related group (HI01-1 = DR)
	PrincipalProcedure *Procedure   // HI01 principal procedure (BBR, ICD-10-PCS)
	OtherProcedures    []Procedure  // HI other procedures (BBQ)
	Conditions         []string     // HI condition codes (BG)
	Occurrences        []Occurrence // HI occurrence codes with dates (BH)
	Values             []Value      // HI value codes with amounts (BE)
}

// BillType returns the three-digit type of bill: facility type code and
// claim frequency (CLM05-1 and CLM05-3).
func (c *Claim) BillType() string { return c.FacilityCode + c.Frequency }

// Procedure is an ICD-10-PCS procedure with its date (HI BBR/BBQ).
type Procedure struct {
	Code string // HI0x-2 procedure code
	Date string // HI0x-4 procedure date, CCYYMMDD (HI0x-3 = D8)
}

// Occurrence is an occurrence code with its date (HI BH).
type Occurrence struct {
	Code string // HI0x-2 occurrence code
	Date string // HI0x-4 occurrence date, CCYYMMDD
}

// Value is a value code with its amount (HI BE).
type Value struct {
	Code   string // HI0x-2 value code
	Amount Money  // HI0x-5 value code amount
}

// DentalClaim holds what only the 837D carries in loop 2300.
type DentalClaim struct {
	Predetermination   string        // REF02 predetermination identification (REF01 = G3)
	AccidentDate       string        // DTP03 accident date (DTP01 = 439)
	AppliancePlacement string        // DTP03 orthodontic appliance placement date (DTP01 = 452)
	OrthoMonthsTotal   string        // DN101 orthodontic treatment months count
	OrthoMonthsLeft    string        // DN102 treatment months remaining count
	ToothStatus        []ToothStatus // DN2 missing or extracted teeth
}

// ToothStatus is one DN2.
type ToothStatus struct {
	Tooth  string // DN201 tooth number
	Status string // DN202 tooth status code: E to be extracted, M missing
}

// Tooth is one TOO: a tooth and its surfaces.
type Tooth struct {
	Number   string   // TOO02 tooth code (TOO01 = JP universal national tooth designation)
	Surfaces []string // TOO03-1..5 tooth surface codes: B, D, F, I, L, M, O, V
}

// ServiceLine is loop 2400.
type ServiceLine struct {
	Charge        Money              // SV102 (837P), SV203 (837I) or SV302 (837D) line item charge amount
	ServiceDate   string             // DTP03 service date (DTP01 = 472)
	ServiceDateTo string             // end of an RD8 range (837P, 837I)
	LineControl   string             // REF02 line item control number (REF01 = 6R)
	RevenueCode   string             // SV201 service line revenue code (837I)
	ProcedureQual string             // SV202-1 (837I, default HC) or SV301-1 (837D, AD); SV101-1 is always HC (837P)
	Procedure     string             // SV101-2 or SV202-2 HCPCS/CPT (837P, 837I) or SV301-2 CDT (837D)
	Modifiers     []string           // SV101-3..6, SV202-3..6 or SV301-3..6
	Unit          string             // SV103 (837P) or SV204 (837I) unit or basis for measurement code: UN, MJ, DA
	Quantity      string             // SV104 (837P), SV205 (837I) or SV306 (837D) service unit count
	NonCovered    Money              // SV207 non-covered charge amount (837I)
	PlaceOfSvc    string             // SV105 (837P, when it differs from CLM05-1) or SV303 (837D) place of service
	OralCavity    []string           // SV304-1..5 oral cavity designation codes (837D)
	Prosthesis    string             // SV305 prosthesis, crown or inlay code: I initial, R replacement (837D)
	DiagPointers  []int              // SV107-1..4 (837P) or SV311-1..4 (837D) diagnosis code pointers, 1-based into Claim.Diagnoses
	Teeth         []Tooth            // TOO tooth information (837D)
	Adjudications []LineAdjudication // loop 2430 (secondary claims)
}

// Adjustment is one CAS group/reason/amount/quantity triplet.
type Adjustment struct {
	Group    string // CAS01 claim adjustment group code: CO, CR, OA, PI, PR
	Reason   string // CAS02/05/... claim adjustment reason code
	Amount   Money  // CAS03/06/... adjustment amount
	Quantity string // CAS04/07/... adjustment quantity
}

// OtherPayer is loop 2320 with 2330A (other subscriber) and 2330B (other
// payer): what a prior payer did with the claim.
type OtherPayer struct {
	Responsibility     string       // SBR01 payer responsibility sequence of the other payer
	Relationship       string       // SBR02 individual relationship code
	GroupNumber        string       // SBR03
	FilingCode         string       // SBR09
	Adjustments        []Adjustment // CAS claim level adjustments
	Paid               *Money       // AMT02 payer paid amount (AMT01 = D)
	RemainingLiability *Money       // AMT02 remaining patient liability (AMT01 = EAF)
	BenefitsAssigned   string       // OI03 benefits assignment certification indicator
	ReleaseOfInfo      string       // OI06 release of information code
	SubscriberLast     string       // 2330A NM103
	SubscriberFirst    string       // 2330A NM104
	SubscriberID       string       // 2330A NM109 (NM108 = MI)
	PayerName          string       // 2330B NM103
	PayerID            string       // 2330B NM109 (NM108 = PI)
	AdjudicationDate   string       // 2330B DTP03 claim check or remittance date (DTP01 = 573)
	PayerClaimControl  string       // 2330B REF02 other payer claim control number (REF01 = F8)
}

// LineAdjudication is loop 2430.
type LineAdjudication struct {
	PayerID            string       // SVD01 other payer primary identifier (2330B NM109)
	Paid               Money        // SVD02 service line paid amount
	ProcedureQual      string       // SVD03-1 (always HC in the 837P, where the reader leaves it empty)
	Procedure          string       // SVD03-2
	Modifiers          []string     // SVD03-3..6 procedure modifiers
	RevenueCode        string       // SVD04 (837I)
	Units              string       // SVD05 paid service unit count
	Adjustments        []Adjustment // CAS line adjustments
	Date               string       // DTP03 adjudication or payment date (DTP01 = 573)
	RemainingLiability *Money       // AMT02 (AMT01 = EAF)
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
