package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// newClaim makes a claim (coverage, encounter with two lines, claim) for
// patient A in the records fixture.
func newClaim(t *testing.T, f *fixture) store.Claim {
	t.Helper()
	ctx := context.Background()
	if _, err := f.s.CreateCoverage(ctx, f.admin, store.Coverage{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	enc, err := f.s.CreateEncounter(ctx, f.admin, store.Encounter{PatientID: f.patientA.ID, ProviderID: f.provA.ID, DateOfService: "2030-01-07",
		PlaceOfService: "11", Diagnoses: []string{"Z00.00"},
		Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 12500}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.s.CreateClaim(ctx, f.admin, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// markReady records what the claim workflow records before a claim can be
// batched: scrubbing, then ready.
func markReady(t *testing.T, f *fixture, id string) {
	t.Helper()
	for i, st := range []string{"scrubbing", "ready"} {
		if err := f.s.RecordClaimProgress(context.Background(), store.ClaimProgress{ClaimID: id, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func claimStatus(t *testing.T, f *fixture, id string) store.Claim {
	t.Helper()
	c, err := f.s.GetClaim(context.Background(), f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRecordClaimProgressIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	at := time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC)
	steps := []store.ClaimProgress{
		{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "scrubbing", At: at},
		{ClaimID: c.ID, Attempt: 1, Seq: 2, Status: "ready", At: at},
		{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "scrubbing", At: at}, // a retried local activity
	}
	for _, p := range steps {
		if err := f.s.RecordClaimProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got := claimStatus(t, f, c.ID)
	if got.Status != "ready" {
		t.Errorf("status = %s, want ready (a repeated earlier step must not move it back)", got.Status)
	}
	n := 0
	for _, h := range got.History {
		if h.Status == "scrubbing" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("scrubbing recorded %d times, want 1: %+v", n, got.History)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: "00000000-0000-0000-0000-000000000000", Attempt: 1, Seq: 1, Status: "x", At: at}); err == nil {
		t.Error("progress for a missing claim succeeded")
	}
}

// TestRecordClaimProgressChecksTheLifecycle: a move the rcm lifecycle
// refuses from the stored status writes nothing (neither status nor
// history); a staff decision's change records the staff member.
func TestRecordClaimProgressChecksTheLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	at := time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC)
	err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "submitted", At: at})
	var ite *rcm.IllegalTransitionError
	if !errors.As(err, &ite) || ite.From != rcm.StatusDraft || ite.To != rcm.StatusSubmitted {
		t.Fatalf("draft -> submitted: %v, want an illegal transition", err)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "sent", At: at}); !errors.Is(err, rcm.ErrIllegalTransition) {
		t.Fatalf("unknown status: %v", err)
	}
	if got := claimStatus(t, f, c.ID); got.Status != "draft" || len(got.History) != 1 {
		t.Fatalf("after refused moves: %s %+v, want draft with its creation only", got.Status, got.History)
	}
	markReady(t, f, c.ID)
	// The batch run reserves it (its status stays ready); a hold decided on
	// the workflow's view is refused: for the check the claim is batched.
	if _, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100); err != nil {
		t.Fatal(err)
	}
	err = f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 3, Status: "on_hold", At: at, ActorID: f.admin.UserID})
	if !errors.As(err, &ite) || ite.From != rcm.StatusBatched {
		t.Fatalf("batched -> on_hold: %v, want refused", err)
	}
	for i, st := range []string{"submitted", "submitted", "acknowledged", "rejected"} { // a note keeps the status
		if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 3 + i, Status: st, At: at}); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	void := store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 7, Status: "voided", Note: "void by staff", At: at, ActorID: f.admin.UserID}
	if err := f.s.RecordClaimProgress(ctx, void); err != nil {
		t.Fatal(err)
	}
	got := claimStatus(t, f, c.ID)
	last := got.History[len(got.History)-1]
	if got.Status != "voided" || last.Status != "voided" || last.ActorID != f.admin.UserID || last.Reason != "void by staff" {
		t.Errorf("after the void: %s, last history %+v", got.Status, last)
	}
	// A user name that is not a user ID stays in the note only.
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 8, Status: "voided", Note: "x", At: at, ActorID: "biller1"}); err != nil {
		t.Fatalf("non-ID actor: %v", err)
	}
}

func TestReserveBatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	markReady(t, f, c.ID)
	b1, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(b1) != 1 || len(b1[0].Claims) != 1 || b1[0].Claims[0].ClaimID != c.ID || len(b1[0].ISA13) != 9 || b1[0].Claims[0].ST02 != "0001" {
		t.Fatalf("batches = %+v", b1)
	}
	// The same run again (a retried activity) gets the same batch.
	again, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100)
	if err != nil || len(again) != 1 || again[0].ID != b1[0].ID || again[0].ISA13 != b1[0].ISA13 {
		t.Fatalf("retry = %+v, %v; want the same batch", again, err)
	}
	// Another run finds nothing to take: the claim is reserved. Its status
	// is still ready: only its workflow writes status (submitted, next).
	other, err := f.s.ReserveBatches(ctx, "local", "batch/local/run2", 100)
	if err != nil || len(other) != 0 {
		t.Fatalf("second run = %+v, %v; want none", other, err)
	}
	if got := claimStatus(t, f, c.ID).Status; got != "ready" {
		t.Errorf("status = %s, want ready (the reservation writes no status)", got)
	}
	id, claims, err := f.s.BatchClaimsByControl(ctx, "local", b1[0].ISA13)
	if err != nil || id != b1[0].ID || len(claims) != 1 || claims[0] != c.ID {
		t.Errorf("by control = %s %v %v", id, claims, err)
	}
}

func TestPostingIsExactlyOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	// The claim goes out through the account "local"; the 835 comes back
	// through it.
	markReady(t, f, c.ID)
	if _, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100); err != nil {
		t.Fatal(err)
	}
	r := store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "EFT000001", FileKey: "k1", PaidCents: 10000, Balanced: true}
	rid, existed, err := f.s.PutRemittance(ctx, r)
	if err != nil || existed {
		t.Fatalf("first put: %v existed=%v", err, existed)
	}
	pay := store.ClaimPaymentRecord{Seq: 1, PatientControl: c.PatientControlNumber, StatusCode: "1", ChargeCents: 12500, PaidCents: 10000,
		PatientRespCents: 500, Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 2000}, {Group: "PR", Reason: "2", AmountCents: 500}}}
	unmatched := store.ClaimPaymentRecord{Seq: 2, PatientControl: "NOSUCHCLAIM", StatusCode: "1", ChargeCents: 100, PaidCents: 0}
	for i := range 3 { // first delivery, a retry, and a re-delivered file
		r2, existed, err := f.s.PutRemittance(ctx, r)
		if err != nil || r2 != rid || existed != true {
			t.Fatalf("put %d: %s %v %v", i, r2, existed, err)
		}
		cid, posted, err := f.s.PostClaimPayment(ctx, rid, pay)
		if err != nil || cid != c.ID || posted != (i == 0) {
			t.Fatalf("post %d: claim %q posted %v err %v", i, cid, posted, err)
		}
		cid, _, err = f.s.PostClaimPayment(ctx, rid, unmatched)
		if err != nil || cid != "" {
			t.Fatalf("unmatched %d: %q %v", i, cid, err)
		}
	}
	var paid int64
	if err := f.s.Pool.QueryRow(ctx, "SELECT paid_cents FROM claims WHERE id = $1", c.ID).Scan(&paid); err != nil || paid != 10000 {
		t.Errorf("claim paid = %d (%v), want 10000 once", paid, err)
	}
	var adj, queue int
	_ = f.s.Pool.QueryRow(ctx, "SELECT count(*) FROM claim_adjustments WHERE remittance_id = $1", rid).Scan(&adj)
	_ = f.s.Pool.QueryRow(ctx, "SELECT count(*) FROM remit_work_queue WHERE remittance_id = $1 AND kind = 'unmatched_claim'", rid).Scan(&queue)
	if adj != 2 || queue != 1 {
		t.Errorf("adjustments = %d (want 2), unmatched queue = %d (want 1)", adj, queue)
	}

	// EFT: no deposit yet → queued; once staff enter the deposit (its
	// reference is the trace number) → reconciled, the item resolved, and
	// posting's reconciliation again (a retry) changes nothing.
	ok, err := f.s.ReconcileEFT(ctx, rid)
	if err != nil || ok {
		t.Fatalf("reconcile before deposit = %v, %v", ok, err)
	}
	eftItem := func() (status string, reconciled bool) {
		t.Helper()
		if err := f.s.Pool.QueryRow(ctx, `SELECT q.status, r.eft_reconciled FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
			WHERE q.remittance_id = $1 AND q.kind = 'eft_unreconciled'`, rid).Scan(&status, &reconciled); err != nil {
			t.Fatal(err)
		}
		return status, reconciled
	}
	if st, rec := eftItem(); st != "open" || rec {
		t.Fatalf("before deposit: item %s, reconciled %v; want open, false", st, rec)
	}
	d, err := f.s.CreateDeposit(ctx, f.admin, rcm.Deposit{OrgID: f.facA.ID, AmountCents: r.PaidCents, DepositedOn: "2030-01-10",
		Reference: r.TraceNumber})
	if err != nil || d.Status != "matched" {
		t.Fatalf("deposit = %+v, %v; want matched", d, err)
	}
	if st, rec := eftItem(); st != "resolved" || !rec {
		t.Errorf("after deposit: item %s, reconciled %v; want resolved, true", st, rec)
	}
	if ok, err := f.s.ReconcileEFT(ctx, rid); err != nil || !ok {
		t.Fatalf("reconcile after deposit = %v, %v", ok, err)
	}
	// A deposit of another amount under another reference, matched by
	// hand instead: not reconciled, the item open again.
	if _, err := f.s.MatchDeposit(ctx, f.admin, d.ID, rid, false); err != nil {
		t.Fatal(err)
	}
	d2, err := f.s.CreateDeposit(ctx, f.admin, rcm.Deposit{OrgID: f.facA.ID, AmountCents: r.PaidCents + 1, DepositedOn: "2030-01-11",
		Reference: "ZZBANKREF"})
	if err != nil {
		t.Fatal(err)
	}
	if d2, err = f.s.MatchDeposit(ctx, f.admin, d2.ID, rid, true); err != nil || d2.Status != "mismatch" {
		t.Fatalf("hand match = %+v, %v; want a mismatch", d2, err)
	}
	if ok, err := f.s.ReconcileEFT(ctx, rid); err != nil || ok {
		t.Errorf("a different amount reconciled: %v %v", ok, err)
	}
	if st, rec := eftItem(); st != "open" || rec {
		t.Errorf("mismatched deposit: item %s, reconciled %v; want open, false", st, rec)
	}
}

