package api

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/workflows"
)

// TestTemporalRunsTriggersTheWorkersSchedule: "Submit now" runs the batch
// schedule the worker created, on a real Temporal dev server, once per
// request; a schedule no worker created is ErrNoSchedule (503), not a
// silent success.
func TestTemporalRunsTriggersTheWorkersSchedule(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	ctx := context.Background()
	// Daily interval: nothing runs on its own during the test.
	if err := workflows.EnsureSchedules(ctx, c, workflows.ScheduleSpec{TaskQueue: "runs-test", Clearinghouses: []string{"zz"},
		BatchEvery: 24 * time.Hour, PollEvery: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	actions := func(id string) int {
		d, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d.Info.NumActions
	}
	if n := actions("batch/zz"); n != 0 {
		t.Fatalf("batch/zz ran %d times before anyone asked", n)
	}
	r := TemporalRuns{Client: c}
	if err := r.Trigger(ctx, "batch/zz"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "the triggered batch run", func() bool { return actions("batch/zz") == 1 })
	// The run is the batch workflow, under the schedule's ID prefix.
	it := c.ScheduleClient().GetHandle(ctx, "batch/zz")
	d, err := it.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Info.RecentActions) != 1 || d.Info.RecentActions[0].StartWorkflowResult == nil {
		t.Fatalf("recent actions = %+v", d.Info.RecentActions)
	}
	run := d.Info.RecentActions[0].StartWorkflowResult
	desc, err := c.DescribeWorkflowExecution(ctx, run.WorkflowID, run.FirstExecutionRunID)
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.WorkflowExecutionInfo.Type.Name; got != workflows.BatchSubmissionWorkflowName {
		t.Errorf("triggered workflow type %q, want %q", got, workflows.BatchSubmissionWorkflowName)
	}
	if n := actions("inbound/zz"); n != 0 {
		t.Errorf("inbound/zz ran %d times; only the batch was asked for", n)
	}
	if err := r.Trigger(ctx, "batch/nowhere"); !errors.Is(err, ErrNoSchedule) {
		t.Errorf("trigger of a missing schedule: %v, want ErrNoSchedule", err)
	}

	// One organisation's run: the batch workflow with the organisation in
	// its input, on the worker's queue.
	r.TaskQueue = "runs-test"
	const org = "01a2373f-0000-7000-8000-000000000001"
	wid, err := r.SubmitFor(ctx, "zz", org)
	if err != nil || !strings.HasPrefix(wid, "batch/zz/org/"+org+"/") {
		t.Fatalf("SubmitFor = %q, %v", wid, err)
	}
	hist := c.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := hist.Next()
	if err != nil {
		t.Fatal(err)
	}
	started := ev.GetWorkflowExecutionStartedEventAttributes()
	var in workflows.BatchInput
	if err := converter.GetDefaultDataConverter().FromPayloads(started.GetInput(), &in); err != nil {
		t.Fatal(err)
	}
	if started.GetWorkflowType().GetName() != workflows.BatchSubmissionWorkflowName || started.GetTaskQueue().GetName() != "runs-test" ||
		in != (workflows.BatchInput{ClearinghouseID: "zz", OrgID: org}) {
		t.Errorf("started %s on %s with %+v", started.GetWorkflowType().GetName(), started.GetTaskQueue().GetName(), in)
	}
}
