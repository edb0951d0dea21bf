package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// Claim statuses, as the workflow reports them (query, search attribute
// ClaimStatus, claim status history): the strings of rcm.ClaimStatus, whose
// lifecycle table every status write is checked against.
const (
	StatusScrubbing       = string(rcm.StatusScrubbing)
	StatusScrubFailed     = string(rcm.StatusScrubFailed)
	StatusReady           = string(rcm.StatusReady)
	StatusOnHold          = string(rcm.StatusOnHold)
	StatusSubmitted       = string(rcm.StatusSubmitted)
	StatusAcknowledged    = string(rcm.StatusAcknowledged)
	StatusRejected        = string(rcm.StatusRejected)
	StatusAccepted        = string(rcm.StatusAccepted)
	StatusPaid            = string(rcm.StatusPaid)
	StatusPartiallyPaid   = string(rcm.StatusPartiallyPaid)
	StatusNeedsCorrection = string(rcm.StatusNeedsCorrection)
	StatusAppealPending   = string(rcm.StatusAppealPending)
	StatusAppealed        = string(rcm.StatusAppealed)
	StatusPatientBilling  = string(rcm.StatusPatientBilling)
	StatusWrittenOff      = string(rcm.StatusWrittenOff)
	StatusLapsed          = string(rcm.StatusAppealLapsed)
	StatusResubmitted     = string(rcm.StatusResubmitted)
	StatusVoided          = string(rcm.StatusVoided)
)

// Staff decisions accepted by UpdateClaimDecide: the rcm decisions.
const (
	ActionResubmit = string(rcm.DecisionResubmit) // after a scrub failure or a front-end rejection, edited
	ActionCorrect  = string(rcm.DecisionCorrect)  // a corrected claim (frequency code 7) after a correctable denial
	ActionAppeal   = string(rcm.DecisionAppeal)   // file an appeal before the filing deadline
	ActionWriteOff = string(rcm.DecisionWriteOff) // give up the balance
	ActionVoid     = string(rcm.DecisionVoid)     // withdraw a claim no payer has adjudicated
	ActionHold     = string(rcm.DecisionHold)     // keep a ready claim out of the batches
	ActionRelease  = string(rcm.DecisionRelease)  // let a held claim go out again
)

// versionRCM marks runs that check every status write against the rcm
// lifecycle, take the rcm decisions (void, hold and release besides the
// four before), answer each decision only once it is applied (its status
// written with the deciding user), and wait for a write-off after an
// appeal lapses instead of ending.
//
// versionLean (issue 20, "Throughput near the ceiling") marks runs that
// cost the Temporal server less per claim, for the same statuses, events
// and search attributes: the scrub and the coordination-of-benefits step
// run as local activities (no activity task, no workflow task after it);
// the claim-cob version is implied (no second version marker, and no
// second TemporalChangeVersion upsert); the search attributes are upserted
// only when one changed, and only those that changed (the outbox starts a
// claim with them set for "scrubbing"); the acknowledged status is upserted
// together with the 277CA's when both arrive in one workflow task; and an
// overdue timer is started only when the awaited signal is not already
// there. It shares the change ID of versionRCM, so a new run records one
// version marker as before.
const (
	versionRCMChange = "claim-rcm-lifecycle"
	versionRCM       = 1
	versionLean      = 2
)

// ClaimInput starts (or continues) one claim's lifecycle.
type ClaimInput struct {
	ClaimID string
	// Attempt counts submissions of this claim; each resubmission continues
	// as new with Attempt+1.
	Attempt int
	// FrequencyCode is CLM05-3: "1" original, "7" replacement (corrected).
	FrequencyCode string
	// PayerClaimNumber is the payer's claim control number (REF*F8) a
	// corrected claim refers to.
	PayerClaimNumber string
	Timing           ClaimTiming
}

