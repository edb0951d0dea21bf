package activities_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestApprovalReleasesTheHeldClaim (issue 19): the scrub records the
// claim it holds for enrollment; recording an approval that does not
// cover the date of service releases nothing; one that does releases the
// claim in the approval's transaction — an outbox intent resubmitting it
// through its workflow's staff decision update — once.
func TestApprovalReleasesTheHeldClaim(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	svc := &activities.ClaimStore{Records: w.s, DefaultFilingDays: 180}
	claim := w.claims[0]
	requireEnrollment(t, w)
	res, err := svc.Scrub(ctx, activities.ScrubRequest{ClaimID: claim.ID, FrequencyCode: "1"})
	if err != nil || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "the claim is resubmitted automatically once the payer's approval is recorded") {
		t.Fatalf("scrub = %+v, %v; want held for enrollment", res, err)
	}
	open := func() int {
		t.Helper()
		var n int
		if err := w.s.Pool.QueryRow(ctx, `SELECT count(*) FROM enrollment_holds WHERE claim_id = $1 AND released_at IS NULL`, claim.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	intents := func() []map[string]any {
		t.Helper()
		rows, err := w.s.Pool.Query(ctx, `SELECT workflow_type, workflow_id, signal_name, signal_input FROM workflow_outbox WHERE kind = 'update' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []map[string]any
		for rows.Next() {
			var typ, id, name string
			var in []byte
			if err := rows.Scan(&typ, &id, &name, &in); err != nil {
				t.Fatal(err)
			}
			m := map[string]any{}
			_ = json.Unmarshal(in, &m)
			m["type"], m["workflow_id"], m["update"] = typ, id, name
			out = append(out, m)
		}
		return out
	}
	if open() != 1 {
		t.Fatal("the scrub recorded no enrollment hold")
	}
	put := func(status, eff string) rcm.Enrollment {
		t.Helper()
		e, err := w.s.PutEnrollment(ctx, store.System, w.org.ID, rcm.EnrollmentSet{ProviderID: claim.ProviderID, PayerID: w.payer.ID,
			Transaction: rcm.EnrollClaims, Status: status, EffectiveDate: eff})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if e := put(rcm.EnrollSubmitted, ""); len(e.ReleasedClaims) != 0 || open() != 1 {
		t.Fatalf("submitted released %v", e.ReleasedClaims)
	}
	// Approved from after the date of service (2026-01-07): still held.
	if e := put(rcm.EnrollApproved, "2026-02-01"); len(e.ReleasedClaims) != 0 || open() != 1 || len(intents()) != 0 {
		t.Fatalf("approval after the date of service released %v", e.ReleasedClaims)
	}
	e := put(rcm.EnrollApproved, "2026-01-01")
	if !slices.Equal(e.ReleasedClaims, []string{claim.ID}) || open() != 0 {
		t.Fatalf("approval released %v (open holds %d), want the claim", e.ReleasedClaims, open())
	}
	got := intents()
	if len(got) != 1 || got[0]["type"] != "Claim" || got[0]["workflow_id"] != "claim/"+claim.ID || got[0]["update"] != "claim.decide" ||
		got[0]["Action"] != "resubmit" || !strings.Contains(got[0]["Note"].(string), "enrollment") {
		t.Fatalf("outbox intents = %v; want one resubmit decision for the claim", got)
	}
	// The same approval again releases nothing more.
	if e := put(rcm.EnrollApproved, "2026-01-01"); len(e.ReleasedClaims) != 0 || len(intents()) != 1 {
		t.Errorf("second approval released %v", e.ReleasedClaims)
	}
	// A hold the scrub would record now that the approval stands is not
	// recorded (approved since the scrub read it), and the resubmitted
	// claim passes.
	if held, err := w.s.RecordEnrollmentHold(ctx, claim.ID, "stale"); err != nil || held {
		t.Errorf("hold after approval = %v, %v; want none", held, err)
	}
	if res, err := svc.Scrub(ctx, activities.ScrubRequest{ClaimID: claim.ID, FrequencyCode: "1"}); err != nil || len(res.Problems) != 0 {
		t.Errorf("scrub after approval = %+v, %v", res, err)
	}
}

// TestERAOfANonEnrolledProviderFlagged (issue 19): a claim payment for a
// provider not enrolled with the payer for remittance is flagged to staff
// (a not_enrolled_835 work item with the reason), once however often the
// posting repeats; approval for 835 on the payment date clears the check.
func TestERAOfANonEnrolledProviderFlagged(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	claim := w.claims[0]
	rid, _, err := w.s.PutRemittance(ctx, store.Remittance{Partner: "sim", PayerID: "ZZPAYER1", TraceNumber: "EFTFLAG1", FileKey: "k", TransactionIndex: 1, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	flag := func() string {
		t.Helper()
		r, err := w.s.FlagRemittanceEnrollment(ctx, rid, 1, claim.ID, "2026-01-20")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := flag(); r != "" {
		t.Fatalf("payer without the requirement flagged %q", r)
	}
	requireEnrollment(t, w)
	enroll(t, w, claim.ProviderID, rcm.EnrollClaims, rcm.EnrollApproved, "2020-01-01")
	const want = "ERA received and posted, but provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for remittance (ERA) (status: not started)"
	for range 2 {
		if r := flag(); !strings.HasPrefix(r, want) {
			t.Fatalf("flag = %q, want %q", r, want)
		}
	}
	var n int
	var detail string
	if err := w.s.Pool.QueryRow(ctx, `SELECT count(*), max(detail) FROM remit_work_queue WHERE remittance_id = $1 AND kind = 'not_enrolled_835'`, rid).Scan(&n, &detail); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.HasPrefix(detail, want) {
		t.Errorf("work items = %d %q, want one with the reason", n, detail)
	}
	enroll(t, w, claim.ProviderID, rcm.EnrollRemittance, rcm.EnrollApproved, "2026-01-21")
	if r := flag(); !strings.Contains(r, "on 2026-01-20 (status: approved, effective 2026-01-21)") {
		t.Errorf("approved after the payment date: %q", r)
	}
	enroll(t, w, claim.ProviderID, rcm.EnrollRemittance, rcm.EnrollApproved, "2026-01-01")
	if r := flag(); r != "" {
		t.Errorf("approved for 835: flagged %q", r)
	}
}
