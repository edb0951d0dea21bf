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
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// ImportCommitSlice is how many records one Commit activity writes; the
// workflow's progress query moves after each slice.
const ImportCommitSlice = 2000

// PracticeImport migrates a practice (issue 21): fetch → validate → report
// (a dry run ends here) → commit in slices. Every step is idempotent, so a
// crashed worker's retried activity, or a re-run of the same source,
// writes nothing twice; the progress is in import_runs and the
// import.progress query.
func PracticeImport(ctx workflow.Context, in fhirimport.Input) (fhirimport.Progress, error) {
	progress := fhirimport.Progress{Stage: rcm.ImportStageFetch}
	if err := workflow.SetQueryHandler(ctx, QueryImportProgress, func() (fhirimport.Progress, error) { return progress, nil }); err != nil {
		return progress, err
	}
	return importSteps(ctx, in, &progress)
}

// importSteps runs an import's steps; progress is what the progress
// query answers.
func importSteps(ctx workflow.Context, in fhirimport.Input, progress *fhirimport.Progress) (fhirimport.Progress, error) {
	var a *fhirimport.Activities
	long := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 6 * time.Hour,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 20},
	})
	fail := func(err error) (fhirimport.Progress, error) {
		short := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		var p fhirimport.Progress
		if e := workflow.ExecuteActivity(short, a.ImportFinish, fhirimport.FinishInput{RunID: in.RunID, Stage: rcm.ImportStageFailed, Error: errText(err)}).Get(ctx, &p); e == nil {
			*progress = p
		}
		return *progress, err
	}
	if !in.Staged {
		if err := workflow.ExecuteActivity(long, a.ImportFetch, in).Get(ctx, progress); err != nil {
			return fail(err)
		}
	}
	progress.Stage = rcm.ImportStageValidate // the query tells which step runs
	if err := workflow.ExecuteActivity(long, a.ImportValidate, in).Get(ctx, progress); err != nil {
		return fail(err)
	}
	if in.DryRun {
		return *progress, nil
	}
	progress.Stage = rcm.ImportStageCommit
	for {
		var p fhirimport.Progress
		if err := workflow.ExecuteActivity(long, a.ImportCommit, fhirimport.CommitInput{Input: in, Limit: ImportCommitSlice}).Get(ctx, &p); err != nil {
			return fail(err)
		}
		moved := p.Done != progress.Done
		*progress = p
		if p.Done >= p.Total || !moved {
			break
		}
	}
	short := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	err := workflow.ExecuteActivity(short, a.ImportFinish, fhirimport.FinishInput{RunID: in.RunID, Stage: rcm.ImportStageDone}).Get(ctx, progress)
	return *progress, err
}

// ImportSync is one scheduled pass of an EHR sync (the Schedule
// import-sync/<sync-id> starts it): it opens an import run for the
// changes since the sync's high-water mark, runs the import's steps on
// it (a known record's change is applied or flagged at commit), and moves
// the mark only when the pass committed, so a failed pass is asked again.
func ImportSync(ctx workflow.Context, in fhirimport.SyncInput) (fhirimport.Progress, error) {
	progress := fhirimport.Progress{Stage: rcm.ImportStageFetch}
	if err := workflow.SetQueryHandler(ctx, QueryImportProgress, func() (fhirimport.Progress, error) { return progress, nil }); err != nil {
		return progress, err
	}
	var a *fhirimport.Activities
	short := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10},
	})
	var run fhirimport.Input
	if err := workflow.ExecuteActivity(short, a.SyncBegin, in).Get(ctx, &run); err != nil {
		return progress, err
	}
	p, err := importSteps(ctx, run, &progress)
	fin := fhirimport.SyncFinishInput{SyncID: in.SyncID, RunID: run.RunID, Committed: err == nil && p.Stage == rcm.ImportStageDone}
	if err != nil {
		fin.Error = errText(err)
	}
	if e := workflow.ExecuteActivity(short, a.SyncFinish, fin).Get(ctx, nil); e != nil && err == nil {
		err = e
	}
	return p, err
}

// ImportSyncScheduleID names a sync's Temporal Schedule.
func ImportSyncScheduleID(syncID string) string { return ImportSyncIDPrefix + syncID }

// EnsureImportSyncSchedule creates a sync's Schedule (every x.Every; a
// pass still running when the next is due skips the next) or updates it
// to x.Every when it exists.
func EnsureImportSyncSchedule(ctx context.Context, c client.Client, queue string, x rcm.ImportSync) error {
	return ensureImportSyncSchedule(ctx, c, queue, x, false)
}

// ensureImportSyncSchedule is EnsureImportSyncSchedule; with unpause, an
// existing Schedule is also unpaused by the same update.
func ensureImportSyncSchedule(ctx context.Context, c client.Client, queue string, x rcm.ImportSync, unpause bool) error {
	id := ImportSyncScheduleID(x.ID)
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: x.Every}}}
	action := &client.ScheduleWorkflowAction{ID: id, Workflow: ImportSyncWorkflowName, Args: []any{fhirimport.SyncInput{SyncID: x.ID}}, TaskQueue: queue}
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
	if err == nil {
		return nil
	}
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) && !errors.As(err, &exists) {
		return fmt.Errorf("create schedule %s: %w", id, err)
	}
	return sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		s.Spec, s.Action = &spec, action
		if unpause && s.State != nil {
			st := *s.State
			st.Paused, st.Note = false, "resumed by staff in claimflow"
			s.State = &st
		}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
}

