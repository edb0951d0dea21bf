package store_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/migrations"
	"github.com/claimflow/claimflow/store"
)

func TestClaimEventsRecordedOnceAndScoped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	// The claim goes out in a batch; its upload is the 837 event.
	// The claim workflow scrubs a claim before it is ready (rcm's lifecycle).
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "scrubbing", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 2, Status: "ready", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b, err := f.s.ReserveBatches(ctx, "local", "batch/local/ev1", 100)
	if err != nil || len(b) != 1 {
		t.Fatalf("reserve = %+v, %v", b, err)
	}
	if err := f.s.SetBatchFile(ctx, b[0].ID, "key-837"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MarkBatchUploaded(ctx, b[0].ID); err != nil {
		t.Fatal(err)
	}
	no := false
	at := time.Date(2030, 1, 9, 10, 0, 0, 0, time.UTC)
	ack := store.ClaimEvent{ClaimID: c.ID, Kind: store.Event999, Dedup: "key-999", FileKey: "key-999", ST02: "0001", Attempt: 1,
		Accepted: &no, Codes: []string{"IK5:R", "IK3:NM1@7:8"}, Summary: "999 rejected", At: at}
	// Each recorder runs three times, as retried activities would.
	for range 3 {
		if err := f.s.RecordBatchSent(ctx, b[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RecordClaimEvent(ctx, ack); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.ClaimEvents(ctx, f.admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []string{"837", "999"}) {
		t.Fatalf("kinds = %v, want [837 999] once each", kinds)
	}
	if e := got[0]; e.FileKey != "key-837" || e.ST02 != "0001" || e.Attempt != 1 || e.Accepted != nil {
		t.Errorf("837 event = %+v", e)
	}
	if e := got[1]; e.FileKey != "key-999" || e.Accepted == nil || *e.Accepted || !slices.Equal(e.Codes, ack.Codes) || !e.At.Equal(at) {
		t.Errorf("999 event = %+v", e)
	}

	// The claim's facility sees them; a sibling facility and another
	// tenant see none.
	billerA := userWithRole(t, f.s, f.facA.ID, "biller-a", "biller")
	if got, err := f.s.ClaimEvents(ctx, billerA, c.ID); err != nil || len(got) != 2 {
		t.Errorf("biller at the claim's facility: %d events, %v; want 2", len(got), err)
	}
	billerB := userWithRole(t, f.s, f.facB.ID, "biller-b", "biller")
	other, err := f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER TENANT"})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := userWithRole(t, f.s, other.ID, "other-admin", "admin")
	for name, a := range map[string]store.Actor{"sibling facility": billerB, "other tenant": otherAdmin, "front desk (no claim:read)": f.deskA} {
		got, err := f.s.ClaimEvents(ctx, a, c.ID)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %d events, %v; want none", name, len(got), err)
		}
	}
	// An event for a claim that does not exist records nothing.
	if err := f.s.RecordClaimEvent(ctx, store.ClaimEvent{ClaimID: "00000000-0000-0000-0000-000000000000", Kind: store.Event999, Dedup: "x", At: at}); err != nil {
		t.Errorf("unknown claim: %v", err)
	}
	if _, err := f.s.ClaimEvents(ctx, f.admin, "not-an-id"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("malformed ID: %v, want ErrNotFound", err)
	}
}

// TestClaimEventsBackfill runs migration 00142's backfill (the claims in
// flight at deploy) over a claim whose files were recorded before
// claim_events existed: its uploaded 837, its 999 from the status history,
// its 835 posting and its 276/277 inquiry become events.
func TestClaimEventsBackfill(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	// The claim workflow scrubs a claim before it is ready (rcm's lifecycle).
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "scrubbing", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 2, Status: "ready", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b, err := f.s.ReserveBatches(ctx, "local", "batch/local/bf", 100)
	if err != nil || len(b) != 1 {
		t.Fatalf("reserve = %+v, %v", b, err)
	}
	if err := f.s.SetBatchFile(ctx, b[0].ID, "key-837"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MarkBatchUploaded(ctx, b[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 3, Status: "submitted", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 4, Status: "acknowledged", Note: "999 accepted", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rid, _, err := f.s.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "BF0001", FileKey: "key-835", TransactionIndex: 1, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.PostClaimPayment(ctx, rid, store.ClaimPaymentRecord{Seq: 1, PatientControl: c.PatientControlNumber, StatusCode: "1",
		ChargeCents: 12500, PaidCents: 10050, RARCs: []string{"N115"},
		Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 2450}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordStatusInquiry(ctx, store.StatusInquiry{ClaimID: c.ID, Attempt: 1, Trace: "BFTRACE", Partner: "local",
		RequestKey: "key-276", ResponseKey: "key-277", STC: "F1:65", SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// As before the migration: no events.
	if _, err := f.s.Pool.Exec(ctx, "DELETE FROM claim_events"); err != nil {
		t.Fatal(err)
	}
	mig, err := fs.ReadFile(migrations.FS, "00142_claim_events.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(mig), "-- +goose Down")
	_, backfill, ok := strings.Cut(up, "CREATE INDEX claim_events_org ON claim_events (org_id);")
	if !ok {
		t.Fatal("migration 00142 changed shape: no backfill after the indexes")
	}
	if _, err := f.s.Pool.Exec(ctx, backfill); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.ClaimEvents(ctx, f.admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]store.ClaimEvent{}
	for _, e := range got {
		byKind[e.Kind] = e
	}
	if len(got) != 4 || len(byKind) != 4 {
		t.Fatalf("backfilled events = %+v, want 837, 999, 835 and 276/277", got)
	}
	if e := byKind["837"]; e.FileKey != "key-837" || e.ST02 != b[0].Claims[0].ST02 || e.Attempt != 1 {
		t.Errorf("837 = %+v", e)
	}
	if e := byKind["999"]; e.Accepted == nil || !*e.Accepted || e.FileKey != "" {
		t.Errorf("999 = %+v, want accepted without a file", e)
	}
	if e := byKind["835"]; e.FileKey != "key-835" || e.SetIndex != 1 || e.Seq != 1 || !slices.Equal(e.Codes, []string{"CO-45", "N115"}) ||
		e.Summary != "835 trace BF0001: CLP02 1, paid 100.50 of 125.00" {
		t.Errorf("835 = %+v", e)
	}
	if e := byKind["276/277"]; e.FileKey != "key-276" || e.ResponseKey != "key-277" || !slices.Equal(e.Codes, []string{"F1:65"}) {
		t.Errorf("276/277 = %+v", e)
	}
}
