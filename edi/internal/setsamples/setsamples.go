// Package setsamples builds the de-identified sample transactions of every
// transaction set the typed packages cover, for the corpus, fuzz and
// benchmark tests. Names are obviously synthetic (DOE*JANE) and IDs look
// like ZZ0000001.
package setsamples

import (
	"bytes"
	"strconv"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
)

// Env is the envelope of every sample: sender, receiver and a fixed time.
func Env(sender, receiver string, ctl int) x835.Envelope {
	return x835.Envelope{SenderID: sender, ReceiverID: receiver, Usage: "T", Newline: "\n",
		Time: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: ctl, Group: ctl, Set: 1}}
}

// Remittance is an 835: a paid claim with contractual and patient
// responsibility adjustments on two lines, a denied claim with RARCs, and
// an interest PLB.
func Remittance() *x835.Remittance {
	return &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: 10550, CreditDebit: "C", Method: "ACH", Format: "CCP",
			SenderDFIQual: "01", SenderDFI: "999999992", SenderAcctQual: "DA", SenderAccount: "000000001",
			OriginatorID: "1999999999", ReceiverDFIQual: "01", ReceiverDFI: "999999992", ReceiverAcctQual: "DA",
			ReceiverAccount: "000000002", EffectiveDate: "20260115"},
		Trace:          x835.Trace{Type: "1", Number: "EFT0000001", OriginatorID: "1999999999"},
		ReceiverID:     "CF0000001",
		ProductionDate: "20260114",
		Payer: x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "ANYTOWN", State: "NY", Zip: "100010000"},
			PayerID: "TP0000001", TechnicalContact: "EDI DESK", Phone: "5555550199", Web: "WWW.EXAMPLE.COM"},
		Payee: x835.Payee{Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893", TaxID: "990000001",
			Address: &x835.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"}},
		Claims: []x835.ClaimPayment{
			{
				HeaderNumber: "1", PatientControlNumber: "PCN0001", Status: "1", Charge: 15050, Paid: 10000,
				PatientResponsibility: 2000, FilingCode: "12", PayerControlNumber: "PAYERCLM0001", FacilityType: "11", Frequency: "1",
				Patient:       x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"},
				Rendering:     &x835.Person{EntityType: "1", LastName: "DOCTOR", FirstName: "TEST", IDQual: "XX", ID: "1234567893"},
				Remarks:       []string{"MA01"},
				StatementFrom: "20260101", StatementTo: "20260101", ReceivedDate: "20260105",
				Amounts: []x835.Amount{{Qualifier: "AU", Amount: 13050}},
				Lines: []x835.LinePayment{
					{ProcedureQual: "HC", Procedure: "99213", Modifiers: []string{"25"}, Charge: 10000, Paid: 7000, Units: "1",
						ServiceDate: "20260101", LineControl: "LN0001", Allowed: 9000, HasAllowed: true,
						Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 1000}, {Group: "PR", Reason: "2", Amount: 2000}}},
					{ProcedureQual: "HC", Procedure: "87880", Charge: 5050, Paid: 3000, Units: "1", ServiceDate: "20260101",
						Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 2050}}, Remarks: []string{"N130"}},
				},
			},
			{
				HeaderNumber: "1", PatientControlNumber: "PCN0002", Status: "4", Charge: 15000, Paid: 0, FilingCode: "12",
				PayerControlNumber: "PAYERCLM0002",
				Patient:            x835.Person{EntityType: "1", LastName: "ROE", FirstName: "BABY", IDQual: "MI", ID: "ZZ0000002"},
				Insured:            &x835.Person{EntityType: "1", LastName: "ROE", FirstName: "RICHARD", IDQual: "MI", ID: "ZZ0000002"},
				Adjustments:        []x835.Adjustment{{Group: "CO", Reason: "197", Amount: 15000}},
				Remarks:            []string{"N290", "M76"},
			},
		},
		Adjustments: []x835.ProviderAdjustment{{ProviderID: "1234567893", FiscalPeriod: "20261231", Reason: "L6", Reference: "INTEREST", Amount: -550}},
	}
}

// BigRemittance is an 835 with n claims of three lines each, balanced.
func BigRemittance(n int) *x835.Remittance {
	r := Remittance()
	r.Claims = r.Claims[:0]
	var total x835.Money
	for i := 0; i < n; i++ {
		c := x835.ClaimPayment{HeaderNumber: "1", PatientControlNumber: "PCN" + strconv.Itoa(100000+i), Status: "1",
			FilingCode: "12", PayerControlNumber: "PAYERCLM" + strconv.Itoa(100000+i), FacilityType: "11", Frequency: "1",
			Patient: x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"}}
		for j := 0; j < 3; j++ {
			l := x835.LinePayment{ProcedureQual: "HC", Procedure: "99213", Charge: 10000, Paid: 7000, Units: "1", ServiceDate: "20260101",
				LineControl: "LN" + strconv.Itoa(j), Allowed: 9000, HasAllowed: true,
				Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 1000}, {Group: "PR", Reason: "2", Amount: 2000}}}
			c.Lines = append(c.Lines, l)
			c.Charge += l.Charge
			c.Paid += l.Paid
		}
		c.PatientResponsibility = 6000
		total += c.Paid
		r.Claims = append(r.Claims, c)
	}
	r.Payment.Amount = total + 550
	return r
}

