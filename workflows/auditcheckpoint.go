package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// AuditCheckpointInput is the (empty) input of AuditCheckpoint.
type AuditCheckpointInput struct{}

// AuditCheckpoint exports a signed checkpoint of the audit log's chain
// heads to the archive (issue 14, finding 3), so that truncating the log,
// deleting a chain's tail or a whole chain is detected by claimflow audit
// verify against the last checkpoint.
func AuditCheckpoint(ctx workflow.Context, _ AuditCheckpointInput) (activities.AuditCheckpointResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var a *activities.Activities
	var out activities.AuditCheckpointResult
	err := workflow.ExecuteActivity(ctx, a.ExportAuditCheckpoint).Get(ctx, &out)
	return out, err
}
