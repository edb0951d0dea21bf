// Package x835 is the typed model of the 835 Health Care Claim
// Payment/Advice (005010X221A1): a builder that writes an 835 from it, a
// reader that fills it from parsed segments, and the balancing checks of
// SNIP level 3. Field comments cite the guide element.
package x835

import "github.com/claimflow/claimflow/edi/internal/setkit"

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X221A1"

// Money is an amount in cents.
type Money = setkit.Money

// ParseMoney parses an X12 decimal into cents.
func ParseMoney(s string) (Money, bool) { return setkit.ParseMoney(s) }

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// Remittance is one 835 transaction set.
type Remittance struct {
	ControlNumber  string               // ST02 transaction set control number (set by the builder when empty)
	Payment        Payment              // BPR financial information
	Trace          Trace                // TRN reassociation trace number
	ReceiverID     string               // REF02 receiver identification (REF01 = EV)
	ProductionDate string               // DTM02 production date (DTM01 = 405), CCYYMMDD
	Payer          Payer                // loop 1000A
	Payee          Payee                // loop 1000B
	Claims         []ClaimPayment       // loop 2100, inside the 2000 header number loops
	Adjustments    []ProviderAdjustment // PLB provider adjustments, one entry per PLB03/PLB04 pair
}

// Payment is the BPR segment.
type Payment struct {
	Handling         string // BPR01 transaction handling code: I remittance with payment, H notification only
	Amount           Money  // BPR02 total actual provider payment amount
	CreditDebit      string // BPR03 credit/debit flag code: C credit, D debit
	Method           string // BPR04 payment method code: ACH, CHK, BOP, FWT, NON
	Format           string // BPR05 payment format code: CCP, CTX
	SenderDFIQual    string // BPR06 (DFI) ID number qualifier: 01 ABA, 04 Canadian
	SenderDFI        string // BPR07 sender DFI identifier
	SenderAcctQual   string // BPR08 account number qualifier: DA demand deposit
	SenderAccount    string // BPR09 sender bank account number
	OriginatorID     string // BPR10 payer identifier
	OriginatorSupp   string // BPR11 originating company supplemental code
	ReceiverDFIQual  string // BPR12 (DFI) ID number qualifier
	ReceiverDFI      string // BPR13 receiver or provider bank ID number
	ReceiverAcctQual string // BPR14 account number qualifier: DA, SG
	ReceiverAccount  string // BPR15 receiver or provider account number
	EffectiveDate    string // BPR16 check issue or EFT effective date, CCYYMMDD
}

// Trace is the TRN segment.
type Trace struct {
	Type         string // TRN01 trace type code: 1 current transaction trace numbers
	Number       string // TRN02 check or EFT trace number
	OriginatorID string // TRN03 payer identifier (1 followed by the payer's TIN)
	Supplemental string // TRN04 originating company supplemental code
}

// Address is an N3/N4 pair.
type Address struct {
	Line1 string // N301 address information
	Line2 string // N302 address information
	City  string // N401 city name
	State string // N402 state or province code
	Zip   string // N403 postal code
}

// Payer is loop 1000A.
type Payer struct {
	Name             string  // N102 payer name
	IDQual           string  // N103 identification code qualifier: XV CMS plan ID
	ID               string  // N104 payer identifier
	Address          Address // N3/N4 payer address
	PayerID          string  // REF02 additional payer identification (REF01 = 2U)
	TechnicalContact string  // PER02 payer technical contact name (PER01 = BL)
	Phone            string  // PER04 communication number (PER03 = TE)
	Email            string  // PER0x communication number after EM
	Web              string  // PER04 payer web site (PER01 = IC, PER03 = UR)
}

// Payee is loop 1000B.
type Payee struct {
	Name    string   // N102 payee name
	IDQual  string   // N103 identification code qualifier: XX NPI, FI tax ID, XV
	ID      string   // N104 payee identification code
	Address *Address // N3/N4 payee address
	TaxID   string   // REF02 payee additional identification (REF01 = TJ)
}

// Person is an NM1 name in loop 2100.
type Person struct {
	EntityType string // NM102 entity type qualifier: 1 person, 2 non-person
	LastName   string // NM103 last or organization name
	FirstName  string // NM104 first name
	MiddleName string // NM105 middle name
	IDQual     string // NM108 identification code qualifier: MI member ID, XX NPI
	ID         string // NM109 identification code
}

