package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestPostClaimPaymentsSlice posts a slice (the same claim twice, a claim
// nobody sent, remarks and codes that need quoting in an array literal,
// service lines) and posts it again: each payment once, each adjustment
// and line once, the claim's paid total once, the events recorded once
// with their codes intact, and the pages read back in order.
func TestPostClaimPaymentsSlice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	markReady(t, f, c.ID)
	if _, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100); err != nil {
		t.Fatal(err)
	}
	rid, _, err := f.s.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "EFTSLICE", FileKey: "k1",
		PaidCents: 9000, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{`N"1`, `M\15`, "MA{1,2}", ""}
	allowed := int64(9000)
	ps := []store.ClaimPaymentPost{
		{ClaimPaymentRecord: rcm.ClaimPaymentRecord{Seq: 1, PatientControl: c.PatientControlNumber, StatusCode: "1", ChargeCents: 12500,
			PaidCents: 10000, PatientRespCents: 500, PayerClaimNumber: "P1", RARCs: odd,
			Adjustments: []rcm.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 2000}, {Line: 1, Group: "PR", Reason: "2", AmountCents: 500}},
			Lines: []rcm.PaymentLine{{Line: 1, ProcedureQual: "HC", Procedure: "99213", ChargeCents: 12500, PaidCents: 10000, AllowedCents: &allowed,
				ServiceDate: "20260107", RARCs: []string{"N130"}}}},
			Event: &store.ClaimEvent{Kind: rcm.Event835, Dedup: rid + "/1", Seq: 1, Codes: odd, Summary: "first"}},
		{ClaimPaymentRecord: rcm.ClaimPaymentRecord{Seq: 2, PatientControl: "NOSUCHCLAIM", StatusCode: "4", ChargeCents: 100}},
		{ClaimPaymentRecord: rcm.ClaimPaymentRecord{Seq: 3, PatientControl: c.PatientControlNumber, StatusCode: "22", ChargeCents: -12500,
			PaidCents: -1000, PayerClaimNumber: "P1"},
			Event: &store.ClaimEvent{Kind: rcm.Event835, Dedup: rid + "/3", Seq: 3, Summary: "reversal"}},
	}
	for i := range 2 { // posted, then the slice retried after its commit
		out, err := f.s.PostClaimPayments(ctx, rid, ps, store.PostingOptions{CheckEnrollment: true, PaymentDate: "2026-01-20"})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.PostedClaimPayment{{Seq: 1, ClaimID: c.ID, Posted: i == 0}, {Seq: 2, Posted: i == 0}, {Seq: 3, ClaimID: c.ID, Posted: i == 0}}
		if !slices.Equal(out, want) {
			t.Fatalf("post %d = %+v, want %+v", i, out, want)
		}
	}
	var paid int64
	var adj, lines, work, events int
	var rarcs []string
	if err := f.s.Pool.QueryRow(ctx, `SELECT (SELECT paid_cents FROM claims WHERE id = $2),
		(SELECT count(*) FROM claim_adjustments WHERE remittance_id = $1), (SELECT count(*) FROM claim_payment_lines WHERE remittance_id = $1),
		(SELECT count(*) FROM remit_work_queue WHERE remittance_id = $1), (SELECT count(*) FROM claim_events WHERE claim_id = $2 AND kind = '835'),
		(SELECT rarcs FROM claim_payments WHERE remittance_id = $1 AND seq = 1)`, rid, c.ID).Scan(&paid, &adj, &lines, &work, &events, &rarcs); err != nil {
		t.Fatal(err)
	}
	if paid != 9000 || adj != 2 || lines != 1 || work != 1 || events != 2 || !slices.Equal(rarcs, odd) {
		t.Errorf("paid %d (want 9000 once), adjustments %d (2), lines %d (1), work items %d (1), events %d (2), rarcs %q (%q)",
			paid, adj, lines, work, events, rarcs, odd)
	}
	evs, err := f.s.ClaimEvents(ctx, store.System, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == rcm.Event835 && e.Seq == 1 && !slices.Equal(e.Codes, odd) {
			t.Errorf("event codes = %q, want %q", e.Codes, odd)
		}
	}
	era, err := f.s.ERA(ctx, f.admin, rid, "", "era")
	if err != nil {
		t.Fatal(err)
	}
	if len(era.Claims) != 3 || len(era.Claims[0].Lines) != 1 || era.Claims[0].Lines[0].Adjustments[0].Code != "PR-2" {
		t.Errorf("ERA = %+v", era.Claims)
	}

	// Read back a page at a time: the matched payments only, in order.
	page1, err := f.s.RemittancePayments(ctx, "local", "ZZPAYER1", "EFTSLICE", 0, 1)
	if err != nil || len(page1) != 1 || page1[0].Seq != 1 || len(page1[0].Adjustments) != 2 || !slices.Equal(page1[0].RARCs, odd) {
		t.Fatalf("page 1 = %+v, %v", page1, err)
	}
	page2, err := f.s.RemittancePayments(ctx, "local", "ZZPAYER1", "EFTSLICE", page1[0].Seq, 10)
	if err != nil || len(page2) != 1 || page2[0].Seq != 3 || page2[0].PaidCents != -1000 || page2[0].StatusCode != "22" {
		t.Fatalf("page 2 = %+v, %v", page2, err)
	}
	if _, err := f.s.RemittancePayments(ctx, "other", "ZZPAYER1", "EFTSLICE", 0, 10); err != store.ErrNotFound {
		t.Errorf("another account's trace = %v, want ErrNotFound", err)
	}
}
