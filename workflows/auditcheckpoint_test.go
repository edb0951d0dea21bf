package workflows

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/activities"
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
