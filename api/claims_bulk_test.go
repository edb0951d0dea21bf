package api

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// failingScrub is the records store's claim service whose scrub finds a
// problem in the named claims (as a payer edit would) the first failFirst
// times each, so they wait for staff in scrub_failed.
type failingScrub struct {
	*activities.ClaimStore
	mu    sync.Mutex
	fails map[string]int // claim ID -> scrubs left to fail
}

func (f *failingScrub) Scrub(_ context.Context, req activities.ScrubRequest) (activities.ScrubResult, error) {
	res := activities.ScrubResult{PayerID: "ZZPAYER1", ClearinghouseID: "local", ChargeCents: 12500, FilingLimitDays: 90}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails[req.ClaimID] > 0 {
		f.fails[req.ClaimID]--
		res.Problems = []string{"2300 HI: test payer edit: the diagnosis does not support the procedure"}
	}
	return res, nil
}

// realTime277 is the clearinghouse's real-time endpoint as the inquiry
// service sees it (the real client is tested in its own package): it keeps
// each 276 it is sent and answers with a 277 from the EDI test files.
type realTime277 struct {
	mu   sync.Mutex
	body []byte
	sent [][]byte
}

func (r *realTime277) RealTime270(context.Context, string, string, []byte) ([]byte, error) {
	return nil, errors.New("no 270 here")
}

func (r *realTime277) RealTime276(_ context.Context, _, _ string, x12 []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, x12)
	return r.body, nil
}

type bulkAnswer struct {
	Action  string `json:"action"`
	Results []struct {
		ClaimID string          `json:"claim_id"`
		OK      bool            `json:"ok"`
		Status  string          `json:"status"`
		Inquiry string          `json:"inquiry"`
		Problem json.RawMessage `json:"problem"`
	} `json:"results"`
}

