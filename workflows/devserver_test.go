package workflows

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
)

var recordHistories = flag.Bool("record-histories", false, "record workflow histories on the dev server into testdata/histories")

// memClaims is an in-memory ClaimService used only by the tests in this
// file, to drive the workflow on the real dev server without the records
// store (the store's implementation is tested in its own package).
type memClaims struct {
	mu       sync.Mutex
	statuses map[string][]string
	// next answers AdvanceClaimPayer per claim, in order (claim_cob_test.go).
	next map[string][]rcm.COBNext
	// delay is how long a status write takes (a Postgres write, in
	// claim_burst_devserver_test.go).
	delay time.Duration
}

func (m *memClaims) Scrub(_ context.Context, req activities.ScrubRequest) (activities.ScrubResult, error) {
	return activities.ScrubResult{PayerID: "ZZPAYER1", ClearinghouseID: "sim", ChargeCents: 12500, FilingLimitDays: 90}, nil
}

func (m *memClaims) RecordStatus(_ context.Context, ch activities.ClaimStatusChange) error {
	time.Sleep(m.delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.statuses[ch.ClaimID]
	if len(s) < ch.Seq { // idempotent by sequence
		m.statuses[ch.ClaimID] = append(s, ch.Status)
	}
	return nil
}

func (m *memClaims) FileAppeal(context.Context, activities.AppealRequest) error { return nil }

func startWorker(t *testing.T, c client.Client, acts *activities.Activities) {
	t.Helper()
	w := worker.New(c, DefaultTaskQueue, worker.Options{})
	Register(w, acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
}

// TestClaimOnDevServer runs a claim from scrub to paid on a real Temporal
// dev server: signals, the staff-decision update with its validator, the
// query, and the ClaimStatus search attribute that the Temporal UI filters
// on. With -record-histories it saves the history for the replay test.
// Hold and release (decisions from versionRCM) answer with the status the
// workflow wrote.
func TestClaimOnDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	mem := &memClaims{statuses: map[string][]string{}}
	startWorker(t, c, &activities.Activities{Claims: mem, Appeals: mem, COB: mem})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	id := fmt.Sprintf("dev-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ClaimIDPrefix + id, TaskQueue: DefaultTaskQueue},
		ClaimWorkflowName, ClaimInput{ClaimID: id, Timing: ClaimTiming{EscalateBefore: time.Hour}})
	require.NoError(t, err)
	waitStatus := func(want string) {
		t.Helper()
		testenv.WaitFor(t, 20*time.Second, "claim status "+want, func() bool {
			v, err := c.QueryWorkflow(ctx, run.GetID(), "", QueryClaimState)
			if err != nil {
				return false
			}
			var st ClaimState
			return v.Get(&st) == nil && st.Status == want
		})
	}
	waitStatus(StatusReady)
	// Hold and release: each update answers once its status is written.
	for _, d := range []struct{ action, want string }{{ActionHold, StatusOnHold}, {ActionRelease, StatusReady}} {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: UpdateClaimDecide,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{Decision{Action: d.action, User: "biller1"}}})
		require.NoError(t, err)
		var got string
		require.NoError(t, h.Get(ctx, &got))
		mem.mu.Lock()
		recorded := mem.statuses[id][len(mem.statuses[id])-1]
		mem.mu.Unlock()
		if got != d.want || recorded != d.want {
			t.Fatalf("%s answered %q with %q recorded, want %q", d.action, got, recorded, d.want)
		}
	}
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN9", FileKey: "ca"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T1", FileKey: "r1",
		ClaimStatusCode: "4", ChargeCents: 12500, Adjustments: []activities.Adjustment{{Group: "CO", Reason: "50", AmountCents: 12500}}}))
	waitStatus(StatusAppealPending)

	// The validator refuses a decision the state does not allow ...
	refused, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: UpdateClaimDecide,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{Decision{Action: ActionResubmit, User: "biller1"}}})
	if err == nil {
		err = refused.Get(ctx, nil)
	}
	require.ErrorContains(t, err, "not allowed", "resubmit must be refused for a medical-necessity denial")
	// ... and accepts an appeal.
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: UpdateClaimDecide,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{Decision{Action: ActionAppeal, User: "biller1", Note: "records attached"}}})
	require.NoError(t, err)
	require.NoError(t, h.Get(ctx, nil))
	waitStatus(StatusAppealed)
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T2", FileKey: "r2",
		ClaimStatusCode: "1", ChargeCents: 12500, PaidCents: 9000, Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}}))
	var st ClaimState
	require.NoError(t, run.Get(ctx, &st))
	if st.Status != StatusPaid || st.PaidCents != 9000 {
		t.Fatalf("final state = %s paid %d", st.Status, st.PaidCents)
	}
	want := []string{StatusScrubbing, StatusReady, StatusOnHold, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusAppealPending, StatusAppealed, StatusPaid}
	mem.mu.Lock()
	got := slices.Compact(slices.Clone(mem.statuses[id]))
	mem.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("recorded statuses = %v, want %v", got, want)
	}

	// The UI's filter: ClaimStatus = "paid" finds the claim.
	testenv.WaitFor(t, 15*time.Second, "visibility to index the claim", func() bool {
		resp, err := c.ListWorkflow(ctx, listRequest(fmt.Sprintf(`ClaimStatus = "paid" AND ClaimID = %q`, id)))
		return err == nil && len(resp.Executions) == 1
	})

	if *recordHistories {
		// claim_appeal_paid.json is a run from before versionRCM: keep it.
		saveHistory(t, c, run.GetID(), run.GetRunID(), "claim_rcm_hold_appeal_paid.json")
	}
}

// TestSchedulesAreIdempotent: ensuring the schedules twice leaves one of
// each, with the latest spec.
func TestSchedulesAreIdempotent(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec := ScheduleSpec{TaskQueue: DefaultTaskQueue, Clearinghouses: []string{"sim", "other"}, Eligibility: true}
	require.NoError(t, EnsureSchedules(ctx, c, spec))
	spec.BatchEvery = 15 * time.Minute
	require.NoError(t, EnsureSchedules(ctx, c, spec))
	for _, id := range ScheduleIDs(spec) {
		d, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		require.NoError(t, err, id)
		if id == "batch/sim" {
			if got := d.Schedule.Spec.Intervals[0].Every; got != 15*time.Minute {
				t.Errorf("batch/sim every %v, want 15m", got)
			}
		}
	}
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	require.NoError(t, err)
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 {
		t.Errorf("%d schedules, want 5 (nightly eligibility, batch and inbound per clearinghouse)", n)
	}
}

// TestReplayCommittedHistories replays every committed history against the
// current workflow code: a change that breaks determinism for running
// workflows fails here (guard it with workflow.GetVersion).
func TestReplayCommittedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.json")
	require.NoError(t, err)
	if len(files) == 0 {
		t.Fatal("no committed histories; record them with: go test ./workflows -run TestClaimOnDevServer -record-histories")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			RegisterWorkflows(r)
			logger := tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}

func saveHistory(t *testing.T, c client.Client, id, runID, name string) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events [][]byte
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		b, err := protojson.Marshal(ev)
		require.NoError(t, err)
		events = append(events, b)
	}
	out := []byte(`{"events":[`)
	for i, e := range events {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	out = append(out, "]}\n"...)
	require.NoError(t, os.MkdirAll("testdata/histories", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("testdata/histories", name), out, 0o644))
}

func listRequest(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query}
}
