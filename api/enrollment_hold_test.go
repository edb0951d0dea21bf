package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// TestNonEnrolledClaimHeldUntilApproved (issue 16; ground for issue 19)
// runs the claim workflow on a real Temporal dev server with the real
// scrub: a claim for a provider whose enrollment with a payer that
// requires it is only submitted stops in scrub_failed, the dashboard's
// timeline naming the reason; once staff record the approval (PUT
// enrollments) and resubmit, the claim passes the scrub and is ready.
func TestNonEnrolledClaimHeldUntilApproved(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := newDashboardWorld(t, TemporalClaims{Client: c})
	ctx := context.Background()
	require.NoError(t, w.store.PutBillingProfile(ctx, store.BillingProfile{OrgID: w.root.ID, Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}))
	_, err := w.store.PutPracticeBilling(ctx, store.System, w.facA.ID, rcm.BillingSetup{InheritFromParent: true})
	require.NoError(t, err)
	var pat store.Patient
	var cov store.Coverage
	var enc store.Encounter
	var claim store.Claim
	dos := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": "TESTPATIENT", "last_name": "ENROLL",
		"birth_date": "1901-02-03", "sex": "U", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": w.payer.ID, "member_id": "ZZ0000001",
		"relationship": "self", "priority": 1}, &cov)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": w.provA.ID, "coverage_id": cov.ID,
		"date_of_service": dos, "place_of_service": "11", "diagnoses": []string{"Z00.00"},
		"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 12500}}}, &enc)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &claim)
	biller := w.token(w.root.ID, "biller-enroll", "biller")
	w.mustCall(200, biller, "PATCH", "/v1/payers/"+w.payer.ID, map[string]any{"enrollment_required": true}, nil)
	enrollments := "/v1/orgs/" + w.facA.ID + "/enrollments"
	w.mustCall(200, biller, "PUT", enrollments, map[string]any{"provider_id": w.provA.ID, "payer_id": w.payer.ID, "transaction": "837",
		"status": "submitted", "notes": "application sent"}, nil)

	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.Register(wk, &activities.Activities{Claims: &activities.ClaimStore{Records: w.store, DefaultFilingDays: 90}})
	require.NoError(t, wk.Start())
	t.Cleanup(wk.Stop)
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ClaimIDPrefix + claim.ID, TaskQueue: workflows.DefaultTaskQueue},
		workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: claim.ID})
	require.NoError(t, err)
	get := func() store.Claim {
		var cl store.Claim
		w.mustCall(200, biller, "GET", "/v1/claims/"+claim.ID, nil, &cl)
		return cl
	}
	testenv.WaitFor(t, 30*time.Second, "the scrub to hold the claim", func() bool { return get().Status == "scrub_failed" })
	var tl Timeline
	w.mustCall(200, biller, "GET", "/v1/claims/"+claim.ID+"/timeline", nil, &tl)
	const reason = "provider TESTDOC A NPI 1234567893 is not enrolled with TEST PAYER for claims (status: submitted)"
	if tl.Workflow == nil || len(tl.Workflow.Problems) != 1 || !strings.HasPrefix(tl.Workflow.Problems[0], reason) {
		t.Fatalf("timeline = %+v; want the claim held with %q", tl.Workflow, reason)
	}

	// The payer approves from before the date of service; staff resubmit.
	w.mustCall(200, biller, "PUT", enrollments, map[string]any{"provider_id": w.provA.ID, "payer_id": w.payer.ID, "transaction": "837",
		"status": "approved", "effective_date": time.Now().AddDate(0, 0, -30).Format(time.DateOnly)}, nil)
	w.mustCall(202, biller, "POST", "/v1/claims/"+claim.ID+"/decisions", map[string]any{"action": "resubmit", "note": "enrolled with the payer"}, nil)
	testenv.WaitFor(t, 30*time.Second, "the resubmitted claim to be ready", func() bool { return get().Status == "ready" })
}
