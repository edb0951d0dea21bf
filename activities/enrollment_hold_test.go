package activities_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// requireEnrollment marks the world's payer as requiring enrollment.
func requireEnrollment(t *testing.T, w *world) {
	t.Helper()
	yes := true
	if _, err := w.s.UpdatePayer(context.Background(), store.System, w.payer.ID, store.PayerPatch{EnrollmentRequired: &yes}); err != nil {
		t.Fatal(err)
	}
}

func enroll(t *testing.T, w *world, providerID, tx, status, effective string) {
	t.Helper()
	if _, err := w.s.PutEnrollment(context.Background(), store.System, w.org.ID, rcm.EnrollmentSet{ProviderID: providerID, PayerID: w.payer.ID,
		Transaction: tx, Status: status, EffectiveDate: effective}); err != nil {
		t.Fatal(err)
	}
}

// TestScrubHoldsAClaimForANonEnrolledProvider (issue 16; ground for issue
// 19): a payer that requires enrollment got claims from providers it had
// not enrolled, and rejected them days later. The scrub now stops such a
// claim with the reason (status scrub_failed, waiting for staff) until the
// provider's claims enrollment is approved and in effect on the date of
// service; then a resubmit passes the scrub.
func TestScrubHoldsAClaimForANonEnrolledProvider(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	svc := &activities.ClaimStore{Records: w.s, DefaultFilingDays: 180}
	claim := w.claims[0]
	scrub := func() []string {
		t.Helper()
		res, err := svc.Scrub(ctx, activities.ScrubRequest{ClaimID: claim.ID, FrequencyCode: "1"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Problems
	}
	// The default: a payer that does not require enrollment takes the
	// claim without any enrollment recorded.
	if p := scrub(); len(p) != 0 {
		t.Fatalf("payer without the requirement: problems %q", p)
	}
	requireEnrollment(t, w)
	const who = "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for claims"
	for _, step := range []struct {
		status, effective string // "" status: nothing recorded
		want              string
	}{
		{"", "", who + " (status: not started)"},
		{rcm.EnrollSubmitted, "", who + " (status: submitted)"},
		{rcm.EnrollRejected, "", who + " (status: rejected)"},
		// Approved, but from after the date of service (2026-01-07).
		{rcm.EnrollApproved, "2026-02-01", who + " on 2026-01-07 (status: approved, effective 2026-02-01)"},
	} {
		if step.status != "" {
			enroll(t, w, claim.ProviderID, rcm.EnrollClaims, step.status, step.effective)
		}
		p := scrub()
		if len(p) != 1 || !strings.HasPrefix(p[0], step.want) {
			t.Fatalf("enrollment %q %q: problems %q; want the claim held with %q", step.status, step.effective, p, step.want)
		}
	}
	// Approval for another transaction does not release claims.
	enroll(t, w, claim.ProviderID, rcm.EnrollEligibility, rcm.EnrollApproved, "2025-01-01")
	if p := scrub(); len(p) != 1 || !strings.HasPrefix(p[0], who) {
		t.Fatalf("after the 270 approval: problems %q; want the claim still held", p)
	}
	// Staff record the claims approval from before the date of service:
	// the resubmitted claim passes.
	enroll(t, w, claim.ProviderID, rcm.EnrollClaims, rcm.EnrollApproved, "2026-01-07")
	if p := scrub(); len(p) != 0 {
		t.Fatalf("after approval: problems %q; want none", p)
	}
}

// realTimeRecorder records the 270s sent in real time and answers each
// with a permanent refusal (the test only asks whether one was sent).
type realTimeRecorder struct {
	mu    sync.Mutex
	sent  []string
	errOn error
}

func (r *realTimeRecorder) RealTime270(_ context.Context, clearinghouse, _ string, _ []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, clearinghouse)
	return nil, r.errOn
}

func (r *realTimeRecorder) RealTime276(context.Context, string, string, []byte) ([]byte, error) {
	return nil, errors.New("not used")
}

// TestEligibilityNotSentForANonEnrolledProvider: the same rule holds for
// eligibility inquiries (270): for a payer requiring enrollment, no 270
// goes out for a provider not approved for eligibility on the
// appointment's date; the check is recorded as rejected with the reason,
// so staff see why the appointment has no benefits. Once approved, the
// 270 is sent.
func TestEligibilityNotSentForANonEnrolledProvider(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	claim := w.claims[0]
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	appt, err := w.s.Book(ctx, store.System, store.Booking{ProviderID: claim.ProviderID, PatientID: claim.PatientID, VisitType: "follow_up",
		StartsAt: start, EndsAt: start.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	requireEnrollment(t, w)
	enroll(t, w, claim.ProviderID, rcm.EnrollClaims, rcm.EnrollApproved, "2020-01-01") // claims only
	rt := &realTimeRecorder{errOn: errors.New("test: the answer is not read")}
	svc := &activities.EligibilityService{Records: w.s, RealTime: rt}
	res, err := svc.CheckRealtime(ctx, activities.EligibilityRequest{AppointmentID: appt.ID, TraceNumber: "TRACEHOLD1"})
	const want = "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for eligibility (status: not started)"
	if err != nil || res.Status != "rejected" || len(res.RejectCodes) != 1 || !strings.HasPrefix(res.RejectCodes[0], want) {
		t.Fatalf("check for a non-enrolled provider = %+v, %v; want rejected with %q", res, err, want)
	}
	if len(rt.sent) != 0 {
		t.Fatalf("a 270 was sent: %v", rt.sent)
	}
	var status string
	var codes []string
	if err := w.s.Pool.QueryRow(ctx, `SELECT status, reject_codes FROM eligibility_checks WHERE trace_number = 'TRACEHOLD1'`).Scan(&status, &codes); err != nil {
		t.Fatal(err)
	}
	if status != "rejected" || len(codes) != 1 || !strings.HasPrefix(codes[0], want) {
		t.Errorf("stored check = %s %q", status, codes)
	}

	enroll(t, w, claim.ProviderID, rcm.EnrollEligibility, rcm.EnrollApproved, start.Format(time.DateOnly))
	if _, err := svc.CheckRealtime(ctx, activities.EligibilityRequest{AppointmentID: appt.ID, TraceNumber: "TRACEHOLD2"}); err == nil {
		t.Fatal("the recorder's refusal did not come back: was the 270 sent?")
	}
	if !slices.Equal(rt.sent, []string{"sim"}) {
		t.Errorf("270s sent after approval: %v, want one through sim", rt.sent)
	}
}
