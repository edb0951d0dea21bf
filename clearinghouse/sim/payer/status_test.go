package payer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
)

func build276(t *testing.T, pcns ...string) []byte {
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
	return buf.Bytes()
}

func inquiry276(t *testing.T, a *payer.Adjudicator, pcns ...string) *claimstatus.Transaction {
	t.Helper()
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType276, build276(t, pcns...))
	if err != nil || rep.PayloadType != clearinghouse.PayloadType277 {
		t.Fatalf("276 answered with %s %v:\n%s", rep.PayloadType, err, rep.Payload)
	}
	return read277(t, rep.Payload)
}

func read277(t *testing.T, b []byte) *claimstatus.Transaction {
	t.Helper()
	vr, err := edi.ValidateBytes(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range vr.Errors {
		t.Errorf("277 does not validate: %v", e)
	}
	ics, err := edi.ParseBytes(b)
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

// TestBatchInquiriesOverUpload: 270s and 276s uploaded as files are
// answered with a 271 and a 277 file beside the 999.
func TestBatchInquiriesOverUpload(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	a.OnUpload(context.Background(), "u1", "b.x12", build837(t, 1, batch()))
	a.Flush(t0.Add(time.Minute))
	out := a.OnUpload(context.Background(), "u1", "elig.x12", inquiry(t, "ZZ0000004", ""))
	var b271, b277 []byte
	for _, f := range out {
		if strings.Contains(f.Name, ".271.") {
			b271 = f.Body
		}
	}
	if len(out) != 2 || b271 == nil {
		t.Fatalf("270 upload answered with %v, want a 999 and a 271", names(out))
	}
	if s := read271(t, b271).Patient().Summary("30"); !s.Known || s.Active {
		t.Errorf("batch 271 for an inactive member: known %v active %v", s.Known, s.Active)
	}
	out = a.OnUpload(context.Background(), "u1", "status.x12", build276(t, "PCN0001"))
	for _, f := range out {
		if strings.Contains(f.Name, ".277.") {
			b277 = f.Body
		}
	}
	if len(out) != 2 || b277 == nil {
		t.Fatalf("276 upload answered with %v, want a 999 and a 277", names(out))
	}
	if cl := read277(t, b277).Find("PCN0001"); cl == nil || cl.Status[0].Category != "F1" {
		t.Errorf("batch 277 for PCN0001: %+v", cl)
	}
}
