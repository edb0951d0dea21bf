package workflows

import (
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// Register registers every workflow and the activities' methods on w.
func Register(w worker.Registry, a *activities.Activities) {
	RegisterWorkflows(w)
	w.RegisterActivity(a)
}

// RegisterWorkflows registers every workflow by its name in names.go (also
// on the replayer that guards determinism).
func RegisterWorkflows(w worker.WorkflowRegistry) {
	w.RegisterWorkflowWithOptions(Smoke, workflow.RegisterOptions{Name: SmokeWorkflowName})
	w.RegisterWorkflowWithOptions(Claim, workflow.RegisterOptions{Name: ClaimWorkflowName})
	w.RegisterWorkflowWithOptions(RemittancePosting, workflow.RegisterOptions{Name: RemittanceWorkflowName})
	w.RegisterWorkflowWithOptions(BatchSubmission, workflow.RegisterOptions{Name: BatchSubmissionWorkflowName})
	w.RegisterWorkflowWithOptions(Eligibility, workflow.RegisterOptions{Name: EligibilityWorkflowName})
	w.RegisterWorkflowWithOptions(EligibilitySweep, workflow.RegisterOptions{Name: EligibilitySweepWorkflowName})
	w.RegisterWorkflowWithOptions(InboundPoll, workflow.RegisterOptions{Name: InboundPollWorkflowName})
	w.RegisterWorkflowWithOptions(AuditCheckpoint, workflow.RegisterOptions{Name: AuditCheckpointWorkflowName})
	w.RegisterWorkflowWithOptions(AppointmentReminders, workflow.RegisterOptions{Name: ReminderWorkflowName})
	w.RegisterWorkflowWithOptions(WaitlistBackfill, workflow.RegisterOptions{Name: WaitlistWorkflowName})
	w.RegisterWorkflowWithOptions(AppointmentSeries, workflow.RegisterOptions{Name: SeriesWorkflowName})
	w.RegisterWorkflowWithOptions(PatientStatement, workflow.RegisterOptions{Name: StatementWorkflowName})
	w.RegisterWorkflowWithOptions(PriorAuthorization, workflow.RegisterOptions{Name: PriorAuthWorkflowName})
	w.RegisterWorkflowWithOptions(PracticeImport, workflow.RegisterOptions{Name: ImportWorkflowName})
	w.RegisterWorkflowWithOptions(ImportSync, workflow.RegisterOptions{Name: ImportSyncWorkflowName})
}

// WorkerOptions are the worker's options (cmd/claimflow), shared with the
// tests that measure what the server sees of them: pollers workflow and
// activity task pollers (the SDK's default 2 + 2 cost 34–63% of the dev
// server's ceiling, see DESIGN.md).
func WorkerOptions(pollers int) worker.Options {
	return worker.Options{
		MaxConcurrentWorkflowTaskPollers: pollers,
		MaxConcurrentActivityTaskPollers: pollers,
		StickyScheduleToStartTimeout:     StickyScheduleToStart,
		// At least the pollers, or they would wait for slots.
		MaxConcurrentWorkflowTaskExecutionSize: max(WorkflowTaskSlots, pollers),
	}
}

// WorkflowTaskSlots is how many workflow tasks the worker runs at once
// (the SDK's default is 1,000). A workflow task holds its slot while its
// local activities run (a claim's first task scrubs and records two
// statuses), and its 10 s start-to-close timeout counts that time: with
// 1,000 at once on a worker that had a fraction of a core, 345 of 2,000
// claims' first tasks took over 5 s (TMPRL1104) in the throughput run,
// past 8 s the SDK sends a heartbeat (one more workflow task), and past
// 10 s the task times out and runs again. Sixteen, the store's default
// Postgres pool, keeps each task's local activities short; the other
// tasks wait on the server's queue (schedule-to-start, which costs no
// event) instead of inside a started task.
const WorkflowTaskSlots = 16

// StickyScheduleToStart is how long a workflow task waits on the worker's
// sticky queue before the server moves it to the task queue, where any
// worker takes it with the run's whole history (issue 20). The SDK's 5 s
// was shorter than a burst takes to start: an 837 batch or an 835 tells
// hundreds of claims within a second, each a workflow task on the same
// worker's sticky queue, and the server starts them one by one (1,000
// claims told at once on the dev server: the median task waited 4.7 s to
// start, 923 timed out, each three more events and a replay of the whole
// history, which slowed the rest). A worker that stops says so to the
// server (ShutdownWorker), and the server stops adding to the sticky
// queue of a worker that no longer polls, so this bounds only the tasks
// a crashed worker had queued.
const StickyScheduleToStart = time.Minute