// TestBulkClaimActions drives POST /v1/dashboard/claims/bulk over HTTP
// against a real Temporal dev server, the claim workflow and Postgres:
//   - a bulk write-off of three claims, one of them ready (no write-off
//     there), writes off two through the workflow (with the biller's name
//     and note in their history) and refuses the third with the workflow's
//     reason, results in request order;
//   - another tenant's claim (in scrub_failed, where a write-off would be
//     applied) answers exactly as a made-up ID, and stays as it was;
//   - bulk check status makes the claim's workflow send a 276 at once
//     (FirstInquiry is 30 days) through the real inquiry service, which
//     records the 276/277 claim event, and a history row by the biller; a
//     claim not yet submitted is refused with the reason;
//   - bulk resubmit moves a scrub-failed claim on to its next attempt,
//     while a claim whose workflow no worker serves answers a timeout on
//     its own;
//   - bad requests are 422 naming the field, a front desk user 403.
func TestBulkClaimActions(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := newDashboardWorld(t, TemporalClaims{Client: c})
	ctx := context.Background()
	require.NoError(t, w.store.PutBillingProfile(ctx, store.BillingProfile{OrgID: w.root.ID, Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}))
	_, err := w.store.PutPracticeBilling(ctx, store.System, w.facA.ID, rcm.BillingSetup{InheritFromParent: true})
	require.NoError(t, err)

	off1 := w.makeRecords(w.facA, w.provA, "BULKONE", "ZZ0000011", 1).claim
	ready := w.makeRecords(w.facA, w.provA, "BULKTWO", "ZZ0000012", 2).claim
	off2 := w.makeRecords(w.facA, w.provA, "BULKTHREE", "ZZ0000013", 3).claim
	asked := w.makeRecords(w.facA, w.provA, "BULKFOUR", "ZZ0000014", 4).claim
	resub := w.makeRecords(w.facA, w.provA, "BULKFIVE", "ZZ0000015", 5).claim
	stuck := w.makeRecords(w.facA, w.provA, "BULKSIX", "ZZ0000017", 7).claim
	other := newTenant(w, "B", "1245319599", "ZZ0000016", 6)
	foreign := other.recs.claim

	body, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", "sets", "277-valid.x12"))
	require.NoError(t, err)
	rt := &realTime277{body: body}
	scrub := &failingScrub{ClaimStore: &activities.ClaimStore{Records: w.store}, fails: map[string]int{off1.ID: 1, off2.ID: 1, foreign.ID: 1, resub.ID: 1}}
	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.Register(wk, &activities.Activities{Claims: scrub,
		// The test's clock is the records' (dates of service in 2030).
		Inquirer: &activities.StatusInquiryService{Records: w.store, RealTime: rt, Now: func() time.Time { return time.Date(2030, 2, 1, 9, 0, 0, 0, time.UTC) }}})
	require.NoError(t, wk.Start())
	t.Cleanup(wk.Stop)
	for _, cl := range []store.Claim{off1, ready, off2, asked, resub, foreign} {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ClaimIDPrefix + cl.ID, TaskQueue: workflows.DefaultTaskQueue},
			workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: cl.ID})
		require.NoError(t, err)
	}
	biller := w.token(w.facA.ID, "biller-bulk", "biller")
	status := func(tok, id string) store.Claim {
		var cl store.Claim
		w.mustCall(200, tok, "GET", "/v1/claims/"+id, nil, &cl)
		return cl
	}
	waitFor := func(tok, id, want string) {
		t.Helper()
		testenv.WaitFor(t, 30*time.Second, "claim "+id+" "+want, func() bool { return status(tok, id).Status == want })
	}
	for _, id := range []string{off1.ID, off2.ID, resub.ID} {
		waitFor(biller, id, "scrub_failed")
	}
	waitFor(other.admin, foreign.ID, "scrub_failed")
	waitFor(biller, ready.ID, "ready")
	waitFor(biller, asked.ID, "ready")
	// The asked claim goes out and the payer accepts it: it waits for its
	// 835, with its first scheduled 276 thirty days away.
	run := workflows.ClaimIDPrefix + asked.ID
	require.NoError(t, c.SignalWorkflow(ctx, run, "", workflows.SignalClaimSubmitted, workflows.SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"}))
	require.NoError(t, c.SignalWorkflow(ctx, run, "", workflows.SignalClaimAck, workflows.AckSignal{Source: "999", Accepted: true, FileKey: "ack"}))
	require.NoError(t, c.SignalWorkflow(ctx, run, "", workflows.SignalClaimAck277CA, workflows.ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN1", FileKey: "ca"}))
	waitFor(biller, asked.ID, "accepted")

	const path = "/v1/dashboard/claims/bulk"
	problem := func(raw json.RawMessage) Problem {
		var p Problem
		require.NoError(t, json.Unmarshal(raw, &p))
		return p
	}

	// Write off three: two in scrub_failed, one ready between them.
	var wo bulkAnswer
	w.mustCall(200, biller, "POST", path, map[string]any{"action": "write_off", "claim_ids": []string{off1.ID, ready.ID, off2.ID}, "note": "below collection threshold"}, &wo)
	if len(wo.Results) != 3 || wo.Results[0].ClaimID != off1.ID || wo.Results[1].ClaimID != ready.ID || wo.Results[2].ClaimID != off2.ID {
		t.Fatalf("write-off results = %+v, want three in request order", wo.Results)
	}
	for _, i := range []int{0, 2} {
		if r := wo.Results[i]; !r.OK || r.Status != "written_off" || r.Problem != nil {
			t.Errorf("write-off of a scrub-failed claim = %+v", r)
		}
	}
	if r := wo.Results[1]; r.OK || r.Status != "ready" || r.Problem == nil ||
		problem(r.Problem).Type != problemBase+"decision-refused" || !strings.Contains(problem(r.Problem).Detail, "write_off is not allowed while the claim is ready") {
		t.Errorf("write-off of a ready claim = %+v %s", r, r.Problem)
	}
	for _, id := range []string{off1.ID, off2.ID} {
		cl := status(biller, id)
		last := cl.History[len(cl.History)-1]
		if cl.Status != "written_off" || last.Status != "written_off" || last.ActorName != "biller-bulk" || !strings.Contains(last.Reason, "below collection threshold") {
			t.Errorf("written-off claim = %s, last history %+v", cl.Status, last)
		}
	}
	if cl := status(biller, ready.ID); cl.Status != "ready" {
		t.Errorf("refused claim moved to %s", cl.Status)
	}

	// Another tenant's claim answers as a made-up ID, and is unchanged.
	before := status(other.admin, foreign.ID)
	madeUp := uuid.NewString()
	var cross bulkAnswer
	w.mustCall(200, biller, "POST", path, map[string]any{"action": "write_off", "claim_ids": []string{foreign.ID, madeUp}}, &cross)
	if len(cross.Results) != 2 {
		t.Fatalf("cross-tenant results = %+v", cross.Results)
	}
	a, b := cross.Results[0], cross.Results[1]
	if a.ClaimID != foreign.ID || b.ClaimID != madeUp || a.OK || b.OK || a.Status != "" || b.Status != "" ||
		string(a.Problem) != string(b.Problem) || problem(a.Problem).Type != problemBase+"not-found" {
		t.Errorf("another tenant's claim %+v %s vs a made-up ID %+v %s: want the same not-found answer", a, a.Problem, b, b.Problem)
	}
	if after := status(other.admin, foreign.ID); after.Status != "scrub_failed" || len(after.History) != len(before.History) {
		t.Errorf("the other tenant's claim changed: %s, %d history rows (was %d)", after.Status, len(after.History), len(before.History))
	}

	// Check status now: a 276 goes out at once for the accepted claim; the
	// ready one is refused.
	var cs bulkAnswer
	w.mustCall(200, biller, "POST", path, map[string]any{"action": "check_status", "claim_ids": []string{asked.ID, ready.ID}, "note": "patient called"}, &cs)
	if len(cs.Results) != 2 || !cs.Results[0].OK || cs.Results[0].Status != "accepted" || cs.Results[0].Inquiry == "" {
		t.Fatalf("check status results = %+v", cs.Results)
	}
	if r := cs.Results[1]; r.OK || r.Status != "ready" || problem(r.Problem).Type != problemBase+"inquiry-refused" ||
		!strings.Contains(problem(r.Problem).Detail, "not been submitted yet") {
		t.Errorf("check status of a ready claim = %+v %s", r, r.Problem)
	}
	rt.mu.Lock()
	sent := rt.sent
	rt.mu.Unlock()
	if len(sent) != 1 || !strings.Contains(string(sent[0]), "ST*276*") {
		t.Fatalf("%d 276s sent, want one", len(sent))
	}
	evs, err := w.store.ClaimEvents(ctx, store.System, asked.ID)
	require.NoError(t, err)
	var inq []store.ClaimEvent
	for _, e := range evs {
		if e.Kind == store.EventInquiry276 {
			inq = append(inq, e)
		}
	}
	if len(inq) != 1 || inq[0].FileKey == "" || inq[0].ResponseKey == "" {
		t.Errorf("276/277 claim events = %+v, want one with the 276 and the 277", inq)
	}
	cl := status(biller, asked.ID)
	last := cl.History[len(cl.History)-1]
	if cl.Status != "accepted" || last.ActorName != "biller-bulk" || !strings.HasPrefix(last.Reason, "276 inquiry asked by staff: ") ||
		!strings.HasSuffix(last.Reason, "; patient called") {
		t.Errorf("history after the inquiry = %+v", last)
	}

	// Resubmit: the scrub-failed claim starts its next attempt; a claim
	// whose workflow no worker serves times out alone.
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ClaimIDPrefix + stuck.ID, TaskQueue: "claimflow-no-worker"},
		workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: stuck.ID})
	require.NoError(t, err)
	defer func(d time.Duration) { bulkClaimTimeout = d }(bulkClaimTimeout)
	bulkClaimTimeout = 3 * time.Second
	var rs bulkAnswer
	w.mustCall(200, biller, "POST", path, map[string]any{"action": "resubmit", "claim_ids": []string{stuck.ID, resub.ID}}, &rs)
	if len(rs.Results) != 2 || !rs.Results[1].OK || rs.Results[1].Status != "resubmitted" {
		t.Fatalf("resubmit results = %+v", rs.Results)
	}
	if r := rs.Results[0]; r.ClaimID != stuck.ID || r.OK || r.Status != "draft" || problem(r.Problem).Type != problemBase+"timeout" {
		t.Errorf("resubmit of a stuck claim = %+v %s, want a timeout", r, r.Problem)
	}
	waitFor(biller, resub.ID, "ready")

	// Bad requests: 422 naming the field.
	ids := make([]string, 201)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	for _, bad := range []struct {
		body    map[string]any
		pointer string
	}{
		{map[string]any{"action": "write_off", "claim_ids": []string{}}, "/claim_ids"},
		{map[string]any{"action": "write_off"}, "/claim_ids"},
		{map[string]any{"action": "write_off", "claim_ids": ids}, "/claim_ids"},
		{map[string]any{"action": "delete", "claim_ids": []string{off1.ID}}, "/action"},
		{map[string]any{"action": "write_off", "claim_ids": []string{off1.ID, "not-a-claim"}}, "/claim_ids/1"},
		{map[string]any{"action": "write_off", "claim_ids": []string{off1.ID, off1.ID}}, "/claim_ids/1"},
		{map[string]any{"action": "write_off", "claim_ids": []string{off1.ID}, "note": strings.Repeat("x", 2001)}, "/note"},
	} {
		var p Problem
		w.mustCall(422, biller, "POST", path, bad.body, &p)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != bad.pointer {
			t.Errorf("%v: problems %+v, want one naming %s", bad.body, p.Errors, bad.pointer)
		}
	}
	desk := w.token(w.facA.ID, "desk-bulk", "front_desk")
	w.mustCall(403, desk, "POST", path, map[string]any{"action": "write_off", "claim_ids": []string{ready.ID}}, nil)
}

// The bulk route in TestRouteIsolation: tenant B writes off tenant A's
// claim; each result repeats the claim ID B sent.
func bulkIsoBody(x, _ *tenant) any {
	return map[string]any{"action": "write_off", "claim_ids": []string{x.recs.claim.ID}}
}

func bulkIsoEcho(x *tenant) []string { return []string{x.recs.claim.ID} }