// ClaimTiming holds the lifecycle's timers; zero values take the defaults.
type ClaimTiming struct {
	AckOverdue        time.Duration // no TA1/999 after this: flagged overdue (default 2 days)
	ClaimAckOverdue   time.Duration // no 277CA after this: flagged overdue (default 7 days)
	FirstInquiry      time.Duration // no 835 after this: send a 276 (default 30 days)
	InquiryEvery      time.Duration // then every (default 15 days)
	MaxInquiries      int           // at most (default 4)
	EscalateBefore    time.Duration // escalate a pending appeal this long before its deadline (default 14 days)
	DefaultFilingDays int           // appeal filing limit when the payer has none (default 180)
}

func (t ClaimTiming) withDefaults() ClaimTiming {
	day := 24 * time.Hour
	if t.AckOverdue == 0 {
		t.AckOverdue = 2 * day
	}
	if t.ClaimAckOverdue == 0 {
		t.ClaimAckOverdue = 7 * day
	}
	if t.FirstInquiry == 0 {
		t.FirstInquiry = 30 * day
	}
	if t.InquiryEvery == 0 {
		t.InquiryEvery = 15 * day
	}
	if t.MaxInquiries == 0 {
		t.MaxInquiries = 4
	}
	if t.EscalateBefore == 0 {
		t.EscalateBefore = 14 * day
	}
	if t.DefaultFilingDays == 0 {
		t.DefaultFilingDays = 180
	}
	return t
}

// ClaimState is what QueryClaimState answers and the workflow returns.
type ClaimState struct {
	ClaimID          string
	Status           string
	Attempt          int
	FrequencyCode    string
	Payer            string
	ChargeCents      int64
	PaidCents        int64
	PatientRespCents int64
	BatchID          string
	PayerClaimNumber string
	Problems         []string // scrub problems or rejection codes, as codes and positions (no PHI)
	Denial           *DenialInfo
	Deadline         time.Time // appeal / correction filing deadline
	Escalated        bool
	Inquiries        int
	LastInquiry      *activities.StatusInquiryResult
	AllowedActions   []string
	Events           []ClaimEvent
	// PayerSeq is the payer the claim is with after coordination of
	// benefits moved it on (2 secondary, 3 tertiary; 0 the first payer).
	PayerSeq int `json:",omitempty"`
	// RunID is the run answering the query (set in query answers only, so
	// the dashboard links to the exact run; never in history).
	RunID string   `json:",omitempty"`
	seen  []string // dedup keys of signals already applied
}

// ClaimEvent is one step of the claim's timeline.
type ClaimEvent struct {
	At     time.Time
	Status string
	Note   string
}

// DenialInfo classifies a denial by its adjustment codes.
type DenialInfo struct {
	Category string // correctable, appealable, patient, final
	Codes    []string
	RARCs    []string
}

// SubmittedSignal: the claim went out in an 837.
type SubmittedSignal = activities.SubmittedSignal

// AckSignal: a TA1 or 999 covering the claim's interchange or group.
type AckSignal = activities.AckSignal

// ClaimAckSignal: the 277CA for this claim (matched by CLM01).
type ClaimAckSignal = activities.ClaimAckSignal

// RemitSignal: remittance posting posted an 835 claim payment (CLP).
type RemitSignal = activities.ClaimPayment

// Decision is a staff decision sent as an update. Status may name the
// status staff asked for instead of Action (POST /v1/claims/{id}/status):
// the workflow resolves it to the decision leading there from the claim's
// current status (rcm.DecisionFor).
type Decision struct {
	Action string
	Status string `json:",omitempty"`
	Note   string
	User   string
	id     int // the update's place in this run, to answer it
}

// Search attribute keys the claim workflow maintains.
var (
	saStatus = temporal.NewSearchAttributeKeyKeyword("ClaimStatus")
	saPayer  = temporal.NewSearchAttributeKeyKeyword("ClaimPayer")
	saAmount = temporal.NewSearchAttributeKeyFloat64("ClaimAmount")
	saClaim  = temporal.NewSearchAttributeKeyKeyword("ClaimID")
)

