package payer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi/x837p"
)

// TestBrokenEnvelopeTA1Only: an interchange whose envelope is broken gets
// a TA1 and nothing else, now or later.
func TestBrokenEnvelopeTA1Only(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	x := build837(t, 1, batch())
	for name, body := range map[string][]byte{
		"bad ISA12":      bytes.Replace(x, []byte("*00501*"), []byte("*0501*"), 1),
		"no IEA":         x[:bytes.LastIndex(x, []byte("IEA*"))],
		"not X12 at all": []byte("hello"),
	} {
		out := a.OnUpload(context.Background(), "u1", "broken.x12", body)
		k := kinds(out)
		if len(out) != 1 || k["ta1"] == nil || !bytes.Contains(k["ta1"], []byte("TA1*")) {
			t.Errorf("%s: answers %v, want one TA1 file", name, names(out))
		}
	}
	if f := a.Due(t0.Add(time.Hour)); len(f) != 0 || len(a.Claims()) != 0 {
		t.Errorf("Due = %d files, %d claims remembered; want none", len(f), len(a.Claims()))
	}
}

// TestRejectedSetGetsNo277CA: of two transaction sets, the one the 999
// rejects gets no 277CA; the other one does.
func TestRejectedSetGetsNo277CA(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	good := batch()
	bad := batch()
	bad.Header.Reference = "BATCH0002"
	bad.Billing[0].Subscriber = []x837p.Subscriber{subscriber("DOE", "JANE", "ZZ0000001", claim("BAD0001", line("99213", 15000, "20260105")))}
	x := build837(t, 1, good, bad)
	// Break the second set's claim total (CLM02 no longer the line sum).
	x = bytes.Replace(x, []byte("CLM*BAD0001*150"), []byte("CLM*BAD0001*999"), 1)
	k := kinds(a.OnUpload(context.Background(), "u1", "two.x12", x))
	if !bytes.Contains(k["999"], []byte("IK5*R")) || !bytes.Contains(k["999"], []byte("AK9*P*2*2*1")) {
		t.Fatalf("999 does not reject one set of two:\n%s", k["999"])
	}
	ack := read277CA(t, k["277ca"])
	if ack.Receivers[0].Trace != "BATCH0001" || ack.Find("BAD0001") != nil || ack.Find("PCN0001") == nil {
		t.Errorf("277CA for %s, want only the accepted set BATCH0001", ack.Receivers[0].Trace)
	}
}
