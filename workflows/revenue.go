package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// RemittanceInput names one 835 transaction; the workflow ID is
// remit/<partner>/<payer>/<TRN02>, so a re-delivered file starts nothing
// new, and two accounts' remittances never collide.
type RemittanceInput = activities.RemittanceRequest

// RemittanceResult is what posting did, plus the claims it told.
type RemittanceResult struct {
	activities.PostingResult
	Signalled      int // claim workflows told of their payment
	ClaimsNotFound int // payments for claims with no running workflow
	Statements     int // patient statements opened
}

// RemittanceID is the workflow ID for an 835 by the account it came
// through, payer and trace number.
func RemittanceID(partner, payerID, trace string) string {
	return RemitIDPrefix + partner + "/" + payerID + "/" + trace
}

// RemittancePosting posts one 835 exactly once and tells each claim's
// workflow its outcome. Posting is one activity over all claim payments (a
// slice of claim payments per database transaction inside it); a retry or
// a re-delivery finds the payments already posted and posts nothing twice,
// and the claim workflows ignore a payment they were told of before.
//
// Since version remitPagedVersion (issue 20) the posting activity answers
// counts only, and the workflow reads the matched payments back a page at
// a time to tell the claims and hand patient balances to billing,
// continuing as new when its history grows: an 835 of 10,000 claim
// payments no longer puts 10,000 payments in one activity result (past
// Temporal's 2 MB payload limit) nor 30,000 events in one history.
func RemittancePosting(ctx workflow.Context, in RemittanceInput) (RemittanceResult, error) {
	if workflow.GetVersion(ctx, remitPagedVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return remittancePostingV0(ctx, in)
	}
	var a *activities.Activities
	var res RemittanceResult
	after := 0
	if r := in.Resume; r != nil {
		res = RemittanceResult{PostingResult: r.Posting, Signalled: r.Signalled, ClaimsNotFound: r.ClaimsNotFound, Statements: r.Statements}
		after = r.AfterSeq
	} else {
		req := in
		req.Paged = true
		if err := workflow.ExecuteActivity(postingCtx(ctx), a.PostRemittance, req).Get(ctx, &res.PostingResult); err != nil {
			return res, err
		}
		if !res.Balanced {
			workflow.GetLogger(ctx).Warn("835 does not balance", "trace", in.TraceNumber, "problems", res.BalanceProblems)
		}
	}
	page := activities.RemittancePageRequest{Remittance: in, Limit: remitPageSize}
	page.Remittance.Resume, page.Remittance.Paged = nil, false
	pages := 0
	for {
		page.AfterSeq = after
		var got activities.RemittancePage
		if err := workflow.ExecuteActivity(activityCtx(ctx), a.RemittancePayments, page).Get(ctx, &got); err != nil {
			return res, err
		}
		if err := tellClaims(ctx, got.Payments, &res); err != nil {
			return res, err
		}
		if len(got.Payments) > 0 {
			if err := handToBilling(ctx, got.Payments, &res); err != nil {
				return res, err
			}
		}
		after = got.NextSeq
		if !got.More {
			return res, nil
		}
		if pages++; pages >= remitPagesPerRun || workflow.GetInfo(ctx).GetCurrentHistoryLength() >= remitHistoryEvents {
			next := in
			next.Resume = &activities.RemittanceResume{Posting: res.PostingResult, AfterSeq: after, Signalled: res.Signalled,
				ClaimsNotFound: res.ClaimsNotFound, Statements: res.Statements}
			return res, workflow.NewContinueAsNewError(ctx, RemittanceWorkflowName, next)
		}
	}
}

// remitPagedVersion marks the paged remittance workflow (workflow.GetVersion).
const remitPagedVersion = "remit-paged-posting"

// Variables so a test can page and continue as new on a small 835.
var (
	// remitPageSize is how many matched claim payments one page reads.
	remitPageSize = 200
	// remitPagesPerRun pages are told per run, then the workflow continues
	// as new: a page adds at most about 1,000 events (two per signal, two
	// or three per statement started), so a run stays near 5,000 events
	// and 1 MB whatever the size of the 835.
	remitPagesPerRun = 5
	// remitHistoryEvents: or sooner, past this history length.
	remitHistoryEvents = 8000
)

func postingCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		// Posting heartbeats at least every 5 s: a killed worker's posting
		// is retried elsewhere within 15 s.
		HeartbeatTimeout: 15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{"MalformedRemittance"}},
	})
}

// remittancePostingV0 is the workflow before remitPagedVersion, kept for
// the histories of runs started before it: every matched payment in the
// posting activity's result.
func remittancePostingV0(ctx workflow.Context, in RemittanceInput) (RemittanceResult, error) {
	var a *activities.Activities
	var res RemittanceResult
	if err := workflow.ExecuteActivity(postingCtx(ctx), a.PostRemittance, in).Get(ctx, &res.PostingResult); err != nil {
		return res, err
	}
	if !res.Balanced {
		workflow.GetLogger(ctx).Warn("835 does not balance", "trace", in.TraceNumber, "problems", res.BalanceProblems)
	}
	if err := tellClaims(ctx, res.Payments, &res); err != nil {
		return res, err
	}
	// Hand what the patients owe to billing: one statement workflow per
	// claim payment with patient responsibility (its ID makes a re-run
	// start nothing new).
	return res, handToBilling(ctx, res.Payments, &res)
}

// batchTellVersion and remitTellVersion mark runs that tell their claims
// from one activity (activities/tellclaims.go, issue 20) rather than by a
// SignalExternal command per claim.
const (
	batchTellVersion = "batch-tell-by-activity"
	remitTellVersion = "remit-tell-by-activity"
)

// tellCtx runs a telling activity: a retry tells the claims again, which
// they ignore.
func tellCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
}

// tellClaims signals each claim's workflow its payment: from
// remitTellVersion in one activity, before it a few at a time.
func tellClaims(ctx workflow.Context, pays []activities.ClaimPayment, res *RemittanceResult) error {
	log := workflow.GetLogger(ctx)
	if len(pays) > 0 && workflow.GetVersion(ctx, remitTellVersion, workflow.DefaultVersion, 1) >= 1 {
		var a *activities.Activities
		var told activities.TellResult
		if err := workflow.ExecuteActivity(tellCtx(ctx), a.TellClaimsPaid, pays).Get(ctx, &told); err != nil {
			return err
		}
		for _, id := range told.NotFoundIDs {
			log.Warn("no running workflow for posted claim", "claim", id)
		}
		res.Signalled += told.Signalled
		res.ClaimsNotFound += told.NotFound
		return nil
	}
	const inFlight = 20
	for start := 0; start < len(pays); start += inFlight {
		end := min(start+inFlight, len(pays))
		futures := make([]workflow.Future, 0, end-start)
		for _, p := range pays[start:end] {
			futures = append(futures, workflow.SignalExternalWorkflow(ctx, ClaimIDPrefix+p.ClaimID, "", SignalClaimRemit, p))
		}
		for i, f := range futures {
			err := f.Get(ctx, nil)
			switch {
			case err == nil:
				res.Signalled++
			case isNotFound(err):
				res.ClaimsNotFound++
				log.Warn("no running workflow for posted claim", "claim", pays[start+i].ClaimID)
			default:
				return fmt.Errorf("signal claim %s: %w", pays[start+i].ClaimID, err)
			}
		}
	}
	return nil
}

// handToBilling starts one statement workflow per claim payment with
// patient responsibility (its ID makes a re-run start nothing new).
func handToBilling(ctx workflow.Context, pays []activities.ClaimPayment, res *RemittanceResult) error {
	var a *activities.Activities
	var balances []activities.PatientBalance
	if err := workflow.ExecuteActivity(activityCtx(ctx), a.PatientBalances, pays).Get(ctx, &balances); err != nil {
		return err
	}
	for _, b := range balances {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        StatementIDPrefix + b.StatementID,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		f := workflow.ExecuteChildWorkflow(cctx, StatementWorkflowName, StatementInput{StatementID: b.StatementID, PatientID: b.PatientID,
			AmountCents: b.AmountCents, Currency: "usd"})
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			var already *temporal.ChildWorkflowExecutionAlreadyStartedError
			if !errors.As(err, &already) {
				return err
			}
		}
		res.Statements++
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	var app *temporal.UnknownExternalWorkflowExecutionError
	return errors.As(err, &nf) || errors.As(err, &app)
}