// TriggerImportSync runs a sync's pass now (its Schedule's trigger; the
// overlap policy skips it while a pass runs).
func TriggerImportSync(ctx context.Context, c client.Client, syncID string) error {
	return c.ScheduleClient().GetHandle(ctx, ImportSyncScheduleID(syncID)).Trigger(ctx, client.ScheduleTriggerOptions{})
}

// PauseImportSync pauses a sync's Schedule: no pass starts until it is
// unpaused (a pass already running ends normally).
func PauseImportSync(ctx context.Context, c client.Client, syncID string) error {
	return c.ScheduleClient().GetHandle(ctx, ImportSyncScheduleID(syncID)).Pause(ctx, client.SchedulePauseOptions{Note: "paused by staff in claimflow"})
}

// ResumeImportSync unpauses a sync's Schedule; a Schedule that is missing
// (removed by hand) is created again, from the sync's row, unpaused. The
// unpause goes in the same update as the sync's interval and action: an
// update followed by a separate Unpause reached the scheduler workflow as
// two signals, and when both landed in one workflow task the update's copy
// of the old state (paused) could win, leaving the Schedule paused
// (TestImportSyncCLI timed out waiting for the unpause in a CI run).
func ResumeImportSync(ctx context.Context, c client.Client, queue string, x rcm.ImportSync) error {
	return ensureImportSyncSchedule(ctx, c, queue, x, true)
}

// DeleteImportSyncSchedule deletes a sync's Schedule; one already gone
// (removed by hand) is not an error. Passes already run keep their
// histories and import runs.
func DeleteImportSyncSchedule(ctx context.Context, c client.Client, syncID string) error {
	err := c.ScheduleClient().GetHandle(ctx, ImportSyncScheduleID(syncID)).Delete(ctx)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// errText is the failure's message (activity errors name steps and HTTP
// statuses, never record values).
func errText(err error) string { return err.Error() }

// ImportRuns creates the run row an import workflow works on (the store).
type ImportRuns interface {
	CreateImportRun(ctx context.Context, a rcm.Actor, r rcm.ImportRun) (rcm.ImportRun, error)
}

// ImportUploads is the store's side of uploaded imports and of committing
// a reviewed dry run.
type ImportUploads interface {
	ImportRuns
	StageImportUpload(ctx context.Context, a rcm.Actor, run rcm.ImportRun, items []rcm.ImportItem) error
	SetImportStage(ctx context.Context, runID, stage, errText string) error
	GetImportRun(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error)
	CommitImportRun(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error)
	UncommitImportRun(ctx context.Context, id string) error
}

// StartUploadedImport creates the run, stages the uploaded records (sealed,
// audited) and starts import/<run-id> at validation. A run whose records
// could not be staged is marked failed, never left in fetch.
func StartUploadedImport(ctx context.Context, c client.Client, queue string, st ImportUploads, a rcm.Actor, in fhirimport.Input, sourceName string, items []rcm.ImportItem) (rcm.ImportRun, error) {
	run, err := st.CreateImportRun(ctx, a, rcm.ImportRun{OrgID: in.OrgID, Source: in.Source, SourceName: sourceName, DryRun: in.DryRun})
	if err != nil {
		return run, err
	}
	if err := st.StageImportUpload(ctx, a, run, items); err != nil {
		_ = st.SetImportStage(context.WithoutCancel(ctx), run.ID, rcm.ImportStageFailed, "the uploaded records could not be stored")
		return run, err
	}
	in.RunID, in.UserID, in.Paths, in.Staged = run.ID, a.UserID, nil, true
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ImportIDPrefix + run.ID, TaskQueue: queue}, ImportWorkflowName, in); err != nil {
		_ = st.SetImportStage(context.WithoutCancel(ctx), run.ID, rcm.ImportStageFailed, "the import workflow could not be started")
		return run, err
	}
	return st.GetImportRun(ctx, a, run.ID)
}

// CommitImport commits a finished dry run: the run is marked an import
// (once; audited) and import/<run-id> runs again on the records the dry
// run staged, validating them anew (what exists may have changed since
// the report) and committing the valid ones. The source is not read again:
// what is committed is what was reviewed.
func CommitImport(ctx context.Context, c client.Client, queue string, st ImportUploads, a rcm.Actor, id string) (rcm.ImportRun, error) {
	run, err := st.CommitImportRun(ctx, a, id)
	if err != nil {
		return run, err
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: run.OrgID, UserID: a.UserID, Source: run.Source, Staged: true}
	// The dry run's workflow has ended (its last step wrote the report
	// stage); should it still be closing, the start is refused rather than
	// answered with the old execution.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ImportIDPrefix + run.ID, TaskQueue: queue,
		WorkflowExecutionErrorWhenAlreadyStarted: true}, ImportWorkflowName, in); err != nil {
		_ = st.UncommitImportRun(context.WithoutCancel(ctx), run.ID)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return run, fmt.Errorf("%w: the dry run's workflow is still closing", rcm.ErrConflict)
		}
		return run, err
	}
	return run, nil
}

// StartImport creates the run (patient:write at in.OrgID, checked by the
// store as the actor) and starts its workflow, import/<run-id>, as that
// actor. The API and the CLI both start imports through it.
func StartImport(ctx context.Context, c client.Client, queue string, runs ImportRuns, a rcm.Actor, in fhirimport.Input, sourceName string) (rcm.ImportRun, error) {
	run, err := runs.CreateImportRun(ctx, a, rcm.ImportRun{OrgID: in.OrgID, Source: in.Source, SourceName: sourceName, DryRun: in.DryRun})
	if err != nil {
		return run, err
	}
	in.RunID, in.UserID = run.ID, a.UserID
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ImportIDPrefix + run.ID, TaskQueue: queue}, ImportWorkflowName, in)
	return run, err
}
