package chaos

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// What the claims of a run cost the Temporal server, counted from the
// histories (issue 20, "say where the remaining time goes"): for every
// workflow type that ran in a window (the claims' own, the 837 batches,
// the inbound polls, the remittance postings, the statements, the
// Schedules' scheduler workflows), the server-side work its histories
// record, summed and divided by the number of claims: a claim's share of
// everything it caused. Only events inside the window count, so a
// scheduler workflow that ran before and after the claims counts for the
// claims' time only.

// Cost counts one history's (or a sum of histories') server-side work.
type Cost struct {
	Runs            int // runs started inside the window
	Events          int
	Bytes           int // events as stored (proto size)
	WorkflowTasks   int // workflow tasks completed
	TasksFailed     int // workflow tasks failed or timed out
	Activities      int // activity tasks scheduled
	LocalActivities int // local-activity markers
	OtherMarkers    int // version and side-effect markers
	Signals         int // signals received
	SignalsSent     int // SignalExternalWorkflowExecution initiated
	Timers          int // timers started
	TimersCanceled  int
	TimersFired     int
	Upserts         int // UpsertWorkflowSearchAttributes
	Children        int // child workflows started
	Updates         int // updates accepted
}

// Add sums o into c.
func (c *Cost) Add(o Cost) {
	c.Runs += o.Runs
	c.Events += o.Events
	c.Bytes += o.Bytes
	c.WorkflowTasks += o.WorkflowTasks
	c.TasksFailed += o.TasksFailed
	c.Activities += o.Activities
	c.LocalActivities += o.LocalActivities
	c.OtherMarkers += o.OtherMarkers
	c.Signals += o.Signals
	c.SignalsSent += o.SignalsSent
	c.Timers += o.Timers
	c.TimersCanceled += o.TimersCanceled
	c.TimersFired += o.TimersFired
	c.Upserts += o.Upserts
	c.Children += o.Children
	c.Updates += o.Updates
}

// CountEvents counts the events of one history that happened in
// [from, to) (a zero to: no end).
func CountEvents(events []*historypb.HistoryEvent, from, to time.Time) Cost {
	var c Cost
	for _, e := range events {
		at := e.GetEventTime().AsTime()
		if at.Before(from) || (!to.IsZero() && !at.Before(to)) {
			continue
		}
		c.Events++
		c.Bytes += proto.Size(e)
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			c.Runs++
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			c.WorkflowTasks++
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			c.TasksFailed++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			c.Activities++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
				c.LocalActivities++
			} else {
				c.OtherMarkers++
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			c.Signals++
		case enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
			c.SignalsSent++
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			c.Timers++
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			c.TimersCanceled++
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			c.TimersFired++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			c.Upserts++
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			c.Children++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			c.Updates++
		}
	}
	return c
}

// Costs lists every workflow run of the namespace active in [from, to)
// (the Schedules' scheduler workflows too) and counts its events in that
// window, by workflow type.
func Costs(ctx context.Context, c client.Client, ns string, from, to time.Time) (map[string]Cost, error) {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	// Runs that started before to and had not closed before from.
	window := fmt.Sprintf(`StartTime < %q AND (ExecutionStatus = "Running" OR CloseTime >= %q)`, ts(to), ts(from))
	type run struct{ typ, id, runID string }
	var runs []run
	for _, q := range []string{window, window + ` AND TemporalNamespaceDivision = "TemporalScheduler"`} {
		var token []byte
		for {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: q, PageSize: 1000, NextPageToken: token})
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", q, err)
			}
			for _, e := range resp.Executions {
				runs = append(runs, run{e.GetType().GetName(), e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()})
			}
			if token = resp.NextPageToken; len(token) == 0 {
				break
			}
		}
	}
	slices.SortFunc(runs, func(a, b run) int { return strings.Compare(a.id+a.runID, b.id+b.runID) })
	runs = slices.CompactFunc(runs, func(a, b run) bool { return a.id == b.id && a.runID == b.runID })
	out := map[string]Cost{}
	var mu sync.Mutex
	var first error
	work := make(chan run)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				var events []*historypb.HistoryEvent
				it := c.GetWorkflowHistory(ctx, r.id, r.runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
				var err error
				for it.HasNext() {
					var e *historypb.HistoryEvent
					if e, err = it.Next(); err != nil {
						break
					}
					events = append(events, e)
				}
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("history of %s: %w", r.id, err)
				}
				sum := out[r.typ]
				sum.Add(CountEvents(events, from, to))
				out[r.typ] = sum
				mu.Unlock()
			}
		}()
	}
	for _, r := range runs {
		work <- r
	}
	close(work)
	wg.Wait()
	return out, first
}

// PrintCosts writes the costs by workflow type and their sum, each also
// divided by per (the number of claims): a Markdown table.
func PrintCosts(w io.Writer, costs map[string]Cost, per int) {
	types := make([]string, 0, len(costs))
	for t := range costs {
		types = append(types, t)
	}
	sort.Strings(types)
	var total Cost
	for _, t := range types {
		total.Add(costs[t])
	}
	d := float64(max(per, 1))
	row := func(name string, c Cost, div float64) {
		f := func(n int) string {
			if div == 1 {
				return fmt.Sprint(n)
			}
			return fmt.Sprintf("%.2f", float64(n)/div)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, f(c.Runs), f(c.WorkflowTasks),
			f(c.Events), f(c.Bytes), f(c.Activities), f(c.LocalActivities), f(c.OtherMarkers), f(c.Signals), f(c.SignalsSent),
			f(c.Timers), f(c.TimersCanceled), f(c.Upserts), f(c.Children), f(c.TasksFailed))
	}
	head := "| %s | runs | workflow tasks | events | bytes | activities | local activities | other markers | signals received | signals sent | timers | timers canceled | SA upserts | children | tasks failed/timed out |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
	fmt.Fprintf(w, head, "workflow type (sum)")
	for _, t := range types {
		row(t, costs[t], 1)
	}
	row("all", total, 1)
	fmt.Fprintf(w, "\n"+head, fmt.Sprintf("per claim (/%d)", per))
	for _, t := range types {
		row(t, costs[t], d)
	}
	row("all", total, d)
}