// BatchInput starts one batch run for a clearinghouse.
type BatchInput struct {
	ClearinghouseID string
	// OrgID, when set, sends only that organisation's ready claims (and
	// those below it): "Submit now" for one practice, started by the API
	// as batch/<clearinghouse>/org/<org-id>/<time>. The Schedule's runs
	// leave it empty.
	OrgID string
}

// BatchResult counts what the run sent.
type BatchResult struct {
	Batches   []string
	Claims    int
	Signalled int
}

// BatchSubmission gathers the clearinghouse's ready claims, builds and
// uploads 837 interchanges (one activity over many claims), then tells
// each claim's workflow which batch carried it. Started by a Schedule.
func BatchSubmission(ctx workflow.Context, in BatchInput) (BatchResult, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 5 * time.Minute},
	})
	var batches []activities.Batch
	runID := workflow.GetInfo(ctx).WorkflowExecution.ID
	if err := workflow.ExecuteActivity(actx, a.SubmitClaimBatch, activities.BatchRequest{ClearinghouseID: in.ClearinghouseID, RunID: runID, OrgID: in.OrgID}).Get(ctx, &batches); err != nil {
		return BatchResult{}, err
	}
	var res BatchResult
	if workflow.GetVersion(ctx, batchTellVersion, workflow.DefaultVersion, 1) >= 1 {
		// One activity tells every claim (activities/tellclaims.go).
		var told activities.TellResult
		if err := workflow.ExecuteActivity(tellCtx(ctx), a.TellClaimsSubmitted, batches).Get(ctx, &told); err != nil {
			return res, err
		}
		for _, b := range batches {
			res.Batches = append(res.Batches, b.BatchID)
		}
		for _, id := range told.NotFoundIDs {
			workflow.GetLogger(ctx).Warn("batched claim has no running workflow", "claim", id)
		}
		res.Claims, res.Signalled = told.Claims, told.Signalled
		return res, nil
	}
	for _, b := range batches {
		res.Batches = append(res.Batches, b.BatchID)
		futures := make([]workflow.Future, 0, len(b.Claims))
		for _, c := range b.Claims {
			futures = append(futures, workflow.SignalExternalWorkflow(ctx, ClaimIDPrefix+c.ClaimID, "", SignalClaimSubmitted, SubmittedSignal{
				BatchID: b.BatchID, InterchangeControl: b.InterchangeControl, GroupControl: b.GroupControl, TransactionControl: c.TransactionControl,
			}))
		}
		for i, f := range futures {
			res.Claims++
			if err := f.Get(ctx, nil); err != nil {
				if isNotFound(err) {
					workflow.GetLogger(ctx).Warn("batched claim has no running workflow", "claim", b.Claims[i].ClaimID)
					continue
				}
				return res, err
			}
			res.Signalled++
		}
	}
	return res, nil
}

// EligibilityInput asks for one appointment's eligibility.
type EligibilityInput struct {
	AppointmentID string
	// BatchWait bounds the wait for a batch 271 (default 24 h).
	BatchWait time.Duration
}

// SignalEligibility271 delivers a batch 271's archive key to the workflow
// waiting for it (routed by the 270's TRN trace number).
const SignalEligibility271 = "eligibility.271"