// ClaimAck is a 277CA accepting one claim (with REF*1K) and rejecting the
// other at a service line.
func ClaimAck() *x277ca.Acknowledgment {
	acc, rej := x277ca.Money(15050), x277ca.Money(15000)
	return &x277ca.Acknowledgment{
		Reference: "ACK0001", Date: "20260106", Time: "0800",
		Source: x277ca.Party{EntityType: "2", Name: "TEST CLEARINGHOUSE", IDQual: "46", ID: "CH0000001"},
		Trace:  "RCPT0001", ReceiptDate: "20260105", ProcessDate: "20260106",
		Receivers: []x277ca.Receiver{{
			Party:  x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"},
			Trace:  "BATCH0001",
			Status: []x277ca.Status{{Category: "A1", Code: "19", Entity: "PR", Date: "20260106", Action: "WQ", Charge: 30050}},
			Totals: x277ca.Totals{AcceptedCount: "1", RejectedCount: "1", AcceptedAmount: &acc, RejectedAmount: &rej},
			Providers: []x277ca.Provider{{
				Party: x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
				Trace: "PRV0001",
				Claims: []x277ca.ClaimAck{
					{Patient: x277ca.Party{Name: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"},
						PatientControlNumber: "PCN0001",
						Status:               []x277ca.Status{{Category: "A2", Code: "20", Date: "20260106", Action: "WQ", Charge: 15050}},
						PayerClaimControl:    "PAYERCLM0001", ClearinghouseTrace: "CHTRACE0001", ServiceFrom: "20260101"},
					{Patient: x277ca.Party{Name: "ROE", FirstName: "BABY", IDQual: "MI", ID: "ZZ0000002"},
						PatientControlNumber: "PCN0002",
						Status:               []x277ca.Status{{Category: "A7", Code: "21", Entity: "QC", Date: "20260106", Action: "U", Charge: 15000}},
						ServiceFrom:          "20260102", ServiceTo: "20260103",
						Lines: []x277ca.LineAck{{ProcedureQual: "HC", Procedure: "99392", Charge: 15000, Units: "1",
							Status:      []x277ca.Status{{Category: "A7", Code: "454", Date: "20260106", Action: "U"}},
							LineControl: "LN0003", ServiceFrom: "20260102", ServiceTo: "20260103"}}},
				},
			}},
		}},
	}
}

// Inquiry is a 270 for a dependent.
func Inquiry() *eligibility.Transaction {
	cov := eligibility.Coverage{PayerName: "TEST PAYER", PayerID: "TP0000001", MemberID: "ZZ0000001", GroupNumber: "GRP0001",
		Relationship: "19", Subscriber: eligibility.Person{LastName: "DOE", FirstName: "JANE", BirthDate: "19800101", Gender: "F"}}
	tx := eligibility.Inquiry270("TRACE0001", "9000000001", cov,
		eligibility.Person{LastName: "DOE", FirstName: "BABY", BirthDate: "20200101", Gender: "M"},
		eligibility.Provider{Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893"}, "20260102", "30", "98")
	tx.Date, tx.Time = "20260101", "0700"
	return tx
}

// Response is a 271 with active coverage, deductible, out-of-pocket,
// co-pay, co-insurance and limitations for the subscriber.
func Response() *eligibility.Transaction {
	return BigResponse(1)
}

// BigResponse is a 271 with n subscribers.
func BigResponse(n int) *eligibility.Transaction {
	m := func(v eligibility.Money) *eligibility.Money { return &v }
	tx := &eligibility.Transaction{
		Purpose: "11", Reference: "TRACE0001", Date: "20260101", Time: "0701",
		Source:   eligibility.Party{EntityCode: "PR", EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		Receiver: eligibility.Party{EntityCode: "1P", EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
	}
	for i := 0; i < n; i++ {
		tx.Subscribers = append(tx.Subscribers, eligibility.Subscriber{Member: eligibility.Member{
			Traces:   []eligibility.Trace{{Type: "2", Number: "TRACE" + strconv.Itoa(1000+i), Originator: "9000000001"}},
			LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", GroupNumber: "GRP0001",
			BirthDate: "19800101", Gender: "F", DateQual: "346", Date: "20260101",
			Benefits: []eligibility.Benefit{
				{Code: "1", CoverageLevel: "IND", ServiceTypes: []string{"30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"},
					InsuranceType: "C1", PlanDescription: "GOLD PPO", Dates: []eligibility.Date{{Qual: "291", From: "20260101", To: "20261231"}}},
				{Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: m(150000), InNetwork: "Y"},
				{Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "29", Amount: m(120000), InNetwork: "Y"},
				{Code: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: m(500000), InNetwork: "Y"},
				{Code: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "29", Amount: m(450050), InNetwork: "Y"},
				{Code: "B", CoverageLevel: "IND", ServiceTypes: []string{"98"}, TimePeriod: "27", Amount: m(2500), InNetwork: "Y", Messages: []string{"PRIMARY CARE VISIT"}},
				{Code: "A", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "27", Percent: ".2", InNetwork: "Y"},
				{Code: "F", ServiceTypes: []string{"AL"}, TimePeriod: "23", QuantityQual: "VS", Quantity: "20", InNetwork: "Y"},
			},
		}})
	}
	return tx
}

// StatusInquiry is a 276 about one claim.
func StatusInquiry() *claimstatus.Transaction {
	m := claimstatus.Money(15050)
	tx := claimstatus.Inquiry276(
		claimstatus.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"},
		claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
		claimstatus.Person{LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", BirthDate: "19800101", Gender: "F"}, nil,
		claimstatus.Claim{Trace: "STAT0001", PatientControlNumber: "PCN0001", Charge: &m, ServiceFrom: "20260101"})
	tx.Date, tx.Time = "20260120", "0900"
	return tx
}

// StatusResponse is a 277 finalizing the claim as paid.
func StatusResponse() *claimstatus.Transaction {
	paid := claimstatus.Money(7000)
	return &claimstatus.Transaction{Reference: "STATRESP01", Date: "20260120", Time: "0915",
		Payer:    claimstatus.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		Receiver: claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"},
		Providers: []claimstatus.Provider{{Party: claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
			Subscribers: []claimstatus.Subscriber{{Person: claimstatus.Person{LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001"},
				Claims: []claimstatus.Claim{{Trace: "STAT0001", PatientControlNumber: "PCN0001", PayerClaimControl: "PAYERCLM0001",
					Status: []claimstatus.Status{{Category: "F1", Code: "65", Date: "20260115", Charge: 15050, Paid: 10000,
						PaidDate: "20260115", Check: "EFT0000001"}},
					ServiceFrom: "20260101",
					Lines: []claimstatus.Line{{ProcedureQual: "HC", Procedure: "99213", Charge: 10000, Paid: &paid, Units: "1",
						Status: []claimstatus.Status{{Category: "F1", Code: "65", Date: "20260115"}}, LineControl: "LN0001", ServiceFrom: "20260101"}}}}}}}}}
}

// Sample is one named sample interchange.
type Sample struct {
	Name  string // file stem, e.g. 835-valid
	Build func() (*edi.Interchange, error)
}

// All returns every valid sample, in a fixed order.
func All() []Sample {
	return []Sample{
		{"835-valid", func() (*edi.Interchange, error) {
			return x835.Build(Env("TESTPAYER", "CLAIMFLOW", 101), Remittance())
		}},
		{"277ca-valid", func() (*edi.Interchange, error) {
			return x277ca.Build(Env("TESTCH", "CLAIMFLOW", 102), ClaimAck())
		}},
		{"270-valid", func() (*edi.Interchange, error) {
			return eligibility.BuildInquiry(Env("CLAIMFLOW", "TESTPAYER", 103), Inquiry())
		}},
		{"271-valid", func() (*edi.Interchange, error) {
			return eligibility.BuildResponse(Env("TESTPAYER", "CLAIMFLOW", 104), Response())
		}},
		{"276-valid", func() (*edi.Interchange, error) {
			return claimstatus.BuildInquiry(Env("CLAIMFLOW", "TESTPAYER", 105), StatusInquiry())
		}},
		{"277-valid", func() (*edi.Interchange, error) {
			return claimstatus.BuildResponse(Env("TESTPAYER", "CLAIMFLOW", 106), StatusResponse())
		}},
		{"999-ta1-valid", Acks},
		Claims837()[0],
		Claims837()[1],
	}
}

// Acks is a TA1 and a 999 acknowledging the 835 sample's interchange.
func Acks() (*edi.Interchange, error) {
	ic, err := x835.Build(Env("TESTPAYER", "CLAIMFLOW", 101), Remittance())
	if err != nil {
		return nil, err
	}
	rep, err := edi.ValidateBytes(Bytes(ic), nil)
	if err != nil {
		return nil, err
	}
	return edi.Acknowledge(rep.Interchanges[0], edi.AckOptions{TA1: true, Newline: "\n",
		Now: time.Date(2026, 1, 15, 13, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 107, Group: 107, Set: 1}}), nil
}

// Bytes writes an interchange.
func Bytes(ic *edi.Interchange) []byte {
	var b bytes.Buffer
	_ = edi.Write(&b, ic)
	return b.Bytes()
}
