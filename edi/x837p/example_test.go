package x837p_test

import (
	"fmt"
	"os"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x837p"
)

func ExampleBuild() {
	tx := &x837p.Transaction{
		Header:    x837p.Header{Reference: "BATCH0001", Date: "20260101", Time: "1200"},
		Submitter: x837p.Submitter{Name: "CLAIMFLOW TEST CLINIC", ID: "CF0000001", Phone: "5555550100"},
		Receiver:  x837p.Receiver{Name: "TEST PAYER", ID: "TP0000001"},
		Billing: []x837p.BillingProvider{{
			Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893", TaxID: "990000001",
			Address: x837p.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"},
			Subscriber: []x837p.Subscriber{{
				Responsibility: "P", Relationship: "18", FilingCode: "CI",
				LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001",
				Address:   &x837p.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
				BirthDate: "19800101", Gender: "F",
				Payer: x837p.Payer{Name: "TEST PAYER", ID: "TP0000001"},
				Claims: []x837p.Claim{{
					PatientControlNumber: "PCN0001", FacilityCode: "11", Diagnoses: []string{"J06.9"},
					Lines: []x837p.ServiceLine{{Procedure: "99213", Charge: 10000, ServiceDate: "20260101"}},
				}},
			}},
		}},
	}
	ic, err := x837p.Build(x837p.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "TESTPAYER", Usage: "T", Newline: "\n",
		Time: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 1, Group: 1, Set: 1}}, tx)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = edi.Write(os.Stdout, ic)
	// Output:
	// ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000001*0*T*:~
	// GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1~
	// ST*837*0001*005010X222A1~
	// BHT*0019*00*BATCH0001*20260101*1200*CH~
	// NM1*41*2*CLAIMFLOW TEST CLINIC*****46*CF0000001~
	// PER*IC**TE*5555550100~
	// NM1*40*2*TEST PAYER*****46*TP0000001~
	// HL*1**20*1~
	// NM1*85*2*CLAIMFLOW TEST CLINIC*****XX*1234567893~
	// N3*100 MAIN STREET~
	// N4*ANYTOWN*NY*100010000~
	// REF*EI*990000001~
	// HL*2*1*22*0~
	// SBR*P*18*******CI~
	// NM1*IL*1*DOE*JANE****MI*ZZ0000001~
	// N3*1 TEST LANE~
	// N4*ANYTOWN*NY*100010000~
	// DMG*D8*19800101*F~
	// NM1*PR*2*TEST PAYER*****PI*TP0000001~
	// CLM*PCN0001*100***11:B:1*Y*A*Y*Y~
	// HI*ABK:J069~
	// LX*1~
	// SV1*HC:99213*100*UN*1***1~
	// DTP*472*D8*20260101~
	// SE*23*0001~
	// GE*1*1~
	// IEA*1*000000001~
}