// Eligibility checks coverage for an appointment: a real-time 270/271, and
// when the real-time connection keeps failing, a batch 270 whose 271 comes
// back as a signal. Started on booking and by the nightly sweep.
func Eligibility(ctx workflow.Context, in EligibilityInput) (activities.EligibilityResult, error) {
	var a *activities.Activities
	if in.BatchWait == 0 {
		in.BatchWait = 24 * time.Hour
	}
	req := activities.EligibilityRequest{AppointmentID: in.AppointmentID, TraceNumber: traceFor(ctx)}
	// The CORE client makes one attempt per activity try (repeating the
	// PayloadID, the trace number): this policy is the only retry, six tries
	// as the client used to make; a request the endpoint refuses
	// (RealTimeRejected) falls back to batch at once.
	rt := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 6,
			NonRetryableErrorTypes: []string{"NotWired", "NoCoverage", activities.ErrTypeRealTimeRejected}},
	})
	var res activities.EligibilityResult
	err := workflow.ExecuteActivity(rt, a.CheckEligibilityRealtime, req).Get(ctx, &res)
	if err == nil {
		res.Mode = "realtime"
		return res, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == "NoCoverage" {
		return activities.EligibilityResult{Status: "rejected", RejectCodes: []string{"no coverage on file"}}, nil
	}
	workflow.GetLogger(ctx).Warn("real-time eligibility failed; falling back to batch", "appointment", in.AppointmentID, "err", err)
	if err := workflow.ExecuteActivity(activityCtx(ctx), a.SubmitEligibilityBatch, req).Get(ctx, nil); err != nil {
		return eligibilityNotSent(ctx, err)
	}
	var fileKey string
	got := false
	timerCtx, cancel := workflow.WithCancel(ctx)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalEligibility271), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &fileKey)
		got = true
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, in.BatchWait), func(workflow.Future) {})
	sel.Select(ctx)
	cancel()
	if !got {
		return activities.EligibilityResult{Status: "pending", Mode: "batch"}, nil
	}
	if err := workflow.ExecuteActivity(activityCtx(ctx), a.StoreEligibilityResponse, req, fileKey).Get(ctx, &res); err != nil {
		return res, err
	}
	res.Mode = "batch"
	return res, nil
}

// traceFor derives the 270's TRN02 from the workflow run, so a retried
// activity sends the same trace.
func traceFor(ctx workflow.Context) string {
	id := workflow.GetInfo(ctx).WorkflowExecution.RunID
	if len(id) > 30 {
		id = id[:30]
	}
	return id
}

// EligibilitySweepInput is the nightly run's window.
type EligibilitySweepInput struct {
	Days int // appointments from now to now+Days (default 2)
}

// EligibilitySweep starts an eligibility check for every appointment in
// the next days, 20 at a time. Started nightly by a Schedule.
func EligibilitySweep(ctx workflow.Context, in EligibilitySweepInput) (int, error) {
	var a *activities.Activities
	if in.Days == 0 {
		in.Days = 2
	}
	now := workflow.Now(ctx)
	var appts []string
	if err := workflow.ExecuteActivity(activityCtx(ctx), a.UpcomingAppointments, now, now.Add(time.Duration(in.Days)*24*time.Hour)).Get(ctx, &appts); err != nil {
		return 0, err
	}
	day := now.Format("20060102")
	done := 0
	const inFlight = 20
	for start := 0; start < len(appts); start += inFlight {
		end := min(start+inFlight, len(appts))
		var futures []workflow.ChildWorkflowFuture
		for _, id := range appts[start:end] {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:        EligibilityIDPrefix + id + "/" + day,
				ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON, // a check outlives the sweep
			})
			futures = append(futures, workflow.ExecuteChildWorkflow(cctx, EligibilityWorkflowName, EligibilityInput{AppointmentID: id}))
		}
		for _, f := range futures {
			if err := f.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("eligibility check failed", "err", err)
				continue
			}
			done++
		}
	}
	return done, nil
}

// InboundPollInput names the clearinghouse to poll.
type InboundPollInput struct {
	ClearinghouseID string
}

// InboundPoll downloads, archives and routes a clearinghouse's inbound
// files (TA1, 999, 277CA, 835). Started by a Schedule; the connector's
// ledger makes each file processed once even across crashes.
func InboundPoll(ctx workflow.Context, in InboundPollInput) (activities.PollSummary, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	var res activities.PollSummary
	err := workflow.ExecuteActivity(actx, a.PollInbound, in.ClearinghouseID).Get(ctx, &res)
	return res, err
}
