package workflows

import (
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
)

// Register registers every workflow and the activities' methods on w.
func Register(w worker.Registry, a *activities.Activities) {
	w.RegisterWorkflowWithOptions(Smoke, workflow.RegisterOptions{Name: SmokeWorkflowName})
	w.RegisterActivity(a)
}
