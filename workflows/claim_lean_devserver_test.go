package workflows

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/chaos"
	"github.com/claimflow/claimflow/internal/testenv"
)

// TestClaimLeanOnDevServer runs a claim from scrub to paid on a real dev
// server as the outbox starts it (its first status's search attributes
// set), with the 999 and the 277CA in one workflow task (sent while no
// worker polls), and counts what its history costs the server
// (versionLean, issue 20): no activity task, one version marker, an
// upsert per status that changed the search attributes (ready,
// submitted, accepted, paid; acknowledged rides with accepted) beside
// the SDK's TemporalChangeVersion one, and overdue timers only for the
// 999 and the 835. The statuses recorded and the search attributes the
// UI filters on are those of every claim before. With -record-histories
// it saves the history for the replay test (first, so a run of the code
// before versionLean records its own history under another name).
func TestClaimLeanOnDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	mem := &memClaims{statuses: map[string][]string{}}
	acts := &activities.Activities{Claims: mem, Appeals: mem, COB: mem}
	newWorker := func() worker.Worker {
		w := worker.New(c, DefaultTaskQueue, worker.Options{})
		Register(w, acts)
		require.NoError(t, w.Start())
		return w
	}
	w := newWorker()
	defer func() { w.Stop() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	id := fmt.Sprintf("lean-%d", time.Now().UnixNano())
	// As the outbox starts a claim (ClaimStartSearchAttributes).
	start := temporal.NewSearchAttributes(saStatus.ValueSet(StatusScrubbing), saPayer.ValueSet(""), saAmount.ValueSet(0), saClaim.ValueSet(id))
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ClaimIDPrefix + id, TaskQueue: DefaultTaskQueue, TypedSearchAttributes: start},
		ClaimWorkflowName, ClaimInput{ClaimID: id})
	require.NoError(t, err)
	waitStatus := func(want string) {
		t.Helper()
		testenv.WaitFor(t, 30*time.Second, "claim status "+want, func() bool {
			v, err := c.QueryWorkflow(ctx, run.GetID(), "", QueryClaimState)
			var st ClaimState
			return err == nil && v.Get(&st) == nil && st.Status == want
		})
	}
	waitStatus(StatusReady)
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"}))
	waitStatus(StatusSubmitted)
	// The 999 and the 277CA of one inbound poll, in one workflow task.
	w.Stop()
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN9", FileKey: "ca"}))
	w = newWorker()
	waitStatus(StatusAccepted)
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T1", FileKey: "r1",
		ClaimStatusCode: "1", ChargeCents: 12500, PaidCents: 9000, Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}}))
	var st ClaimState
	require.NoError(t, run.Get(ctx, &st))
	require.Equal(t, StatusPaid, st.Status)

	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		events = append(events, e)
	}
	cost := chaos.CountEvents(events, time.Time{}, time.Time{})
	if *recordHistories {
		name := "claim_lean_acks_together_paid.json"
		if cost.Activities > 0 {
			name = "claim_rcm_acks_together_paid.json" // the code before versionLean
		}
		saveHistory(t, c, run.GetID(), run.GetRunID(), name)
	}

	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	mem.mu.Lock()
	got := slices.Compact(slices.Clone(mem.statuses[id]))
	mem.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("recorded statuses = %v, want %v", got, want)
	}
	if cost.Activities != 0 || cost.LocalActivities != 8 || cost.OtherMarkers != 1 || cost.Upserts != 5 || cost.Timers != 2 || cost.Signals != 4 {
		t.Errorf("history: %d activities, %d local activities, %d other markers, %d upserts, %d timers, %d signals; "+
			"want 0, 8 (6 statuses, scrub, COB), 1 (version), 5 (4 statuses and TemporalChangeVersion), 2 (999, 835), 4",
			cost.Activities, cost.LocalActivities, cost.OtherMarkers, cost.Upserts, cost.Timers, cost.Signals)
	}
	// The UI's filters find it with every attribute set.
	testenv.WaitFor(t, 15*time.Second, "visibility to index the claim", func() bool {
		resp, err := c.ListWorkflow(ctx, listRequest(fmt.Sprintf(`ClaimStatus = "paid" AND ClaimID = %q AND ClaimPayer = "ZZPAYER1" AND ClaimAmount = 125`, id)))
		return err == nil && len(resp.Executions) == 1
	})
}
