package api

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/workflows"
)

// TemporalRuns implements Runs by triggering the Temporal Schedule the
// worker created (workflows.EnsureSchedules): the run is the scheduled
// workflow, started now, under the schedule's overlap policy (a run still
// going is not doubled).
type TemporalRuns struct {
	Client client.Client
	// TaskQueue is the worker's queue, for runs started for one
	// organisation.
	TaskQueue string
}

// Trigger runs the schedule now.
func (t TemporalRuns) Trigger(ctx context.Context, scheduleID string) error {
	err := t.Client.ScheduleClient().GetHandle(ctx, scheduleID).Trigger(ctx, client.ScheduleTriggerOptions{})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ErrNoSchedule
	}
	return err
}

// SubmitFor starts the batch workflow for one organisation's ready claims,
// as batch/<clearinghouse>/org/<org-id>/<second>: a second request in the
// same second joins the run already started.
func (t TemporalRuns) SubmitFor(ctx context.Context, clearinghouse, orgID string) (string, error) {
	id := "batch/" + clearinghouse + "/org/" + orgID + "/" + time.Now().UTC().Format("20060102T150405Z")
	run, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: t.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		workflows.BatchSubmissionWorkflowName, workflows.BatchInput{ClearinghouseID: clearinghouse, OrgID: orgID})
	if err != nil {
		return "", err
	}
	return run.GetID(), nil
}
