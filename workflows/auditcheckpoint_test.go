package workflows

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
)

type fakeCheckpointer struct {
	calls int
	fail  int // fail this many calls first
}

func (f *fakeCheckpointer) ExportAuditCheckpoint(context.Context) (string, error) {
	f.calls++
	if f.calls <= f.fail {
		return "", errors.New("archive unavailable")
	}
	return "audit-checkpoints/test.json", nil
}

// TestAuditCheckpointExports: the scheduled workflow exports one
// checkpoint, retrying while the archive fails.
func TestAuditCheckpointExports(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	cp := &fakeCheckpointer{fail: 2}
	env.RegisterActivity(&activities.Activities{AuditCheckpoints: cp})
	env.ExecuteWorkflow(AuditCheckpoint, AuditCheckpointInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out activities.AuditCheckpointResult
	if err := env.GetWorkflowResult(&out); err != nil || out.ArchiveKey != "audit-checkpoints/test.json" {
		t.Fatalf("result %+v (%v)", out, err)
	}
	if cp.calls != 3 {
		t.Errorf("%d attempts, want 3", cp.calls)
	}
	if ids := ScheduleIDs(ScheduleSpec{AuditCheckpointEvery: 1}); !slices.Contains(ids, "audit-checkpoint") {
		t.Errorf("schedule IDs %v lack audit-checkpoint", ids)
	}
	if ids := ScheduleIDs(ScheduleSpec{}); slices.Contains(ids, "audit-checkpoint") {
		t.Errorf("schedule IDs %v have audit-checkpoint without an interval", ids)
	}
}

// TestAuditCheckpointScheduleRunsAtOnce: on the dev server, the
// audit-checkpoint schedule exports a first checkpoint as soon as it is
// created, then on its interval.
func TestAuditCheckpointScheduleRunsAtOnce(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp := &countingCheckpointer{}
	w := worker.New(c, "audit-checkpoint-test", worker.Options{})
	RegisterWorkflows(w)
	w.RegisterActivity(&activities.Activities{AuditCheckpoints: cp})
	require.NoError(t, w.Start())
	defer w.Stop()
	require.NoError(t, EnsureSchedules(ctx, c, ScheduleSpec{TaskQueue: "audit-checkpoint-test", AuditCheckpointEvery: time.Hour}))
	testenv.WaitFor(t, 20*time.Second, "the first audit checkpoint", func() bool { return cp.n.Load() >= 1 })
}

type countingCheckpointer struct{ n atomic.Int32 }

func (c *countingCheckpointer) ExportAuditCheckpoint(context.Context) (string, error) {
	c.n.Add(1)
	return "audit-checkpoints/test.json", nil
}