// Adjustment is one CAS group/reason/amount/quantity triplet.
type Adjustment struct {
	Group    string // CAS01 claim adjustment group code: CO, OA, PI, PR
	Reason   string // CAS02/05/08/11/14/17 claim adjustment reason code (CARC)
	Amount   Money  // CAS03/06/09/12/15/18 adjustment amount
	Quantity string // CAS04/07/10/13/16/19 adjustment quantity
}

// Amount is an AMT segment.
type Amount struct {
	Qualifier string // AMT01 amount qualifier code: AU coverage amount, B6 allowed, I interest...
	Amount    Money  // AMT02 monetary amount
}

// ClaimPayment is loop 2100.
type ClaimPayment struct {
	HeaderNumber          string       // 2000 LX01 assigned number of the header number loop (builder default 1)
	PatientControlNumber  string       // CLP01 patient control number (the 837's CLM01)
	Status                string       // CLP02 claim status code: 1 processed as primary, 2 secondary, 4 denied, 22 reversal...
	Charge                Money        // CLP03 total claim charge amount
	Paid                  Money        // CLP04 claim payment amount
	PatientResponsibility Money        // CLP05 patient responsibility amount
	FilingCode            string       // CLP06 claim filing indicator code
	PayerControlNumber    string       // CLP07 payer claim control number
	FacilityType          string       // CLP08 facility type code (place of service or bill type)
	Frequency             string       // CLP09 claim frequency code
	DRG                   string       // CLP11 diagnosis related group code
	Adjustments           []Adjustment // CAS claim adjustments
	Patient               Person       // NM1 patient name (NM101 = QC)
	Insured               *Person      // NM1 insured name (NM101 = IL)
	Rendering             *Person      // NM1 service provider name (NM101 = 82)
	CrossoverCarrier      *Person      // NM1 crossover carrier name (NM101 = TT)
	Remarks               []string     // MOA03..MOA07 claim payment remark codes (RARC)
	MedicalRecordNumber   string       // REF02 other claim related identification (REF01 = EA)
	GroupNumber           string       // REF02 (REF01 = 1L)
	StatementFrom         string       // DTM02 statement from date (DTM01 = 232)
	StatementTo           string       // DTM02 statement to date (DTM01 = 233)
	ReceivedDate          string       // DTM02 claim received date (DTM01 = 050)
	Amounts               []Amount     // AMT claim supplemental information
	Lines                 []LinePayment
}

// LinePayment is loop 2110.
type LinePayment struct {
	ProcedureQual  string       // SVC01-1 product or service ID qualifier: HC, NU, AD...
	Procedure      string       // SVC01-2 procedure, revenue or dental code
	Modifiers      []string     // SVC01-3..SVC01-6 procedure modifiers
	Charge         Money        // SVC02 line item charge amount
	Paid           Money        // SVC03 line item provider payment amount
	RevenueCode    string       // SVC04 national uniform billing committee revenue code
	Units          string       // SVC05 units of service paid count
	Submitted      string       // SVC06-2 procedure code submitted, when the payer changed it
	SubmittedQual  string       // SVC06-1 its qualifier
	SubmittedUnits string       // SVC07 original units of service count
	ServiceDate    string       // DTM02 service date (DTM01 = 472)
	ServiceFrom    string       // DTM02 service period start (DTM01 = 150)
	ServiceTo      string       // DTM02 service period end (DTM01 = 151)
	Adjustments    []Adjustment // CAS service adjustments
	LineControl    string       // REF02 line item control number (REF01 = 6R), the 837's REF*6R
	Allowed        Money        // AMT02 allowed amount (AMT01 = B6)
	HasAllowed     bool         // AMT*B6 present
	Remarks        []string     // LQ02 remark codes (LQ01 = HE), RARC
}

// ProviderAdjustment is one PLB adjustment.
type ProviderAdjustment struct {
	ProviderID   string // PLB01 provider identifier
	FiscalPeriod string // PLB02 fiscal period date, CCYYMMDD
	Reason       string // PLB03-1 adjustment reason code: WO overpayment recovery, L6 interest, FB forwarding balance...
	Reference    string // PLB03-2 provider adjustment identifier
	Amount       Money  // PLB04 provider adjustment amount (positive reduces the payment)
}

// AdjustmentTotal sums adjustment amounts.
func AdjustmentTotal(as []Adjustment) Money {
	var m Money
	for _, a := range as {
		m += a.Amount
	}
	return m
}
