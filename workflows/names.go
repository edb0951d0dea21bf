// Package workflows holds claimflow's Temporal workflows: plain functions
// that take and return one struct, deterministic, passing references (IDs,
// archive keys) rather than EDI bytes or PHI between steps.
package workflows

// Task queues, and the names of workflows, signals, queries and updates.
// Workflow IDs carry business meaning: smoke/<id>, claim/<claim-id>, ...
const (
	// DefaultTaskQueue is the queue the worker polls unless configured.
	DefaultTaskQueue = "claimflow"

	SmokeWorkflowName = "Smoke"
	// SmokeIDPrefix prefixes smoke workflow IDs.
	SmokeIDPrefix = "smoke/"

	// Claim lifecycle: one workflow per claim, ID claim/<claim-id>.
	ClaimWorkflowName = "Claim"
	ClaimIDPrefix     = "claim/"
	// SignalClaimSubmitted: the batch workflow put the claim in an uploaded 837.
	SignalClaimSubmitted = "claim.submitted"
	// SignalClaimAck: a TA1 or 999 for the claim's interchange/group arrived.
	SignalClaimAck = "claim.ack"
	// SignalClaimAck277CA: the payer's 277CA claim acknowledgment arrived.
	SignalClaimAck277CA = "claim.277ca"
	// SignalClaimRemit: remittance posting posted an 835 claim payment.
	SignalClaimRemit = "claim.remit"
	// UpdateClaimDecide carries a staff decision (resubmit, correct, appeal,
	// write_off), validated against the claim's current state.
	UpdateClaimDecide = "claim.decide"
	// UpdateClaimInquireNow is staff asking for a 276 status inquiry now,
	// refused unless the claim waits for its 835.
	UpdateClaimInquireNow = "claim.inquire-now"
	// QueryClaimState answers the claim's current state.
	QueryClaimState = "claim.state"

	// Batch submission, on a Schedule per clearinghouse: batch/<clearinghouse>/<time>.
	BatchSubmissionWorkflowName = "BatchSubmission"
	// Remittance posting, one workflow per 835 by the trading-partner account
	// it came through, payer and trace number: remit/<partner>/<payer>/<TRN02>.
	RemittanceWorkflowName = "RemittancePosting"
	RemitIDPrefix          = "remit/"

	// Prior authorization (issue 19), one workflow per authorization:
	// priorauth/<authorization-id>; started through the outbox.
	PriorAuthWorkflowName = "PriorAuthorization"
	PriorAuthIDPrefix     = "priorauth/"
	// QueryPriorAuthState answers the authorization's current state.
	QueryPriorAuthState = "priorauth.state"

	// Eligibility: eligibility/<appointment-id>[/<day>]; the nightly sweep
	// is EligibilitySweep on a Schedule.
	EligibilityWorkflowName      = "Eligibility"
	EligibilityIDPrefix          = "eligibility/"
	EligibilitySweepWorkflowName = "EligibilitySweep"

	// Inbound polling of a clearinghouse, on a Schedule: inbound/<clearinghouse>.
	InboundPollWorkflowName = "InboundPoll"

	// A signed checkpoint of the audit log to the archive, on a Schedule:
	// audit-checkpoint.
	AuditCheckpointWorkflowName = "AuditCheckpoint"

	// Patient engagement (issue 8).
	// Appointment reminders, one workflow per appointment: reminder/<appointment-id>.
	ReminderWorkflowName = "AppointmentReminders"
	ReminderIDPrefix     = "reminder/"
	// Waitlist backfill, one workflow per freed slot: waitlist/<provider>@<start>.
	WaitlistWorkflowName = "WaitlistBackfill"
	WaitlistIDPrefix     = "waitlist/"
	// Recurring appointments, one workflow per series: series/<series-id>.
	SeriesWorkflowName = "AppointmentSeries"
	SeriesIDPrefix     = "series/"
	// Patient statements, one workflow per statement: statement/<statement-id>.
	StatementWorkflowName = "PatientStatement"
	StatementIDPrefix     = "statement/"
	// SignalPatientReply carries a patient's SMS reply (confirm, cancel,
	// stop, start) to the reminder or waitlist workflow that messaged them.
	SignalPatientReply = "patient.reply"
	// SignalReminderReschedule: the appointment moved; re-plan the timers.
	SignalReminderReschedule = "reminder.reschedule"
	// SignalReminderCancel: the appointment was cancelled elsewhere; end.
	SignalReminderCancel = "reminder.cancel"
	// SignalWaitlistFilled: the slot was booked another way; stop offering.
	SignalWaitlistFilled = "waitlist.filled"
	// SignalStripeEvent carries a verified Stripe webhook event.
	SignalStripeEvent = "statement.stripe_event"
	// SignalStatementRefund asks for a refund of a statement payment.
	SignalStatementRefund = "statement.refund"
	// UpdateStatementRelease is staff's "review and release": a statement
	// is emailed only after it.
	UpdateStatementRelease = "statement.release"
	QueryReminderState     = "reminder.state"
	QueryWaitlistState     = "waitlist.state"
	QueryStatementState    = "statement.state"

	// Practice import (issue 21), one workflow per import: import/<run-id>.
	ImportWorkflowName = "PracticeImport"
	ImportIDPrefix     = "import/"
	// ImportSyncWorkflowName is one scheduled pass of an EHR sync; its
	// Schedule and the workflows it starts are import-sync/<sync-id>.
	ImportSyncWorkflowName = "ImportSync"
	ImportSyncIDPrefix     = "import-sync/"
	// QueryImportProgress answers the import's stage and counts.
	QueryImportProgress = "import.progress"
)
