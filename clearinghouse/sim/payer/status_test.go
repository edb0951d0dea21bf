package payer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
)

func inquiry276(t *testing.T, a *payer.Adjudicator, pcns ...string) *claimstatus.Transaction {
	t.Helper()
	py := claimstatus.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"}
	rcv := claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"}
	pv := claimstatus.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"}
	var claims []claimstatus.Claim
	for _, p := range pcns {
		claims = append(claims, claimstatus.Claim{Trace: "ST" + p, PatientControlNumber: p, ServiceFrom: "20260105"})
	}
	tx := claimstatus.Inquiry276(py, rcv, pv, claimstatus.Person{LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001",
		BirthDate: "19800101", Gender: "F"}, nil, claims...)
	tx.Reference = "INQ0001"
	ic, err := claimstatus.BuildInquiry(claimstatus.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Usage: "T", Time: t0,
		Control: edi.Control{Interchange: 9, Group: 9, Set: 1}}, tx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType276, buf.Bytes())
	if err != nil || rep.PayloadType != clearinghouse.PayloadType277 {
		t.Fatalf("276 answered with %s %v:\n%s", rep.PayloadType, err, rep.Payload)
	}
	vr, err := edi.ValidateBytes(rep.Payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range vr.Errors {
		t.Errorf("277 does not validate: %v", e)
	}
	ics, err := edi.ParseBytes(rep.Payload)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := claimstatus.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("277 sets = %d, %v", len(txs), err)
	}
	return txs[0]
}

func TestRealTime277(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	a.OnUpload(context.Background(), "u1", "b.x12", build837(t, 1, batch()))
	type st struct {
		cat, code string
		paid      payer.Money
		trace     string
	}
	check := func(resp *claimstatus.Transaction, want map[string]st) {
		t.Helper()
		for pcn, w := range want {
			cl := resp.Find(pcn)
			if cl == nil || len(cl.Status) == 0 {
				t.Errorf("277 has no status for %s", pcn)
				continue
			}
			s := cl.Status[0]
			if got := (st{s.Category, s.Code, s.Paid, s.Check}); got != w {
				t.Errorf("%s: STC %+v, want %+v", pcn, got, w)
			}
		}
	}
	c.t = t0.Add(time.Second)
	check(inquiry276(t, a, "PCN0001", "PCN0008", "NOSUCH"), map[string]st{
		"PCN0001": {"P1", "20", 0, ""}, "PCN0008": {"A3", "33", 0, ""}, "NOSUCH": {"A4", "35", 0, ""}})
	a.Flush(t0.Add(time.Minute))
	check(inquiry276(t, a, "PCN0001", "PCN0002", "PCN0006"), map[string]st{
		"PCN0001": {"F1", "65", 4800, "TPEFT000000001"}, "PCN0002": {"F2", "1", 0, "TPEFT000000001"},
		"PCN0006": {"F1", "65", 4050, "TPEFT000000001"}})
}
