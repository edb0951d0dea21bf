package activities_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// flakyPoller stands in for the clearinghouse connector: its first
// attempt lists three files, finishes one and loses the connection; every
// attempt records the progress it was resumed from.
type flakyPoller struct {
	mu    sync.Mutex
	froms []activities.PollProgress
	err   error // returned by every attempt when set
}

func (p *flakyPoller) Poll(_ context.Context, _ string, from activities.PollProgress, report func(activities.PollProgress)) (activities.PollSummary, error) {
	p.mu.Lock()
	p.froms = append(p.froms, from)
	attempt := len(p.froms)
	p.mu.Unlock()
	if p.err != nil {
		return activities.PollSummary{}, p.err
	}
	s := from.Summary
	s.Failed = 0
	if !from.Listed {
		s.Listed = 3
		report(activities.PollProgress{Listed: true, Summary: s})
	}
	if attempt == 1 {
		s.Archived, s.Routed, s.Removed = s.Archived+1, s.Routed+1, s.Removed+1
		report(activities.PollProgress{Listed: true, Summary: s})
		s.Failed = 1
		report(activities.PollProgress{Listed: true, Summary: s})
		return s, errors.New("sftp: connection lost")
	}
	s.Archived, s.Routed, s.Removed = s.Archived+2, s.Routed+2, s.Removed+2
	report(activities.PollProgress{Listed: true, Summary: s})
	return s, nil
}

// permanentErr is an adapter error marked permanent, as the
// clearinghouse package marks a host key mismatch.
type permanentErr struct{}

func (permanentErr) Error() string   { return "host key mismatch" }
func (permanentErr) Permanent() bool { return true }

// runUnderRetry runs activity name (with arg) in a workflow under a retry
// policy, in the SDK's test environment, which retries the activity the way
// the server does and hands a retried attempt the last heartbeat details.
func runUnderRetry(t *testing.T, acts *activities.Activities, name string, arg, result any) error {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(acts)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5}})
		return workflow.ExecuteActivity(ctx, name, arg).Get(ctx, result)
	}, workflow.RegisterOptions{Name: "run"})
	env.ExecuteWorkflow("run")
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	return env.GetWorkflowError()
}

// TestPollInboundResumesFromHeartbeat: the first attempt fails after
// heartbeating its progress; Temporal retries the activity and the retried
// attempt starts from that progress (no second listing, counts carried).
func TestPollInboundResumesFromHeartbeat(t *testing.T) {
	t.Parallel()
	p := &flakyPoller{}
	var got activities.PollSummary
	if err := runUnderRetry(t, &activities.Activities{Inbound: p}, "PollInbound", "sim", &got); err != nil {
		t.Fatal(err)
	}
	if len(p.froms) != 2 {
		t.Fatalf("%d attempts, want 2", len(p.froms))
	}
	if p.froms[0] != (activities.PollProgress{}) {
		t.Errorf("first attempt resumed from %+v, want nothing", p.froms[0])
	}
	want := activities.PollProgress{Listed: true, Summary: activities.PollSummary{Listed: 3, Archived: 1, Routed: 1, Removed: 1, Failed: 1}}
	if p.froms[1] != want {
		t.Errorf("retried attempt resumed from %+v, want the first attempt's last heartbeat %+v", p.froms[1], want)
	}
	if w := (activities.PollSummary{Listed: 3, Archived: 3, Routed: 3, Removed: 3}); got != w {
		t.Errorf("result %+v, want %+v", got, w)
	}
}

// TestPollInboundPermanentIsNotRetried: an error the connector marks
// permanent fails the activity as non-retryable, with a stable type.
func TestPollInboundPermanentIsNotRetried(t *testing.T) {
	t.Parallel()
	p := &flakyPoller{err: permanentErr{}}
	var got activities.PollSummary
	err := runUnderRetry(t, &activities.Activities{Inbound: p}, "PollInbound", "sim", &got)
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != activities.ErrTypeClearinghouseRejected || !ae.NonRetryable() {
		t.Fatalf("got %v, want a non-retryable %s", err, activities.ErrTypeClearinghouseRejected)
	}
	if len(p.froms) != 1 {
		t.Fatalf("%d attempts, want 1", len(p.froms))
	}
	// A transient error is left to the retry policy.
	p = &flakyPoller{err: errors.New("connection reset")}
	err = runUnderRetry(t, &activities.Activities{Inbound: p}, "PollInbound", "sim", &got)
	if err == nil || len(p.froms) != 5 {
		t.Fatalf("transient error: %v after %d attempts, want failure after 5", err, len(p.froms))
	}
}

// flakyBatches uploads one batch per attempt and fails the first attempt.
type flakyBatches struct {
	mu    sync.Mutex
	froms []activities.BatchProgress
}

func (f *flakyBatches) SubmitBatchFrom(_ context.Context, _ activities.BatchRequest, from activities.BatchProgress, report func(activities.BatchProgress)) ([]activities.Batch, error) {
	f.mu.Lock()
	f.froms = append(f.froms, from)
	attempt := len(f.froms)
	f.mu.Unlock()
	all := []activities.Batch{{BatchID: "b1", FileKey: "k1"}, {BatchID: "b2", FileKey: "k2"}}
	out := append([]activities.Batch(nil), from.Uploaded...)
	for _, b := range all[len(out):] {
		if attempt == 1 && len(out) == 1 {
			return nil, errors.New("sftp: connection lost")
		}
		out = append(out, b)
		report(activities.BatchProgress{Uploaded: out})
	}
	return out, nil
}

// TestSubmitClaimBatchResumesFromHeartbeat: the retried attempt gets the
// batches the failed one uploaded.
func TestSubmitClaimBatchResumesFromHeartbeat(t *testing.T) {
	t.Parallel()
	f := &flakyBatches{}
	var got []activities.Batch
	if err := runUnderRetry(t, &activities.Activities{Batches: f}, "SubmitClaimBatch", activities.BatchRequest{ClearinghouseID: "sim", RunID: "r"}, &got); err != nil {
		t.Fatal(err)
	}
	if len(f.froms) != 2 || len(f.froms[1].Uploaded) != 1 || f.froms[1].Uploaded[0].BatchID != "b1" {
		t.Fatalf("attempts resumed from %+v, want the second from b1", f.froms)
	}
	if len(got) != 2 || got[0].BatchID != "b1" || got[1].BatchID != "b2" {
		t.Fatalf("result %+v, want b1 and b2", got)
	}
}
