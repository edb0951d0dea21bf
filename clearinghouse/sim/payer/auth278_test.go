package payer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x278"
)

func request278(t *testing.T, member, trace, code string) []byte {
	t.Helper()
	tx := &x278.Transaction{Reference: trace,
		UMO:        x278.Party{Name: "TEST PAYER", ID: "TP0000001"},
		Requester:  x278.Party{EntityType: "1", Name: "TESTDOC", FirstName: "ONE", ID: "1234567893"},
		Subscriber: x278.Member{LastName: "DOE", FirstName: "JANE", MemberID: member, BirthDate: "19800101", Gender: "F"},
		Event: x278.Event{Trace: trace, Originator: "1999999999", Diagnoses: []string{"M5450"}, EventDates: x278.Dates{From: "20260301", To: "20260531"},
			Services: []x278.Service{{Trace: trace + "-1", Originator: "1999999999", Dates: x278.Dates{From: "20260301", To: "20260531"},
				Procedure: code, Unit: "UN", Quantity: "3"}}}}
	ic, err := x278.BuildRequest(x278.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIM", Time: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)}, tx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ask278(t *testing.T, a *payer.Adjudicator, body []byte, trace string) x278.Outcome {
	t.Helper()
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType278, body)
	if err != nil || rep.PayloadType != clearinghouse.PayloadType278Response {
		t.Fatalf("RealTime = %q, %v", rep.PayloadType, err)
	}
	v, err := snip.ValidateBytes(rep.Payload, snip.Options{Level: snip.Strict})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Errors {
		t.Errorf("278 response fails SNIP 5: %v", e)
	}
	ics, err := edi.ParseBytes(rep.Payload)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := x278.ReadAll(ics)
	if err != nil || len(txs) != 1 || txs[0].Event.Trace != trace {
		t.Fatalf("ReadAll = %d sets, %v", len(txs), err)
	}
	return txs[0].Result()
}

// TestAnswer278 plays the sample rules: approve with a number, capped
// dates and units; deny; pend then approve on the follow-up; an unknown
// member rejected with AAA 75.
func TestAnswer278(t *testing.T) {
	cfg, err := payer.LoadConfig("rules.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := payer.New(cfg, payer.Options{Now: func() time.Time { return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	got := ask278(t, a, request278(t, "ZZ0000001", "PATRACE1", "70553"), "PATRACE1")
	if got.Action != "A1" || got.Number == "" || got.From != "20260301" || got.To != "20260429" || got.Units != "1" {
		t.Errorf("imaging = %+v; want A1 with a number, 20260301-20260429 (60 days), 1 unit", got)
	}
	if again := ask278(t, a, request278(t, "ZZ0000001", "PATRACE1", "70553"), "PATRACE1"); again.Number != got.Number {
		t.Errorf("the same review got another number: %q then %q", got.Number, again.Number)
	}
	if got := ask278(t, a, request278(t, "ZZ0000001", "PATRACE2", "22867"), "PATRACE2"); got.Action != "A3" || got.Reason != "35" || got.Number != "" {
		t.Errorf("experimental = %+v; want A3 reason 35 without a number", got)
	}
	if got := ask278(t, a, request278(t, "ZZ0000001", "PATRACE3", "72148"), "PATRACE3"); got.Action != "A4" {
		t.Errorf("lumbar MRI first ask = %+v; want pended (A4)", got)
	}
	if got := ask278(t, a, request278(t, "ZZ0000001", "PATRACE3", "72148"), "PATRACE3"); got.Action != "A1" || got.Units != "3" || got.To != "20260531" {
		t.Errorf("lumbar MRI follow-up = %+v; want A1 for 3 units to 20260531", got)
	}
	if got := ask278(t, a, request278(t, "ZZ0000009", "PATRACE4", "99213"), "PATRACE4"); got.Action != "" || len(got.Rejected) != 1 || got.Rejected[0] != "75" {
		t.Errorf("unknown member = %+v; want AAA 75 and no decision", got)
	}
}
