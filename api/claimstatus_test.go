package api

import (
	"context"
	"encoding/json"
	"net/http"
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

// cleanScrub is the records store's claim service with a scrub that finds
// nothing (this test is about status changes, not 837 content): status
// writes go through the real store and its rcm check.
type cleanScrub struct{ *activities.ClaimStore }

func (cleanScrub) Scrub(context.Context, activities.ScrubRequest) (activities.ScrubResult, error) {
	return activities.ScrubResult{PayerID: "ZZPAYER1", ClearinghouseID: "local", ChargeCents: 12500, FilingLimitDays: 90}, nil
}

// TestStaffStatusChangeGoesThroughTheWorkflow drives POST
// /v1/claims/{id}/status over HTTP against a real Temporal dev server and
// the claim workflow: a legal change reaches the workflow, which writes it
// (with the staff member and note) before the API answers; illegal ones are
// 409 problem+json naming the reason and change nothing; a closed claim is
// 409 claim-closed.
func TestStaffStatusChangeGoesThroughTheWorkflow(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := newDashboardWorld(t, TemporalClaims{Client: c})
	ctx := context.Background()
	recs := w.makeRecords(w.facA, w.provA, "STATUS", "ZZ0000001", 1)
	biller := w.token(w.facA.ID, "biller-a", "biller")
	var sess Session
	w.mustCall(200, biller, "GET", "/v1/dashboard/session", nil, &sess)

	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.Register(wk, &activities.Activities{Claims: cleanScrub{&activities.ClaimStore{Records: w.store}}})
	require.NoError(t, wk.Start())
	t.Cleanup(wk.Stop)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ClaimIDPrefix + recs.claim.ID, TaskQueue: workflows.DefaultTaskQueue},
		workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: recs.claim.ID})
	require.NoError(t, err)
	claim := func() store.Claim {
		var cl store.Claim
		w.mustCall(200, biller, "GET", "/v1/claims/"+recs.claim.ID, nil, &cl)
		return cl
	}
	testenv.WaitFor(t, 30*time.Second, "the workflow to make the claim ready", func() bool { return claim().Status == "ready" })
	path := "/v1/claims/" + recs.claim.ID + "/status"

	// Illegal: no staff decision makes a claim paid. 409 problem+json, and
	// the claim is as it was.
	req, _ := http.NewRequest("POST", w.srv.URL+path, strings.NewReader(`{"status":"paid"}`))
	req.Header.Set("Authorization", "Bearer "+biller)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var prob map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&prob))
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || res.Header.Get("Content-Type") != "application/problem+json" ||
		prob["type"] != problemBase+"illegal-transition" || !strings.Contains(prob["detail"].(string), "from ready to paid") ||
		prob["claim_status"] != "ready" || prob["requested_status"] != "paid" {
		t.Fatalf("ready -> paid by staff = %d %s %v", res.StatusCode, res.Header.Get("Content-Type"), prob)
	}
	w.mustCall(422, biller, "POST", path, map[string]any{"status": "sent"}, nil)
	before := claim()

	// Legal: hold. The workflow writes it, with the biller and the note,
	// before the API answers.
	var held store.Claim
	w.mustCall(200, biller, "POST", path, map[string]any{"status": "on_hold", "reason": "waiting for records"}, &held)
	last := held.History[len(held.History)-1]
	if held.Status != "on_hold" || len(held.History) != len(before.History)+1 || last.Status != "on_hold" ||
		last.ActorID != sess.UserID || !strings.Contains(last.Reason, "waiting for records") {
		t.Fatalf("held claim = %s, history %+v", held.Status, held.History)
	}
	v, err := c.QueryWorkflow(ctx, run.GetID(), "", workflows.QueryClaimState)
	require.NoError(t, err)
	var st workflows.ClaimState
	require.NoError(t, v.Get(&st))
	if st.Status != workflows.StatusOnHold || strings.Join(st.AllowedActions, ",") != "void,release" {
		t.Errorf("workflow state = %s allowed %v, want on_hold allowing void, release", st.Status, st.AllowedActions)
	}
	// The same again is illegal from on_hold; a decision the workflow
	// refuses (no appeal of a held claim) is 409 decision-refused.
	w.mustCall(409, biller, "POST", path, map[string]any{"status": "on_hold"}, nil)
	var refused Problem
	w.mustCall(409, biller, "POST", "/v1/claims/"+recs.claim.ID+"/decisions", map[string]any{"action": "appeal"}, &refused)
	if refused.Type != problemBase+"decision-refused" || !strings.Contains(refused.Detail, "appeal is not allowed while the claim is on_hold") {
		t.Errorf("appeal of a held claim = %+v", refused)
	}
	if got := claim(); len(got.History) != len(held.History) {
		t.Errorf("refused changes wrote history: %+v", got.History)
	}

	// Void ends the claim's lifecycle; afterwards it is closed.
	var voided store.Claim
	w.mustCall(200, biller, "POST", path, map[string]any{"status": "voided", "reason": "duplicate"}, &voided)
	if voided.Status != string(rcm.StatusVoided) {
		t.Fatalf("voided claim = %+v", voided)
	}
	require.NoError(t, run.Get(ctx, &st))
	w.mustCall(409, biller, "POST", path, map[string]any{"status": "ready"}, nil) // final: no decision leads anywhere
	var closed Problem
	w.mustCall(409, biller, "POST", "/v1/claims/"+recs.claim.ID+"/decisions", map[string]any{"action": "release"}, &closed)
	if closed.Type != problemBase+"claim-closed" || !strings.Contains(closed.Detail, "status voided") {
		t.Errorf("decision on a closed claim = %+v", closed)
	}
}
