package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// ScheduleSpec configures claimflow's recurring runs.
type ScheduleSpec struct {
	TaskQueue      string
	Clearinghouses []string      // one batch schedule per clearinghouse
	BatchEvery     time.Duration // default 1h
	PollEvery      time.Duration // inbound polling per clearinghouse, default 5m
	// Eligibility enables the nightly eligibility sweep, at EligibilityCron
	// (default 02:00 daily).
	Eligibility     bool
	EligibilityCron string
	TimeZone        string // default UTC
	// AuditCheckpointEvery, when set, exports a signed checkpoint of the
	// audit log to the archive this often.
	AuditCheckpointEvery time.Duration
}

// ScheduleIDs returns the IDs EnsureSchedules manages.
func ScheduleIDs(spec ScheduleSpec) []string {
	var ids []string
	if spec.Eligibility {
		ids = append(ids, "eligibility-nightly")
	}
	for _, ch := range spec.Clearinghouses {
		ids = append(ids, "batch/"+ch, "inbound/"+ch)
	}
	if spec.AuditCheckpointEvery > 0 {
		ids = append(ids, "audit-checkpoint")
	}
	return ids
}

// EnsureSchedules creates claimflow's Temporal Schedules when missing and
// updates them to the given spec when present, so starting any number of
// workers leaves exactly one schedule of each.
func EnsureSchedules(ctx context.Context, c client.Client, spec ScheduleSpec) error {
	if spec.BatchEvery == 0 {
		spec.BatchEvery = time.Hour
	}
	if spec.PollEvery == 0 {
		spec.PollEvery = 5 * time.Minute
	}
	if spec.EligibilityCron == "" {
		spec.EligibilityCron = "0 2 * * *"
	}
	if spec.TimeZone == "" {
		spec.TimeZone = "UTC"
	}
	type want struct {
		id     string
		spec   client.ScheduleSpec
		action *client.ScheduleWorkflowAction
	}
	var wants []want
	if spec.Eligibility {
		wants = append(wants, want{
			id:   "eligibility-nightly",
			spec: client.ScheduleSpec{CronExpressions: []string{spec.EligibilityCron}, TimeZoneName: spec.TimeZone},
			action: &client.ScheduleWorkflowAction{ID: "eligibility-sweep", Workflow: EligibilitySweepWorkflowName,
				Args: []any{EligibilitySweepInput{Days: 2}}, TaskQueue: spec.TaskQueue},
		})
	}
	for _, ch := range spec.Clearinghouses {
		wants = append(wants, want{
			id:   "batch/" + ch,
			spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: spec.BatchEvery}}},
			action: &client.ScheduleWorkflowAction{ID: "batch/" + ch, Workflow: BatchSubmissionWorkflowName,
				Args: []any{BatchInput{ClearinghouseID: ch}}, TaskQueue: spec.TaskQueue},
		}, want{
			id:   "inbound/" + ch,
			spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: spec.PollEvery}}},
			action: &client.ScheduleWorkflowAction{ID: "inbound/" + ch, Workflow: InboundPollWorkflowName,
				Args: []any{InboundPollInput{ClearinghouseID: ch}}, TaskQueue: spec.TaskQueue},
		})
	}
	if spec.AuditCheckpointEvery > 0 {
		wants = append(wants, want{
			id:   "audit-checkpoint",
			spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: spec.AuditCheckpointEvery}}},
			action: &client.ScheduleWorkflowAction{ID: "audit-checkpoint", Workflow: AuditCheckpointWorkflowName,
				Args: []any{AuditCheckpointInput{}}, TaskQueue: spec.TaskQueue},
		})
	}
	sc := c.ScheduleClient()
	for _, w := range wants {
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID: w.id, Spec: w.spec, Action: w.action,
			// A run still going when the next is due: skip the next.
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
			// A new installation gets its first audit checkpoint at once
			// (audit verify requires one where an archive is configured).
			TriggerImmediately: w.id == "audit-checkpoint",
		})
		if err == nil {
			continue
		}
		var exists *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) && !errors.As(err, &exists) {
			return fmt.Errorf("create schedule %s: %w", w.id, err)
		}
		h := sc.GetHandle(ctx, w.id)
		err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &w.spec
			s.Action = w.action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
		if err != nil {
			return fmt.Errorf("update schedule %s: %w", w.id, err)
		}
	}
	return nil
}
