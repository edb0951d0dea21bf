package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

func TestClaimEventsRecordedOnceAndScoped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	// The claim goes out in a batch; its upload is the 837 event.
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
