package workflows

import (
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
