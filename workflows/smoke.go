package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// SmokeInput asks the smoke workflow to write a row and read it back.
type SmokeInput struct {
	ID      string
	Message string
	// Hold keeps the workflow busy in a heartbeating activity between the
	// write and the read, so tests can kill the worker mid-workflow.
	Hold time.Duration
}

// SmokeResult is what the round trip saw.
type SmokeResult struct {
	ID        string
	Message   string
	WrittenBy string
	ReadBy    string
	Started   time.Time
	Finished  time.Time
}

// Smoke proves the wiring: API-independent, it writes a row to Postgres
// through an activity, optionally holds, then reads the row back through
// another activity.
func Smoke(ctx workflow.Context, in SmokeInput) (SmokeResult, error) {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		HeartbeatTimeout:    2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Second,
		},
	})
	res := SmokeResult{ID: in.ID, Started: workflow.Now(ctx)}
	var w activities.SmokeWriteResult
	if err := workflow.ExecuteActivity(ctx, a.SmokeWrite, activities.SmokeWriteInput{ID: in.ID, Message: in.Message}).Get(ctx, &w); err != nil {
		return res, err
	}
	if in.Hold > 0 {
		holdCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: in.Hold + time.Minute,
			HeartbeatTimeout:    2 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: time.Second},
		})
		if err := workflow.ExecuteActivity(holdCtx, a.SmokeHold, in.Hold).Get(ctx, nil); err != nil {
			return res, err
		}
	}
	var r activities.SmokeReadResult
	if err := workflow.ExecuteActivity(ctx, a.SmokeRead, in.ID).Get(ctx, &r); err != nil {
		return res, err
	}
	res.Message, res.WrittenBy, res.ReadBy = r.Message, w.Worker, r.Worker
	res.Finished = workflow.Now(ctx)
	workflow.GetLogger(ctx).Info("smoke round trip complete", "id", in.ID)
	return res, nil
}