// TestBillingProfileNotInheritedSilently (issue 16, item 2): this test used
// to require that a facility bill under its health system's profile; now
// it gets none until staff choose to inherit (store/practice_test.go).
func TestBillingProfileNotInheritedSilently(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bp := store.BillingProfile{OrgID: f.root.ID, Name: "TEST HEALTH SYSTEM BILLING", NPI: "1245319599", TaxID: "000000001",
		AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "ZZ", Zip: "00001", SubmitterID: "ZZSUBMIT1", ContactName: "BILLING OFFICE", ContactPhone: "5550100000"}
	if err := f.s.PutBillingProfile(ctx, bp); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.BillingProfileFor(ctx, f.root.ID); err != nil || got.Name != bp.Name {
		t.Fatalf("profile for the system = %+v, %v; want its own", got, err)
	}
	if got, err := f.s.BillingProfileFor(ctx, f.facA.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("profile for facility = %+v, %v; want none (the system's only when it inherits explicitly)", got, err)
	}
	bad := bp
	bad.NPI = "1234567890"
	var ve *store.ValidationError
	if err := f.s.PutBillingProfile(ctx, bad); !errors.As(err, &ve) {
		t.Errorf("bad NPI accepted: %v", err)
	}
}

// TestPaymentsMatchOnlyClaimsSentThroughTheirAccount (issue 14, finding 1):
// an 835 is attributed by the trading-partner account it came through, not
// by the payer ID or the control number it carries. The same CLM01
// arriving through another account matches nothing, and its unmatched
// payment belongs to that account's organisations, not the claim's.
func TestPaymentsMatchOnlyClaimsSentThroughTheirAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	markReady(t, f, c.ID)
	if _, err := f.s.ReserveBatches(ctx, "local", "batch/local/run1", 100); err != nil {
		t.Fatal(err)
	}
	pay := store.ClaimPaymentRecord{Seq: 1, PatientControl: c.PatientControlNumber, StatusCode: "1", ChargeCents: 12500, PaidCents: 10000}
	other, _, err := f.s.PutRemittance(ctx, store.Remittance{Partner: "other", PayerID: "ZZPAYER1", TraceNumber: "EFT000009", FileKey: "k9", PaidCents: 10000, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	if cid, _, err := f.s.PostClaimPayment(ctx, other, pay); err != nil || cid != "" {
		t.Fatalf("payment through another account matched claim %q (%v), want none", cid, err)
	}
	// The same payer and trace through the claim's own account is another
	// remittance, and matches.
	own, existed, err := f.s.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "EFT000009", FileKey: "k9", PaidCents: 10000, Balanced: true})
	if err != nil || existed || own == other {
		t.Fatalf("own account's remittance = %s existed %v (%v), want a new one", own, existed, err)
	}
	if cid, _, err := f.s.PostClaimPayment(ctx, own, pay); err != nil || cid != c.ID {
		t.Fatalf("payment through the claim's account matched %q (%v), want %s", cid, err, c.ID)
	}
	var owners, claimOrg int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE org_id = $2) FROM remittance_owners WHERE remittance_id = $1`,
		other, c.OrgID).Scan(&owners, &claimOrg); err != nil {
		t.Fatal(err)
	}
	if claimOrg != 0 {
		t.Errorf("the other account's remittance is owned by the claim's organisation (%d of %d owners)", claimOrg, owners)
	}
	var org string
	if err := f.s.Pool.QueryRow(ctx, `SELECT org_id::text FROM claim_payments WHERE remittance_id = $1 AND seq = 1`, own).Scan(&org); err != nil || org != c.OrgID {
		t.Errorf("matched payment's organisation = %q (%v), want the claim's %s", org, err, c.OrgID)
	}
}