// claimRun holds one run's mutable state and helpers.
type claimRun struct {
	ctx      workflow.Context
	in       ClaimInput
	t        ClaimTiming
	st       *ClaimState
	decision *Decision
	version  workflow.Version
	// v1 only: decisions taken so far and their answers, by Decision.id.
	decided int
	answers map[int]decisionResult
	// versionLean: the search attributes as the server has them (read
	// from the run's start, then as upserted), and whether the next
	// status's upsert waits for the one after it in the same task.
	sa      claimSA
	deferSA bool
	// Staff inquiries (claim_inquire.go): set while awaitRemit waits for
	// the 835; askCh wakes it for the pending one.
	awaitingRemit bool
	asked         *inquiry
	askCh         workflow.Channel
}

// Claim drives one claim: scrub → ready for the next 837 batch → TA1/999 →
// 277CA → 835 (with 276 status inquiries while it waits) → paid, partially
// paid, or denied → denial handling (corrected claim, appeal with a filing
// deadline and escalation, patient billing, or write-off). Staff decisions
// arrive as updates; every status change is recorded in Postgres and in the
// ClaimStatus search attribute.
func Claim(ctx workflow.Context, in ClaimInput) (ClaimState, error) {
	if in.FrequencyCode == "" {
		in.FrequencyCode = "1"
	}
	if in.Attempt == 0 {
		in.Attempt = 1
	}
	r := &claimRun{ctx: ctx, in: in, t: in.Timing.withDefaults(), st: &ClaimState{
		ClaimID: in.ClaimID, Attempt: in.Attempt, FrequencyCode: in.FrequencyCode, PayerClaimNumber: in.PayerClaimNumber,
	}, answers: map[int]decisionResult{}, askCh: workflow.NewBufferedChannel(ctx, 1)}
	r.version = workflow.GetVersion(ctx, versionRCMChange, workflow.DefaultVersion, versionLean)
	r.sa = readClaimSA(ctx)
	if err := workflow.SetQueryHandler(ctx, QueryClaimState, func() (ClaimState, error) {
		s := *r.st
		s.AllowedActions = r.allowedActions()
		s.RunID = workflow.GetInfo(ctx).WorkflowExecution.RunID
		return s, nil
	}); err != nil {
		return *r.st, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateClaimDecide, r.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d Decision) error {
			if r.decision != nil {
				return fmt.Errorf("a decision is already being applied")
			}
			if r.version < versionRCM {
				if !slices.Contains(legacyActions[r.st.Status], d.Action) {
					return fmt.Errorf("action %q is not allowed while the claim is %s (allowed: %v)", d.Action, r.st.Status, legacyActions[r.st.Status])
				}
				return nil
			}
			_, err := r.resolve(d)
			return err
		}},
	); err != nil {
		return *r.st, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateClaimInquireNow, r.inquireNow,
		workflow.UpdateHandlerOptions{Validator: r.validateInquiry}); err != nil {
		return *r.st, err
	}
	st, err := r.run()
	if r.version >= versionRCM {
		// Let the update that ended the run return its answer first.
		if aerr := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); aerr != nil && err == nil {
			err = aerr
		}
	}
	return st, err
}

