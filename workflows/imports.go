package workflows

import (
	"context"
	"time"

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
			progress = p
		}
		return progress, err
	}
	if err := workflow.ExecuteActivity(long, a.ImportFetch, in).Get(ctx, &progress); err != nil {
		return fail(err)
	}
	progress.Stage = rcm.ImportStageValidate // the query tells which step runs
	if err := workflow.ExecuteActivity(long, a.ImportValidate, in).Get(ctx, &progress); err != nil {
		return fail(err)
	}
	if in.DryRun {
		return progress, nil
	}
	progress.Stage = rcm.ImportStageCommit
	for {
		var p fhirimport.Progress
		if err := workflow.ExecuteActivity(long, a.ImportCommit, fhirimport.CommitInput{Input: in, Limit: ImportCommitSlice}).Get(ctx, &p); err != nil {
			return fail(err)
		}
		moved := p.Done != progress.Done
		progress = p
		if p.Done >= p.Total || !moved {
			break
		}
	}
	short := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	err := workflow.ExecuteActivity(short, a.ImportFinish, fhirimport.FinishInput{RunID: in.RunID, Stage: rcm.ImportStageDone}).Get(ctx, &progress)
	return progress, err
}

// errText is the failure's message (activity errors name steps and HTTP
// statuses, never record values).
func errText(err error) string { return err.Error() }

// ImportRuns creates the run row an import workflow works on (the store).
type ImportRuns interface {
	CreateImportRun(ctx context.Context, a rcm.Actor, r rcm.ImportRun) (rcm.ImportRun, error)
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
