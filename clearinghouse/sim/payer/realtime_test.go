package payer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
)

var prov = eligibility.Provider{Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893"}

func inquiry(t *testing.T, memberID, relationship string) []byte {
	t.Helper()
	cov := eligibility.Coverage{PayerName: "TEST PAYER", PayerID: "TP0000001", MemberID: memberID, Relationship: relationship,
		Subscriber: eligibility.Person{LastName: "ROE", FirstName: "RICHARD", BirthDate: "19800101", Gender: "M"}}
	tx := eligibility.Inquiry270("TRACE"+memberID, "9000000001", cov, eligibility.Person{LastName: "DOE", FirstName: "JANE", BirthDate: "19800101", Gender: "F"},
		prov, "20260110")
	tx.RealTime = true
	ic, err := eligibility.BuildInquiry(eligibility.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Usage: "T", Time: t0,
		Control: edi.Control{Interchange: 5, Group: 5, Set: 1}}, tx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func read271(t *testing.T, b []byte) *eligibility.Transaction {
	t.Helper()
	rep, err := edi.ValidateBytes(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("271 does not validate: %v", e)
	}
	ics, err := edi.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := eligibility.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("271 sets = %d, %v", len(txs), err)
	}
	return txs[0]
}

func TestRealTime271(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	money := func(m eligibility.Money) *eligibility.Money { return &m }
	for _, tc := range []struct {
		name, member, rel string
		active, known     bool
		reject            string
		deductible, left  *eligibility.Money
		coins             string
		copay             *eligibility.Money
	}{
		{name: "active", member: "ZZ0000001", active: true, known: true, deductible: money(100000), left: money(5000), coins: ".2"},
		{name: "active dependent with co-pay", member: "ZZ0000002", rel: "19", active: true, known: true, deductible: money(50000), left: money(0), coins: "0", copay: money(2500)},
		{name: "inactive", member: "ZZ0000004", known: true},
		{name: "not found", member: "ZZ0000009", reject: "75"},
		{name: "invalid member ID", member: "ZZ0000005", reject: "72"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType270, inquiry(t, tc.member, tc.rel))
			if err != nil {
				t.Fatal(err)
			}
			if rep.PayloadType != clearinghouse.PayloadType271 {
				t.Fatalf("payload type %s, want 271:\n%s", rep.PayloadType, rep.Payload)
			}
			tx := read271(t, rep.Payload)
			if tx.Reference != "TRACE"+tc.member {
				t.Errorf("BHT03 = %s, want the 270's", tx.Reference)
			}
			p := tx.Patient()
			if p == nil {
				t.Fatal("no patient level")
			}
			if len(p.Traces) == 0 || p.Traces[0].Type != "2" || p.Traces[0].Number != "TRACE"+tc.member {
				t.Errorf("TRN = %+v, want the 270's trace echoed as type 2", p.Traces)
			}
			rej := tx.Rejections()
			if tc.reject != "" {
				if len(rej) != 1 || rej[0].Reason != tc.reject || rej[0].Valid != "N" {
					t.Errorf("AAA = %+v, want N %s", rej, tc.reject)
				}
				return
			}
			if len(rej) != 0 {
				t.Errorf("AAA = %+v, want none", rej)
			}
			s := p.Summary("30")
			if s.Known != tc.known || s.Active != tc.active {
				t.Errorf("known %v active %v, want %v %v", s.Known, s.Active, tc.known, tc.active)
			}
			if !tc.active {
				return
			}
			eq := func(a, b *eligibility.Money) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			if !eq(s.Deductible, tc.deductible) || !eq(s.DeductibleRemaining, tc.left) || s.CoInsurance != tc.coins || !eq(s.CoPay, tc.copay) {
				t.Errorf("deductible %v left %v co-insurance %q co-pay %v, want %v %v %q %v", s.Deductible, s.DeductibleRemaining,
					s.CoInsurance, s.CoPay, tc.deductible, tc.left, tc.coins, tc.copay)
			}
		})
	}
	// A broken request gets the 999.
	bad := bytes.Replace(inquiry(t, "ZZ0000001", ""), []byte("EQ*30"), []byte("EQ*ZZZ9"), 1)
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType270, bad)
	if err != nil || rep.PayloadType != clearinghouse.PayloadType999 || !bytes.Contains(rep.Payload, []byte("IK5*R")) {
		t.Errorf("broken 270: %s %v\n%s", rep.PayloadType, err, rep.Payload)
	}
}

// TestDeductibleUsedUpShowsIn271: after a claim used the deductible, the
// 271 reports what remains.
func TestDeductibleUsedUpShowsIn271(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	a.OnUpload(context.Background(), "u1", "b.x12", build837(t, 1, batch()))
	c.t = t0.Add(time.Minute)
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType270, inquiry(t, "ZZ0000001", ""))
	if err != nil {
		t.Fatal(err)
	}
	s := read271(t, rep.Payload).Patient().Summary("30")
	if s.DeductibleRemaining == nil || *s.DeductibleRemaining != 0 {
		t.Errorf("deductible remaining %v, want 0 after PCN0001", s.DeductibleRemaining)
	}
}