func (r *claimRun) run() (ClaimState, error) {
	ctx := r.ctx
	var a *activities.Activities

	// 1. Scrub and validate.
	if err := r.setStatus(StatusScrubbing, fmt.Sprintf("attempt %d, frequency %s", r.in.Attempt, r.in.FrequencyCode)); err != nil {
		return *r.st, err
	}
	var scrub activities.ScrubResult
	scrubReq := activities.ScrubRequest{ClaimID: r.in.ClaimID, FrequencyCode: r.in.FrequencyCode, PayerClaimNumber: r.in.PayerClaimNumber}
	var scrubbed workflow.Future
	if r.version >= versionLean {
		scrubbed = workflow.ExecuteLocalActivity(localActivityCtx(ctx, 2*time.Minute), a.ScrubClaim, scrubReq)
	} else {
		scrubbed = workflow.ExecuteActivity(activityCtx(ctx), a.ScrubClaim, scrubReq)
	}
	if err := scrubbed.Get(ctx, &scrub); err != nil {
		return *r.st, err
	}
	r.st.Payer, r.st.ChargeCents = scrub.PayerID, scrub.ChargeCents
	if scrub.FilingLimitDays == 0 {
		scrub.FilingLimitDays = r.t.DefaultFilingDays
	}
	if len(scrub.Problems) > 0 {
		r.st.Problems = scrub.Problems
		return r.staffLoop(StatusScrubFailed, fmt.Sprintf("%d scrub problem(s)", len(scrub.Problems)))
	}

	// 2. Ready: the next batch run for the clearinghouse picks it up.
	if err := r.setStatus(StatusReady, ""); err != nil {
		return *r.st, err
	}
	var sub SubmittedSignal
	if r.version < versionRCM {
		workflow.GetSignalChannel(ctx, SignalClaimSubmitted).Receive(ctx, &sub)
	} else if ended, err := r.awaitSubmission(&sub); ended || err != nil {
		return *r.st, err
	}
	r.st.BatchID = sub.BatchID
	if err := r.setStatus(StatusSubmitted, "batch "+sub.BatchID+" ISA13 "+sub.InterchangeControl); err != nil {
		return *r.st, err
	}

	// 3. TA1 / 999.
	var ack AckSignal
	if err := r.receiveWithOverdue(SignalClaimAck, r.t.AckOverdue, "no TA1/999 yet", &ack, func() string { return ack.FileKey }); err != nil {
		return *r.st, err
	}
	if !ack.Accepted {
		r.st.Problems = ack.Codes
		return r.staffLoop(StatusRejected, ack.Source+" rejected")
	}
	// The 277CA often comes with the 999 (one inbound poll): its status's
	// upsert then carries this one's.
	r.deferSA = r.version >= versionLean && workflow.GetSignalChannel(ctx, SignalClaimAck277CA).Len() > 0
	if err := r.setStatus(StatusAcknowledged, ack.Source+" accepted"); err != nil {
		return *r.st, err
	}

	// 4. 277CA.
	var ca ClaimAckSignal
	if err := r.receiveWithOverdue(SignalClaimAck277CA, r.t.ClaimAckOverdue, "no 277CA yet", &ca, func() string { return ca.FileKey }); err != nil {
		return *r.st, err
	}
	if !ca.Accepted {
		r.st.Problems = ca.StatusCodes
		return r.staffLoop(StatusRejected, "277CA rejected")
	}
	if ca.PayerClaimNumber != "" {
		r.st.PayerClaimNumber = ca.PayerClaimNumber
	}
	if err := r.setStatus(StatusAccepted, "277CA accepted"); err != nil {
		return *r.st, err
	}

	// 5. Wait for the 835, asking with 276s while nothing arrives; then
	// handle the outcome (and an appeal's outcome, which is another 835).
	for {
		remit, err := r.awaitRemit()
		if err != nil {
			return *r.st, err
		}
		done, err := r.applyRemit(remit, scrub.FilingLimitDays)
		if err != nil {
			return *r.st, err
		}
		if done {
			// The patient's next payer, if any (claim_cob.go).
			if next, err := r.coordinateBenefits(remit); !next || err != nil {
				return *r.st, err
			}
		}
	}
}

