package workflows

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
)

// TestClaimBurstOnDevServer runs a batch's worth of claims through the
// lifecycle on a real dev server with the worker's own options
// (WorkerOptions), telling them as the batch and remittance workflows do
// (all at once, TellClaimsSubmitted and TellClaimsPaid, 16 signals in
// flight), and asserts that no workflow task of theirs timed out on the
// sticky queue or failed (issue 20: 0.44–0.71 timed-out tasks per claim
// in the throughput runs, schedule-to-start on the sticky queue). With
// the SDK's 5 s StickyScheduleToStartTimeout 1,000 claims told at once
// had 923 such timeouts here (the median task waited 4.7 s to start; the
// server starts a burst's tasks one by one). A start-to-close timeout (a
// poll answer lost on a saturated machine: one in 4,000 tasks was seen)
// is tolerated up to one per 500 claims. CLAIMFLOW_BURST_CLAIMS sets the
// number of claims (default 1,000: fewer did not exceed 5 s on 2 cores).
func TestClaimBurstOnDevServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hundreds of claims")
	}
	if raceEnabled {
		// The race detector slows the worker's tasks several times over,
		// toward their 10 s start-to-close timeout: scripts/test.sh runs
		// this test again without it.
		t.Skip("timing of a burst: run without -race (scripts/test.sh does)")
	}
	n := 1000
	if v := os.Getenv("CLAIMFLOW_BURST_CLAIMS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	srv := testenv.DevServer(t)
	c := srv.Client()
	// A status write takes about as long as the store's (a few ms).
	mem := &memClaims{statuses: map[string][]string{}, delay: 3 * time.Millisecond}
	acts := &activities.Activities{Claims: mem, Appeals: mem, COB: mem, Signaller: c}
	w := worker.New(c, DefaultTaskQueue, WorkerOptions(8))
	Register(w, acts)
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	prefix := fmt.Sprintf("burst-%d-", time.Now().UnixNano())
	ids := make([]string, n)
	runs := make([]client.WorkflowRun, n)
	inFlight(t, n, func(i int) error {
		ids[i] = prefix + strconv.Itoa(i)
		var err error
		runs[i], err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ClaimIDPrefix + ids[i], TaskQueue: DefaultTaskQueue,
			TypedSearchAttributes: ClaimStartSearchAttributes(ids[i])}, ClaimWorkflowName, ClaimInput{ClaimID: ids[i]})
		return err
	})
	waitAll := func(status string) {
		t.Helper()
		testenv.WaitFor(t, 5*time.Minute, fmt.Sprintf("%d claims %s", n, status), func() bool {
			mem.mu.Lock()
			defer mem.mu.Unlock()
			for _, id := range ids {
				if !slices.Contains(mem.statuses[id], status) {
					return false
				}
			}
			return true
		})
	}
	waitAll(StatusReady)
	b := activities.Batch{BatchID: "B1", InterchangeControl: "000000001", GroupControl: "1"}
	for i, id := range ids {
		b.Claims = append(b.Claims, activities.BatchClaim{ClaimID: id, TransactionControl: fmt.Sprintf("%04d", i+1)})
	}
	told, err := acts.TellClaimsSubmitted(ctx, []activities.Batch{b})
	require.NoError(t, err)
	require.Equal(t, n, told.Signalled)
	waitAll(StatusSubmitted)
	// One inbound poll's 999 and 277CA, claim by claim (as routing does).
	inFlight(t, n, func(i int) error {
		if err := c.SignalWorkflow(ctx, ClaimIDPrefix+ids[i], "", SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack"}); err != nil {
			return err
		}
		return c.SignalWorkflow(ctx, ClaimIDPrefix+ids[i], "", SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN", FileKey: "ca"})
	})
	waitAll(StatusAccepted)
	pays := make([]activities.ClaimPayment, n)
	for i, id := range ids {
		pays[i] = RemitSignal{ClaimID: id, TraceNumber: "T1", FileKey: "r1", ClaimStatusCode: "1", ChargeCents: 12500, PaidCents: 9000,
			Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}}
	}
	told, err = acts.TellClaimsPaid(ctx, pays)
	require.NoError(t, err)
	require.Equal(t, n, told.Signalled)
	for _, r := range runs {
		var st ClaimState
		require.NoError(t, r.Get(ctx, &st))
		require.Equal(t, StatusPaid, st.Status)
	}

	// Every claim's history: workflow tasks, and those that timed out
	// (by timeout type) or failed (by cause).
	var tasks, events int
	var waits []time.Duration // workflow task scheduled to started
	bad := map[string]int{}
	var example string
	for i, r := range runs {
		it := c.GetWorkflowHistory(ctx, r.GetID(), r.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var scheduled time.Time
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			events++
			var what string
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
				scheduled = e.GetEventTime().AsTime()
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
				waits = append(waits, e.GetEventTime().AsTime().Sub(scheduled))
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				tasks++
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
				what = "timed out " + e.GetWorkflowTaskTimedOutEventAttributes().GetTimeoutType().String()
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
				what = "failed " + e.GetWorkflowTaskFailedEventAttributes().GetCause().String()
			}
			if what != "" {
				bad[what]++
				if example == "" {
					example = fmt.Sprintf("claim %d, event %d", i, e.GetEventId())
				}
			}
		}
	}
	slices.Sort(waits)
	t.Logf("%d claims: %.2f events, %.2f workflow tasks per claim; workflow task scheduled to started: p50 %v, p99 %v, max %v; timed out or failed: %v",
		n, float64(events)/float64(n), float64(tasks)/float64(n), waits[len(waits)/2], waits[len(waits)*99/100], waits[len(waits)-1], bad)
	startToClose := bad["timed out "+enumspb.TIMEOUT_TYPE_START_TO_CLOSE.String()]
	if len(bad) > 1 || (len(bad) == 1 && startToClose == 0) || startToClose > n/500 {
		t.Errorf("workflow tasks timed out or failed: %v (first: %s); want none (start-to-close: at most %d)", bad, example, n/500)
	}
}

// inFlight calls f(0..n-1), 16 at a time, and fails the test on the
// first error.
func inFlight(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}
