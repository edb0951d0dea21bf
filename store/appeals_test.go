package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestAppealsWorklistFromRecordedDenials: the denial a claim workflow's
// status write carries is recorded (claim_denials) and drives the
// worklist: a needs_correction claim is listed only when a code of its
// denial is one to appeal; a later write replaces the deadline; a claim
// that leaves the appeal statuses leaves the worklist; another tenant
// sees nothing.
func TestAppealsWorklistFromRecordedDenials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	progress := func(c store.Claim, seq int, status string, d *rcm.ClaimDenial) {
		t.Helper()
		if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: seq, Status: status, At: now, Denial: d}); err != nil {
			t.Fatalf("%s: %v", status, err)
		}
	}
	deny := func(c store.Claim, status string, d *rcm.ClaimDenial) {
		t.Helper()
		for i, s := range []string{"scrubbing", "ready", "submitted", "acknowledged", "accepted"} {
			progress(c, i+1, s, nil)
		}
		progress(c, 6, status, d)
	}
	correctOnly, mixed, pending := newClaim(t, f), newClaim(t, f), newClaim(t, f)
	deny(correctOnly, "needs_correction", &rcm.ClaimDenial{Category: "correctable", Codes: []string{"CO-16"}, RARCs: []string{"M76"},
		Deadline: now.Add(10 * 24 * time.Hour), Appealable: false})
	deny(mixed, "needs_correction", &rcm.ClaimDenial{Category: "correctable", Codes: []string{"CO-16", "CO-50"},
		Deadline: now.Add(20 * 24 * time.Hour), Appealable: true})
	deny(pending, "appeal_pending", &rcm.ClaimDenial{Category: "appealable", Codes: []string{"CO-197"},
		Deadline: now.Add(5 * 24 * time.Hour), Appealable: true})

	ids := func(a store.Actor, f0 rcm.AppealFilter) []string {
		t.Helper()
		items, err := f.s.DashAppeals(ctx, a, f0, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.ClaimID)
		}
		return out
	}
	want := []string{pending.ID, mixed.ID}
	if got := ids(f.admin, rcm.AppealFilter{}); !slices.Equal(got, want) {
		t.Fatalf("worklist = %v, want %v (soonest first, the correct-only denial left out)", got, want)
	}
	items, err := f.s.DashAppeals(ctx, f.admin, rcm.AppealFilter{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if it := items[0]; !it.DeadlineKnown || !it.Deadline.Equal(now.Add(5*24*time.Hour)) || it.DenialCategory != "appealable" ||
		len(it.DenialCodes) != 1 || it.DenialCodes[0] != "CO-197" || it.AppealState != rcm.AppealNotFiled {
		t.Errorf("row = %+v", it)
	}
	seven := 7
	if got := ids(f.admin, rcm.AppealFilter{WithinDays: &seven}); !slices.Equal(got, []string{pending.ID}) {
		t.Errorf("within 7 days = %v, want only %s", got, pending.ID)
	}
	if got := ids(f.admin, rcm.AppealFilter{Statuses: []rcm.ClaimStatus{rcm.StatusNeedsCorrection}}); !slices.Equal(got, []string{mixed.ID}) {
		t.Errorf("needs_correction = %v, want only %s", got, mixed.ID)
	}

	// The appeal is filed: the write carries the same denial; the claim
	// stays listed as appealed. A later write with a new deadline
	// replaces it.
	progress(pending, 7, "appealed", &rcm.ClaimDenial{Category: "appealable", Codes: []string{"CO-197"},
		Deadline: now.Add(40 * 24 * time.Hour), Appealable: true})
	if got := ids(f.admin, rcm.AppealFilter{}); !slices.Equal(got, []string{mixed.ID, pending.ID}) {
		t.Errorf("after filing = %v, want the moved deadline to sort %s last", got, pending.ID)
	}
	// Paid on appeal: off the worklist.
	progress(pending, 8, "paid", nil)
	if got := ids(f.admin, rcm.AppealFilter{}); !slices.Equal(got, []string{mixed.ID}) {
		t.Errorf("after payment = %v, want only %s", got, mixed.ID)
	}

	other, err := f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER TENANT"})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := userWithRole(t, f.s, other.ID, "other-admin-appeals", "admin")
	if got := ids(otherAdmin, rcm.AppealFilter{}); len(got) != 0 {
		t.Errorf("another tenant's worklist = %v, want none", got)
	}
	if got := ids(f.deskA, rcm.AppealFilter{}); len(got) != 0 {
		t.Errorf("front desk (no claim:read) = %v, want none", got)
	}
}