// applyRemit records the payment outcome; it returns done=false when the
// claim was appealed and waits for the next 835.
func (r *claimRun) applyRemit(remit RemitSignal, filingDays int) (bool, error) {
	r.st.PaidCents += remit.PaidCents
	r.st.PatientRespCents = remit.PatientRespCents
	if remit.PayerClaimNumber != "" {
		r.st.PayerClaimNumber = remit.PayerClaimNumber
	}
	note := fmt.Sprintf("835 %s: paid %s of %s, patient %s", remit.TraceNumber, rcm.Dollars(remit.PaidCents), rcm.Dollars(remit.ChargeCents), rcm.Dollars(remit.PatientRespCents))
	denial := ClassifyDenial(remit.ClaimStatusCode, remit.PaidCents, remit.Adjustments, remit.RARCs)
	switch {
	case denial == nil && remit.PaidCents >= remit.ChargeCents-sumPatient(remit.Adjustments)-sumContractual(remit.Adjustments)-r.priorPayerSettled(remit):
		return true, r.setStatus(StatusPaid, note)
	case denial == nil:
		return true, r.setStatus(StatusPartiallyPaid, note)
	}
	r.st.Denial = denial
	if denial.Category == DenialPatient {
		return true, r.setStatus(StatusPatientBilling, note+"; denied to patient responsibility")
	}
	r.st.Deadline = workflow.Now(r.ctx).Add(time.Duration(filingDays) * 24 * time.Hour)
	r.st.Escalated = false
	status := StatusAppealPending
	if denial.Category == DenialCorrectable {
		status = StatusNeedsCorrection
	}
	if err := r.setStatus(status, note+"; denied "+fmt.Sprint(denial.Codes)); err != nil {
		return true, err
	}
	if r.version >= versionRCM {
		return r.awaitDenialDecision(denial)
	}
	d, lapsed, err := r.awaitDecisionBefore(r.st.Deadline)
	if err != nil || lapsed {
		return true, err
	}
	switch d.Action {
	case ActionWriteOff:
		return true, r.writeOff(d)
	case ActionCorrect:
		return true, r.resubmit(d, "7")
	case ActionAppeal:
		var a *activities.Activities
		if err := workflow.ExecuteActivity(activityCtx(r.ctx), a.FileAppeal, activities.AppealRequest{
			ClaimID: r.in.ClaimID, PayerClaimNumber: r.st.PayerClaimNumber, Codes: denial.Codes, Note: d.Note, User: d.User,
		}).Get(r.ctx, nil); err != nil {
			return true, err
		}
		r.st.Inquiries = 0
		return false, r.setStatus(StatusAppealed, "appeal filed by "+d.User)
	}
	return true, fmt.Errorf("unexpected decision %q", d.Action)
}

// receiveWithOverdue waits for one new (not yet seen) signal of name,
// noting once when it is overdue.
func (r *claimRun) receiveWithOverdue(name string, overdue time.Duration, note string, out any, key func() string) error {
	ch := workflow.GetSignalChannel(r.ctx, name)
	if r.version >= versionLean {
		// Already there: no overdue timer to start and cancel.
		for ch.Len() > 0 {
			ch.Receive(r.ctx, out)
			if r.firstTime(name + "|" + key()) {
				return nil
			}
		}
		// About to wait: the search attributes show the status first.
		if err := r.syncSA(); err != nil {
			return err
		}
	}
	timerCtx, cancel := workflow.WithCancel(r.ctx)
	defer cancel()
	timer := workflow.NewTimer(timerCtx, overdue)
	flagged := false
	for {
		sel := workflow.NewSelector(r.ctx)
		got := false
		sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(r.ctx, out)
			got = true
		})
		if !flagged {
			sel.AddFuture(timer, func(workflow.Future) {
				flagged = true
			})
		}
		sel.Select(r.ctx)
		if got {
			if r.firstTime(name + "|" + key()) {
				return nil
			}
			continue
		}
		if err := r.setStatus(r.st.Status, "overdue: "+note); err != nil {
			return err
		}
	}
}

