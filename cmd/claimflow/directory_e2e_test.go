package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/workflows"
)

// TestEnrollmentGatingEndToEnd (issue 19) plays payer enrollment through
// the real API, worker, Temporal dev server and the clearinghouse
// simulator, for two tenants:
//   - tenant A finds its payer in the directory (GET /v1/payer-directory)
//     and makes its payer from the entry: the simulator's payer ID, and
//     "requires provider enrollment" inherited;
//   - a claim of a provider not enrolled is held at scrubbing with the
//     reason; an appointment's eligibility check is held (no 270 sent)
//     with the reason in its result;
//   - staff record the claims approval: the answer names the released
//     claim, which is resubmitted through its workflow, goes out in an
//     837 and is paid by the simulator's 835; the provider is not enrolled
//     for ERAs, so the payment is posted and a work item says why;
//   - once approved for eligibility, the next appointment's 270 is sent
//     and answered;
//   - tenant B sees none of A's enrollments, holds, payer links or work
//     items; bad directory parameters are a 422 naming them.
func TestEnrollmentGatingEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	tokenA, orgA := e.token, e.org

	// The directory, searched through the API.
	var dir struct {
		Items []struct {
			ID                 string   `json:"id"`
			Transactions       []string `json:"transactions"`
			EnrollmentRequired []string `json:"enrollment_required"`
		} `json:"items"`
	}
	e.api("GET", "/v1/payer-directory?"+url.Values{"q": {"enrolled only"}, "transaction": {"837P"}}.Encode(), nil, &dir)
	if len(dir.Items) != 1 || dir.Items[0].ID != "sample-enrolled-only-health" || !strings.Contains(strings.Join(dir.Items[0].EnrollmentRequired, ","), "835") {
		t.Fatalf("directory search = %+v; want the sample enrolled-only payer", dir.Items)
	}
	for _, bad := range []struct{ query, param string }{
		{"transaction=999", "transaction"},
		{"q=x&limit=0", "limit"},
		{"q=x&payer=1", "payer"},
		{"q=" + strings.Repeat("x", 101), "q"},
	} {
		code, body := e.call(tokenA, "GET", "/v1/payer-directory?"+bad.query, nil)
		var p struct {
			Errors []struct {
				Parameter string `json:"parameter"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(body, &p)
		if code != 422 || len(p.Errors) != 1 || p.Errors[0].Parameter != bad.param {
			t.Errorf("GET /v1/payer-directory?%s = %d %s; want 422 naming %q", bad.query, code, body, bad.param)
		}
	}

	var prov idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": orgA, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ENROLL", "taxonomy": "207Q00000X"}, &prov)
	var payer struct {
		ID                 string `json:"id"`
		PayerID            string `json:"payer_id"`
		EnrollmentRequired bool   `json:"enrollment_required"`
	}
	e.api("POST", "/v1/payer-directory/sample-enrolled-only-health/payers", map[string]any{"org_id": orgA, "clearinghouse": "sim"}, &payer)
	if payer.PayerID != "ZZPAYER1" || !payer.EnrollmentRequired {
		t.Fatalf("payer from the directory = %+v; want ZZPAYER1 requiring enrollment", payer)
	}

	// The claim is held for enrollment.
	held := e.claim(prov.ID, payer.ID, "HELD", []string{"E11.9"}, line{"99213", 15000, 1})
	st := e.waitStatus(held.ID, workflows.StatusScrubFailed)
	const notEnrolled = "provider TESTDOC ENROLL NPI 1234567893 is not enrolled with ENROLLED ONLY HEALTH PLAN (SAMPLE) for claims (status: not started)"
	if len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0], notEnrolled) {
		t.Fatalf("held claim problems = %q; want %q", st.Problems, notEnrolled)
	}

	// So is the eligibility check of an appointment: no 270, the reason.
	book := func(name string, at time.Time) idOnly {
		var pat, cov, appt idOnly
		e.api("POST", "/v1/patients", map[string]any{"org_id": orgA, "first_name": "TESTPATIENT", "last_name": name,
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
		e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payer.ID, "member_id": "ZZ0000006",
			"relationship": "self", "priority": 1}, &cov)
		e.api("POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": pat.ID, "visit_type": "follow_up",
			"starts_at": at.Format(time.RFC3339), "ends_at": at.Add(30 * time.Minute).Format(time.RFC3339)}, &appt)
		return appt
	}
	eligibility := func(apptID string) activities.EligibilityResult {
		var res activities.EligibilityResult
		testenv.WaitFor(t, 90*time.Second, "eligibility for "+apptID, func() bool {
			return e.m.Temporal.GetWorkflow(ctx, workflows.EligibilityIDPrefix+apptID, "").Get(ctx, &res) == nil
		})
		return res
	}
	day := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	apptHeld := book("ELIGHELD", day)
	const notEnrolled270 = "provider TESTDOC ENROLL NPI 1234567893 is not enrolled with ENROLLED ONLY HEALTH PLAN (SAMPLE) for eligibility (status: not started); no 270 was sent"
	if res := eligibility(apptHeld.ID); res.Status != "rejected" || !strings.HasPrefix(res.Held, notEnrolled270) {
		t.Errorf("eligibility of the non-enrolled provider = %+v; want held with %q", res, notEnrolled270)
	}
	var status, requestKey string
	if err := e.m.Store.Pool.QueryRow(ctx, `SELECT status, request_key FROM eligibility_checks WHERE appointment_id = $1`, apptHeld.ID).Scan(&status, &requestKey); err != nil ||
		status != "rejected" || requestKey != "" {
		t.Errorf("stored check = %q request %q (%v); want rejected with no request sent", status, requestKey, err)
	}

	// Staff record the claims approval: the claim is released, goes out
	// and is paid by the simulator.
	var approved struct {
		Status         string   `json:"status"`
		ReleasedClaims []string `json:"released_claims"`
	}
	e.api("PUT", "/v1/orgs/"+orgA+"/enrollments", map[string]any{"provider_id": prov.ID, "payer_id": payer.ID, "transaction": "837",
		"status": "approved", "effective_date": "2020-01-01", "notes": "approval letter received"}, &approved)
	if approved.Status != "approved" || len(approved.ReleasedClaims) != 1 || approved.ReleasedClaims[0] != held.ID {
		t.Fatalf("approval = %+v; want the held claim released", approved)
	}
	st = e.waitStatus(held.ID, workflows.StatusPaid)
	if st.Attempt != 2 || st.PaidCents != 9000 {
		t.Errorf("released claim = attempt %d paid %d; want attempt 2 paid 9000", st.Attempt, st.PaidCents)
	}
	if p, adj := e.posted(held.ID); p != 9000 || adj["CO-45"] != 6000 {
		t.Errorf("posted %d %v; want 9000 and CO-45 6000", p, adj)
	}
	var note, actor string
	if err := e.m.Store.Pool.QueryRow(ctx, `SELECT reason, coalesce(actor_id::text, '') FROM claim_status_history WHERE claim_id = $1 AND status = 'resubmitted'`, held.ID).Scan(&note, &actor); err != nil ||
		!strings.Contains(note, "payer enrollment for claims approved") || actor == "" {
		t.Errorf("resubmission history = %q by %q (%v); want the enrollment release by the approving user", note, actor, err)
	}

	// Not enrolled for ERAs: posted all the same, and flagged.
	code, body := e.call(tokenA, "GET", "/v1/dashboard/remittances/work-queue", nil)
	if code != 200 || !strings.Contains(string(body), `"not_enrolled_835"`) ||
		!strings.Contains(string(body), "is not enrolled with ENROLLED ONLY HEALTH PLAN (SAMPLE) for remittance (ERA)") {
		t.Errorf("work queue = %d %s; want the ERA enrollment item", code, body)
	}
	var queue struct {
		Items []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"items"`
	}
	_ = json.Unmarshal(body, &queue)
	found := false
	for _, it := range queue.Items {
		if it.Kind == "not_enrolled_835" {
			found = true
			var resolved struct {
				Resolution string `json:"resolution"`
			}
			e.api("POST", "/v1/dashboard/remittances/work-queue/"+it.ID+"/resolve",
				map[string]any{"resolution": "enrollment_followed_up", "note": "ERA enrollment sent to the payer"}, &resolved)
			if resolved.Resolution != "enrollment_followed_up" {
				t.Errorf("resolved = %+v", resolved)
			}
		}
	}
	if !found {
		t.Errorf("no not_enrolled_835 item in tenant A's work queue: %s", body)
	}

	// Approved for eligibility: the next check is sent and answered.
	e.api("PUT", "/v1/orgs/"+orgA+"/enrollments", map[string]any{"provider_id": prov.ID, "payer_id": payer.ID, "transaction": "270",
		"status": "approved", "effective_date": "2020-01-01"}, nil)
	if res := eligibility(book("ELIGSENT", day.Add(time.Hour)).ID); res.Status != "active" || res.Held != "" {
		t.Errorf("eligibility after approval = %+v; want active", res)
	}

	// Tenant B sees nothing of A's enrollment.
	b := createTenantWithCLI(t, e, "B")
	for _, path := range []string{"/v1/orgs/" + orgA + "/enrollments", "/v1/payers/" + payer.ID + "/directory", "/v1/payers/" + payer.ID} {
		if code, body := e.call(b.token, "GET", path, nil); code != 404 {
			t.Errorf("tenant B GET %s = %d %s; want 404", path, code, body)
		}
	}
	if code, body := e.call(b.token, "PUT", "/v1/orgs/"+orgA+"/enrollments", map[string]any{"provider_id": prov.ID, "payer_id": payer.ID,
		"transaction": "837", "status": "rejected"}); code != 404 {
		t.Errorf("tenant B put on A = %d %s; want 404", code, body)
	}
	if code, body := e.call(b.token, "GET", "/v1/orgs/"+b.org+"/enrollments", nil); code != 200 || strings.Contains(string(body), prov.ID) ||
		!strings.Contains(string(body), `"items":[]`) {
		t.Errorf("tenant B's own enrollments = %d %s; want none", code, body)
	}
	if code, body := e.call(b.token, "GET", "/v1/dashboard/remittances/work-queue", nil); code != 200 || strings.Contains(string(body), "not_enrolled_835") {
		t.Errorf("tenant B's work queue = %d %s; want none of A's items", code, body)
	}
	// The directory is shared reference data: B finds the same entry.
	if code, body := e.call(b.token, "GET", "/v1/payer-directory?q=EOHP", nil); code != 200 || !strings.Contains(string(body), "sample-enrolled-only-health") {
		t.Errorf("tenant B directory search = %d %s", code, body)
	}
	if e, err := e.m.Store.EnrollmentFor(ctx, prov.ID, payer.ID, "837"); err != nil || e.Status != "approved" {
		t.Errorf("A's enrollment after B's attempts = %+v, %v", e, err)
	}
}
