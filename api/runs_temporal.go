package api

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// TemporalRuns implements Runs by triggering the Temporal Schedule the
// worker created (workflows.EnsureSchedules): the run is the scheduled
// workflow, started now, under the schedule's overlap policy (a run still
// going is not doubled).
type TemporalRuns struct {
	Client client.Client
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