// awaitRemit waits for the claim's 835 payment; while none arrives it sends
// 276 status inquiries on the configured cadence, and one at once when
// staff ask (claim.inquire-now).
func (r *claimRun) awaitRemit() (RemitSignal, error) {
	var a *activities.Activities
	ch := workflow.GetSignalChannel(r.ctx, SignalClaimRemit)
	wait := r.t.FirstInquiry
	r.awaitingRemit = true
	defer func() { r.awaitingRemit = false }()
	for {
		var remit RemitSignal
		got, timedOut, asked := false, false, false
		timerCtx, cancel := workflow.WithCancel(r.ctx)
		sel := workflow.NewSelector(r.ctx)
		sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(r.ctx, &remit)
			got = true
		})
		sel.AddReceive(r.askCh, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(r.ctx, nil)
			asked = true
		})
		if r.st.Inquiries < r.t.MaxInquiries {
			sel.AddFuture(workflow.NewTimer(timerCtx, wait), func(workflow.Future) { timedOut = true })
		}
		sel.Select(r.ctx)
		cancel()
		if asked {
			r.settleInquiry(r.sendAskedInquiry())
			continue
		}
		if got {
			if r.firstTime(SignalClaimRemit + "|" + remit.FileKey + "|" + remit.TraceNumber) {
				r.awaitingRemit = false
				r.dropInquiry()
				return remit, nil
			}
			continue
		}
		if timedOut {
			var res activities.StatusInquiryResult
			if err := workflow.ExecuteActivity(activityCtx(r.ctx), a.SendStatusInquiry, r.in.ClaimID).Get(r.ctx, &res); err != nil {
				// A failed inquiry is noted; the claim keeps waiting.
				workflow.GetLogger(r.ctx).Warn("status inquiry failed", "claim", r.in.ClaimID, "err", err)
			} else {
				r.st.LastInquiry = &res
			}
			r.st.Inquiries++
			if err := r.setStatus(r.st.Status, fmt.Sprintf("276 inquiry %d: %s", r.st.Inquiries, res.Summary())); err != nil {
				return RemitSignal{}, err
			}
			wait = r.t.InquiryEvery
		}
	}
}

func (r *claimRun) firstTime(key string) bool {
	if slices.Contains(r.st.seen, key) {
		return false
	}
	r.st.seen = append(r.st.seen, key)
	return true
}

// claimDetails is the summary line engineers see in the Temporal UI: no
// PHI, only the claim ID, status and attempt.
func claimDetails(claimID, status string, attempt int) string {
	return fmt.Sprintf("Claim %s: %s (attempt %d)", claimID, strings.ReplaceAll(status, "_", " "), attempt)
}

// setStatus records the workflow's own move.
func (r *claimRun) setStatus(status, note string) error { return r.setStatusBy(status, note, "") }

// setStatusBy records the status in Postgres (history row, with the
// deciding staff member when actor is set), the search attributes and the
// in-memory state. From versionRCM the move is checked against the rcm
// lifecycle first (the activity checks it again against the stored
// status), and a write that fails leaves the state as it was.
func (r *claimRun) setStatusBy(status, note, actor string) error {
	now := workflow.Now(r.ctx)
	prev, prevEvents := r.st.Status, len(r.st.Events)
	if r.version >= versionRCM && prev != "" {
		if err := rcm.CheckTransition(rcm.ClaimStatus(prev), rcm.ClaimStatus(status)); err != nil {
			return err
		}
	}
	r.st.Status = status
	r.st.Events = append(r.st.Events, ClaimEvent{At: now, Status: status, Note: note})
	// The Temporal UI's summary line of the run: the claim, its status and
	// attempt (current details answer a query; they add nothing to history,
	// so replay is unaffected).
	workflow.SetCurrentDetails(r.ctx, claimDetails(r.in.ClaimID, status, r.in.Attempt))
	var a *activities.Activities
	if err := workflow.ExecuteLocalActivity(localActivityCtx(r.ctx, 10*time.Second), a.RecordClaimStatus, activities.ClaimStatusChange{
		ClaimID: r.in.ClaimID, Attempt: r.in.Attempt, Seq: len(r.st.Events), Status: status, Note: note, At: now,
		PaidCents: r.st.PaidCents, PayerClaimNumber: r.st.PayerClaimNumber, FrequencyCode: r.in.FrequencyCode, Actor: actor,
		Denial: r.denialRecord(status),
	}).Get(r.ctx, nil); err != nil {
		if r.version >= versionRCM {
			r.st.Status, r.st.Events = prev, r.st.Events[:prevEvents]
			workflow.SetCurrentDetails(r.ctx, claimDetails(r.in.ClaimID, prev, r.in.Attempt))
		}
		if r.version >= versionLean {
			// A deferred status (now r.st.Status again) is shown.
			r.deferSA = false
			if serr := r.syncSA(); serr != nil {
				return errors.Join(err, serr)
			}
		}
		return err
	}
	if r.version >= versionLean {
		if r.deferSA {
			r.deferSA = false
			return nil
		}
		return r.syncSA()
	}
	return workflow.UpsertTypedSearchAttributes(r.ctx,
		saStatus.ValueSet(status), saPayer.ValueSet(r.st.Payer),
		saAmount.ValueSet(float64(r.st.ChargeCents)/100), saClaim.ValueSet(r.in.ClaimID))
}

