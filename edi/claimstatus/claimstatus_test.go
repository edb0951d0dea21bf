package claimstatus_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
)

var env = claimstatus.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "TESTPAYER", Usage: "T",
	Time: time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 41, Group: 41, Set: 1}}

func money(m claimstatus.Money) *claimstatus.Money { return &m }

var (
	payer    = claimstatus.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"}
	receiver = claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"}
	provider = claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"}
)

func roundTrip(t *testing.T, resp bool, want *claimstatus.Transaction) *claimstatus.Transaction {
	t.Helper()
	build := claimstatus.BuildInquiry
	if resp {
		build = claimstatus.BuildResponse
	}
	ic, err := build(env, want)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := edi.ValidateBytes(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("validate: %v", e)
	}
	ics, err := edi.ParseBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	txs, err := claimstatus.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	w := *want
	w.ControlNumber = "0001"
	if w.Date == "" {
		w.Date, w.Time = "20260120", "0900"
	}
	if !reflect.DeepEqual(txs[0], &w) {
		t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v", txs[0], &w)
	}
	return txs[0]
}

func TestInquiry(t *testing.T) {
	sub := claimstatus.Person{LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", BirthDate: "19800101", Gender: "F"}
	claim := claimstatus.Claim{Trace: "STAT0001", PatientControlNumber: "PCN0001", Charge: money(15050), ServiceFrom: "20260101",
		Lines: []claimstatus.Line{{ProcedureQual: "HC", Procedure: "99213", Modifiers: []string{"25"}, Charge: 10000, Units: "1", LineControl: "LN0001", ServiceFrom: "20260101"}}}
	t.Run("subscriber is patient", func(t *testing.T) {
		roundTrip(t, false, claimstatus.Inquiry276(payer, receiver, provider, sub, nil, claim))
	})
	t.Run("dependent", func(t *testing.T) {
		dep := claimstatus.Person{LastName: "ROE", FirstName: "BABY", BirthDate: "20200101", Gender: "M"}
		c := claim
		c.Lines = nil
		c.ServiceTo = "20260103"
		roundTrip(t, false, claimstatus.Inquiry276(payer, receiver, provider, sub, &dep, c))
	})
}

func TestResponse(t *testing.T) {
	tx := &claimstatus.Transaction{Reference: "STATRESP01", Date: "20260120", Time: "0915", Payer: payer, Receiver: receiver,
		Providers: []claimstatus.Provider{{Party: provider, Subscribers: []claimstatus.Subscriber{
			{Person: claimstatus.Person{LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001"},
				Claims: []claimstatus.Claim{{Trace: "STAT0001", PatientControlNumber: "PCN0001", PayerClaimControl: "PAYERCLM0001",
					Status: []claimstatus.Status{{Category: "F1", Code: "65", Date: "20260115", Charge: 15050, Paid: 10000,
						PaidDate: "20260115", Check: "EFT0000001"}},
					ServiceFrom: "20260101",
					Lines: []claimstatus.Line{{ProcedureQual: "HC", Procedure: "99213", Charge: 10000, Paid: money(7000), Units: "1",
						Status: []claimstatus.Status{{Category: "F1", Code: "65", Date: "20260115"}}, LineControl: "LN0001", ServiceFrom: "20260101"}}}}},
			{Person: claimstatus.Person{LastName: "ROE", FirstName: "RICHARD", MemberID: "ZZ0000002"},
				Dependents: []claimstatus.Dependent{{Person: claimstatus.Person{LastName: "ROE", FirstName: "BABY"},
					Claims: []claimstatus.Claim{{Trace: "STAT0002", PatientControlNumber: "PCN0002",
						Status:      []claimstatus.Status{{Category: "P1", Code: "20", Date: "20260118", Charge: 15000}, {Category: "R1", Code: "21", Entity: "QC", Date: "20260118"}},
						ServiceFrom: "20260102", ServiceTo: "20260103"}}}}},
		}}}}
	got := roundTrip(t, true, tx)
	if c := got.Find("PCN0001"); c == nil || c.Status[0].Category != "F1" || c.Status[0].Paid != 10000 || c.PayerClaimControl != "PAYERCLM0001" {
		t.Errorf("Find(PCN0001) = %+v", c)
	}
	if c := got.Find("STAT0002"); c == nil || len(c.Status) != 2 || c.Status[1].Entity != "QC" {
		t.Errorf("Find(STAT0002) = %+v", c)
	}
	if n := len(got.Claims()); n != 2 {
		t.Errorf("Claims() = %d, want 2", n)
	}
}
