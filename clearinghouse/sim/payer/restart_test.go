package payer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

// TestRestartEmitsNothingTwice stops the simulator after an 835 was built
// but before its delivery was confirmed, then restarts it twice from the
// state file: the same 835 (same bytes) is offered again until it is
// reported sent, never rebuilt, and a re-uploaded batch is not paid again.
func TestRestartEmitsNothingTwice(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	c := &clock{t0}
	a1 := newAdjudicator(t, file, c)
	x := build837(t, 1, batch())
	a1.OnUpload(context.Background(), "u1", "batch1.x12", x)
	first := a1.Due(t0.Add(2 * time.Second))
	if len(first) != 1 {
		t.Fatalf("Due = %d files, want 1", len(first))
	}
	// Crash: a1 is dropped without Sent.
	a2 := newAdjudicator(t, file, c)
	again := a2.Due(t0.Add(time.Hour))
	if len(again) != 1 || again[0].File.Name != first[0].File.Name || !bytes.Equal(again[0].File.Body, first[0].File.Body) {
		t.Fatalf("after restart Due = %d files, want the same 835 again", len(again))
	}
	a2.Sent(again)
	a3 := newAdjudicator(t, file, c)
	if f := a3.Due(t0.Add(2 * time.Hour)); len(f) != 0 {
		t.Fatalf("after Sent and restart Due = %d files, want none", len(f))
	}
	if got := len(a3.Claims()); got != 10 {
		t.Errorf("claims remembered = %d, want 10", got)
	}

	// The same batch again, a day later: accepted claims are duplicates
	// (CO-18, nothing paid); the rejected ones are rejected again.
	c.t = t0.Add(24 * time.Hour)
	out := kinds(a3.OnUpload(context.Background(), "u1", "batch1-again.x12", x))
	ack := read277CA(t, out["277ca"])
	if ca := ack.Find("PCN0001"); ca == nil || !ca.Accepted() || ca.PayerClaimControl != "TPCLM0000000008" {
		t.Errorf("re-sent PCN0001 acknowledgment = %+v, want accepted with a new REF*1K", ca)
	}
	files := a3.Due(c.t.Add(2 * time.Second))
	if len(files) != 1 {
		t.Fatalf("Due = %d files, want 1", len(files))
	}
	rs := read835(t, files[0].File.Body)
	var paid x835.Money
	for _, cp := range rs[0].Claims {
		paid += cp.Paid
		if cp.Status != "4" || len(cp.Adjustments) != 1 || cp.Adjustments[0].Reason != "18" || cp.Adjustments[0].Amount != cp.Charge {
			t.Errorf("%s: CLP02 %s CAS %+v, want a CO-18 denial of the whole charge", cp.PatientControlNumber, cp.Status, cp.Adjustments)
		}
	}
	if paid != 0 || len(rs[0].Claims) != 7 {
		t.Errorf("re-sent batch paid %v over %d claims, want 0 over 7", paid, len(rs[0].Claims))
	}
	// The second 835 built carries the L6 interest PLB (every 2nd).
	if adj := rs[0].Adjustments; len(adj) != 1 || adj[0].Reason != "L6" || adj[0].Amount != -250 || rs[0].Payment.Amount != 250 {
		t.Errorf("PLB %+v BPR02 %v, want L6 -2.50 and 2.50", adj, rs[0].Payment.Amount)
	}
	a3.Sent(files)
	// The state file holds no undelivered 835 and every claim settled.
	a4 := newAdjudicator(t, file, c)
	for _, r := range a4.Claims() {
		if r.State == payer.Pending {
			t.Errorf("%s still pending", r.PatientControlNumber)
		}
	}
}

// TestProviderAdjustments: every 2nd 835 gets interest (L6, negative:
// adds to the payment), every 3rd a forwarding balance (FB, positive:
// withheld); each stays balanced.
func TestProviderAdjustments(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	want := []struct {
		plb     []string
		payment x835.Money
	}{{nil, 9000}, {[]string{"L6"}, 9250}, {[]string{"FB"}, 8000}, {[]string{"L6"}, 9250}, {nil, 9000}, {[]string{"L6", "FB"}, 8250}}
	for i, w := range want {
		sb := subscriber("MOE", "SAM", "ZZ0000006", claim("PLB000"+string(rune('1'+i)), line("99213", 9000, "20260105")))
		tx := batch()
		tx.Billing[0].Subscriber = []x837p.Subscriber{sb}
		a.OnUpload(context.Background(), "u1", "b.x12", build837(t, 10+i, tx))
		c.t = c.t.Add(time.Minute)
		files := a.Flush(c.t)
		if len(files) != 1 {
			t.Fatalf("835 %d: %d files", i+1, len(files))
		}
		r := read835(t, files[0].File.Body)[0]
		var reasons []string
		for _, p := range r.Adjustments {
			reasons = append(reasons, p.Reason)
		}
		if strings.Join(reasons, ",") != strings.Join(w.plb, ",") || r.Payment.Amount != w.payment {
			t.Errorf("835 %d: PLB %v BPR02 %v, want %v %v", i+1, reasons, r.Payment.Amount, w.plb, w.payment)
		}
	}
}