// claimSA is what the server holds of the claim's search attributes.
type claimSA struct {
	status, payer, claim          string
	amount                        float64
	hasStatus, hasPayer, hasClaim bool
	hasAmount                     bool
}

// readClaimSA reads the search attributes the run started with (set by
// the outbox's start, or carried over by continue-as-new): deterministic,
// as they come from the run's first event.
func readClaimSA(ctx workflow.Context) claimSA {
	sa := workflow.GetTypedSearchAttributes(ctx)
	var c claimSA
	c.status, c.hasStatus = sa.GetKeyword(saStatus)
	c.payer, c.hasPayer = sa.GetKeyword(saPayer)
	c.claim, c.hasClaim = sa.GetKeyword(saClaim)
	c.amount, c.hasAmount = sa.GetFloat64(saAmount)
	return c
}

// syncSA upserts those of the claim's search attributes (status, payer,
// amount, claim ID) that differ from what the server holds: none, no
// upsert (versionLean).
func (r *claimRun) syncSA() error {
	want := claimSA{status: r.st.Status, payer: r.st.Payer, claim: r.in.ClaimID, amount: float64(r.st.ChargeCents) / 100,
		hasStatus: true, hasPayer: true, hasClaim: true, hasAmount: true}
	var ups []temporal.SearchAttributeUpdate
	if !r.sa.hasStatus || r.sa.status != want.status {
		ups = append(ups, saStatus.ValueSet(want.status))
	}
	if !r.sa.hasPayer || r.sa.payer != want.payer {
		ups = append(ups, saPayer.ValueSet(want.payer))
	}
	if !r.sa.hasAmount || r.sa.amount != want.amount {
		ups = append(ups, saAmount.ValueSet(want.amount))
	}
	if !r.sa.hasClaim || r.sa.claim != want.claim {
		ups = append(ups, saClaim.ValueSet(want.claim))
	}
	if len(ups) == 0 {
		return nil
	}
	if err := workflow.UpsertTypedSearchAttributes(r.ctx, ups...); err != nil {
		return err
	}
	r.sa = want
	return nil
}

// ClaimStartSearchAttributes are the search attributes a claim's run is
// started with: those its first status (scrubbing) sets, so that status
// needs no upsert (versionLean).
func ClaimStartSearchAttributes(claimID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(saStatus.ValueSet(StatusScrubbing), saPayer.ValueSet(""),
		saAmount.ValueSet(0), saClaim.ValueSet(claimID))
}

// localActivityCtx is the claim's local activity options: startToClose
// per try, retried for recordStatusRetryFor. ScheduleToCloseTimeout bounds
// the retries: unset, it defaults to the StartToCloseTimeout, so a
// Postgres outage longer than 10 s failed the claim's workflow (make
// chaos, fault postgres: 50 of 100 claims' runs failed on a 12 s
// restart). Options are not recorded in history, so running claims
// replay unchanged.
func localActivityCtx(ctx workflow.Context, startToClose time.Duration) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    startToClose,
		ScheduleToCloseTimeout: recordStatusRetryFor,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
}

// recordStatusRetryFor is how long a claim keeps retrying to record a
// status change (Postgres down, restarting or failing over) before its
// workflow fails.
const recordStatusRetryFor = 24 * time.Hour

func activityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Minute,
		},
	})
}

func sumPatient(adj []activities.Adjustment) int64 {
	var n int64
	for _, a := range adj {
		if a.Group == "PR" {
			n += a.AmountCents
		}
	}
	return n
}

func sumContractual(adj []activities.Adjustment) int64 {
	var n int64
	for _, a := range adj {
		if a.Group == "CO" && a.Reason == "45" {
			n += a.AmountCents
		}
	}
	return n
}
