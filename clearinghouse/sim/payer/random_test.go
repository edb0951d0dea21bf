package payer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi/x837p"
)

// TestRandomBatchesBalance adjudicates random claims over many uploads and
// flushes: every 835 emitted validates and balances, every accepted claim
// is paid in exactly one 835, and no rejected claim is.
func TestRandomBatchesBalance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	members := []string{"ZZ0000001", "ZZ0000002", "ZZ0000003", "ZZ0000004", "ZZ0000006", "ZZ0000009"}
	procs := []string{"99213", "87880", "99392", "97140", "36415", "70553", "99999"}
	paidIn := map[string]int{}
	n := 0
	for up := 0; up < 12; up++ {
		tx := batch()
		var subs []x837p.Subscriber
		for s := 0; s < 1+r.IntN(4); s++ {
			var claims []x837p.Claim
			for k := 0; k < 1+r.IntN(3); k++ {
				n++
				cl := claim(fmt.Sprintf("R%05d", n))
				for l := 0; l < 1+r.IntN(4); l++ {
					ln := line(procs[r.IntN(len(procs))], x837p.Money(100+r.IntN(300000)), "20260105", 1+r.IntN(2))
					if r.IntN(4) == 0 {
						ln.Modifiers = []string{"25"}
					}
					if r.IntN(5) == 0 {
						ln.Quantity = "3"
					}
					cl.Lines = append(cl.Lines, ln)
				}
				if r.IntN(5) == 0 {
					cl.Rendering = nil
				}
				if r.IntN(5) == 0 {
					cl.PriorAuthorization = ""
				}
				claims = append(claims, cl)
			}
			subs = append(subs, subscriber("DOE", "JANE", members[r.IntN(len(members))], claims...))
		}
		tx.Billing[0].Subscriber = subs
		a.OnUpload(context.Background(), "u1", "r.x12", build837(t, 100+up, tx))
		c.t = c.t.Add(time.Duration(r.IntN(3)) * time.Second)
		for _, f := range a.Flush(c.t) {
			for _, rem := range read835(t, f.File.Body) {
				for _, cp := range rem.Claims {
					paidIn[cp.PatientControlNumber]++
				}
			}
		}
	}
	for _, f := range a.Flush(c.t.Add(time.Hour)) {
		for _, rem := range read835(t, f.File.Body) {
			for _, cp := range rem.Claims {
				paidIn[cp.PatientControlNumber]++
			}
		}
	}
	for _, rec := range a.Claims() {
		want := 1
		if rec.State == "rejected" {
			want = 0
		}
		if paidIn[rec.PatientControlNumber] != want {
			t.Errorf("%s (%s) in %d 835s, want %d", rec.PatientControlNumber, rec.State, paidIn[rec.PatientControlNumber], want)
		}
	}
	if len(a.Claims()) != n {
		t.Errorf("claims remembered %d, want %d", len(a.Claims()), n)
	}
}
