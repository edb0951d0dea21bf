package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// Staff decisions on a claim: the claim.decide update's validator and
// handler, and the places the claim workflow waits for and applies them.

// legacyActions lists, per status, the decisions runs started before
// versionRCM accept (their validator and query answer are unchanged).
var legacyActions = map[string][]string{
	StatusScrubFailed:     {ActionResubmit, ActionWriteOff},
	StatusRejected:        {ActionResubmit, ActionWriteOff},
	StatusNeedsCorrection: {ActionCorrect, ActionAppeal, ActionWriteOff},
	StatusAppealPending:   {ActionAppeal, ActionWriteOff},
}

// decisionResult answers one applied decision.
type decisionResult struct {
	status string
	err    error
}

// allowedActions lists the decisions open in the claim's status.
func (r *claimRun) allowedActions() []string {
	if r.version < versionRCM {
		return slices.Clone(legacyActions[r.st.Status])
	}
	var out []string
	for _, d := range rcm.AllowedDecisions(rcm.ClaimStatus(r.st.Status)) {
		out = append(out, string(d))
	}
	return out
}

// resolve checks the decision against the claim's status (rcm's decision
// table) and fills its Action from a requested Status.
func (r *claimRun) resolve(d Decision) (Decision, error) {
	from := rcm.ClaimStatus(r.st.Status)
	if d.Action == "" {
		if d.Status == "" {
			return d, fmt.Errorf("a decision names an action or a status")
		}
		act, err := rcm.DecisionFor(from, rcm.ClaimStatus(d.Status))
		if err != nil {
			return d, err
		}
		d.Action = string(act)
	}
	to, err := rcm.CheckDecision(from, rcm.Decision(d.Action))
	if err != nil {
		return d, err
	}
	if d.Status != "" && rcm.ClaimStatus(d.Status) != to {
		return d, fmt.Errorf("decision %s moves a %s claim to %s, not %s", d.Action, from, to, d.Status)
	}
	return d, nil
}

// decide is the update handler. Runs before versionRCM hand the decision to
// the main loop and answer at once; later runs answer once the main loop
// has applied it (its status written), with the new status or the reason
// it could not be applied.
func (r *claimRun) decide(ctx workflow.Context, d Decision) (string, error) {
	if r.version < versionRCM {
		r.decision = &d
		return r.st.Status, nil
	}
	d, err := r.resolve(d)
	if err != nil { // the validator ran against the same state; kept for safety
		return "", err
	}
	r.decided++
	d.id = r.decided
	r.decision = &d
	if err := workflow.Await(ctx, func() bool { _, ok := r.answers[d.id]; return ok }); err != nil {
		return "", err
	}
	a := r.answers[d.id]
	delete(r.answers, d.id)
	if a.err != nil {
		return "", temporal.NewApplicationError(a.err.Error(), "DecisionNotApplied")
	}
	return a.status, nil
}

// answer records the outcome of applying d for its update (v1 runs).
func (r *claimRun) answer(d Decision, err error) {
	if r.version >= versionRCM {
		r.answers[d.id] = decisionResult{status: r.st.Status, err: err}
	}
}

// staffLoop parks the claim in status until staff resubmit or write off
// (or, from versionRCM, void).
func (r *claimRun) staffLoop(status, note string) (ClaimState, error) {
	if err := r.setStatus(status, note); err != nil {
		return *r.st, err
	}
	if r.version >= versionRCM {
		return r.decisionLoop()
	}
	if err := workflow.Await(r.ctx, func() bool { return r.decision != nil }); err != nil {
		return *r.st, err
	}
	d := r.takeDecision()
	if d.Action == ActionWriteOff {
		return *r.st, r.writeOff(d)
	}
	return *r.st, r.resubmit(d, r.in.FrequencyCode)
}

// decisionLoop waits for staff to resubmit, write off or void the claim,
// answering refused applications and waiting on (v1 runs).
func (r *claimRun) decisionLoop() (ClaimState, error) {
	for {
		d, err := r.nextDecision()
		if err != nil {
			return *r.st, err
		}
		var applied error
		switch d.Action {
		case ActionWriteOff:
			applied = r.writeOff(d)
		case ActionVoid:
			applied = r.void(d)
		case ActionResubmit:
			applied = r.resubmit(d, r.in.FrequencyCode)
		default:
			applied = fmt.Errorf("unexpected decision %q", d.Action)
		}
		if done, err := r.settle(d, applied); done {
			return *r.st, err
		}
	}
}

func (r *claimRun) takeDecision() Decision {
	d := *r.decision
	r.decision = nil
	return d
}

// awaitDecisionBefore waits for a staff decision, escalating once
// EscalateBefore the deadline; at the deadline the claim lapses.
func (r *claimRun) awaitDecisionBefore(deadline time.Time) (Decision, bool, error) {
	now := workflow.Now(r.ctx)
	escalateAt := deadline.Add(-r.t.EscalateBefore)
	if escalateAt.After(now) {
		ok, err := workflow.AwaitWithTimeout(r.ctx, escalateAt.Sub(now), func() bool { return r.decision != nil })
		if err != nil {
			return Decision{}, false, err
		}
		if ok {
			return r.takeDecision(), false, nil
		}
	}
	if r.decision == nil && !r.st.Escalated {
		r.st.Escalated = true
		if err := r.setStatus(r.st.Status, fmt.Sprintf("escalated: filing deadline %s", r.st.Deadline.Format("2006-01-02"))); err != nil {
			return Decision{}, false, err
		}
	}
	now = workflow.Now(r.ctx)
	ok, err := workflow.AwaitWithTimeout(r.ctx, deadline.Sub(now), func() bool { return r.decision != nil })
	if err != nil {
		return Decision{}, false, err
	}
	if ok {
		return r.takeDecision(), false, nil
	}
	return Decision{}, true, r.setStatus(StatusLapsed, "filing deadline passed without a decision")
}

func (r *claimRun) writeOff(d Decision) error {
	return r.setStatusBy(StatusWrittenOff, staffNote("written off", d), d.User)
}

func (r *claimRun) void(d Decision) error {
	return r.setStatusBy(StatusVoided, staffNote("voided", d), d.User)
}

// nextDecision waits for the next staff decision (v1 runs).
func (r *claimRun) nextDecision() (Decision, error) {
	if err := workflow.Await(r.ctx, func() bool { return r.decision != nil }); err != nil {
		return Decision{}, err
	}
	return r.takeDecision(), nil
}

// settle answers the decision's update. A decision whose status could not
// be written (the stored claim moved meanwhile, e.g. a batch reserved it)
// is refused to staff and the claim keeps waiting (done false). A
// continue-as-new ends the run with the decision applied.
func (r *claimRun) settle(d Decision, applied error) (done bool, err error) {
	var can *workflow.ContinueAsNewError
	switch {
	case applied == nil, errors.As(applied, &can):
		r.answer(d, nil)
		return true, applied
	}
	r.answer(d, applied)
	return false, nil
}

// awaitSubmission waits in ready for the batch run's signal; staff may
// hold the claim (it leaves the batches until released) or void it (the
// run ends). It returns ended=true when the claim was voided.
func (r *claimRun) awaitSubmission(sub *SubmittedSignal) (ended bool, err error) {
	ch := workflow.GetSignalChannel(r.ctx, SignalClaimSubmitted)
	for {
		if err := workflow.Await(r.ctx, func() bool { return r.decision != nil || ch.Len() > 0 }); err != nil {
			return false, err
		}
		if r.decision == nil {
			ch.Receive(r.ctx, sub)
			// A batch's signal told twice (its telling activity retried)
			// is taken once; no recorded history holds such a repeat, so
			// this replays unchanged.
			if !r.firstTime(SignalClaimSubmitted + "|" + sub.BatchID) {
				continue
			}
			return false, nil
		}
		d := r.takeDecision()
		var applied error
		switch d.Action {
		case ActionVoid:
			applied = r.void(d)
		case ActionHold:
			applied = r.setStatusBy(StatusOnHold, staffNote("held", d), d.User)
		case ActionRelease:
			applied = r.setStatusBy(StatusReady, staffNote("released", d), d.User)
		default:
			applied = fmt.Errorf("unexpected decision %q", d.Action)
		}
		r.answer(d, applied)
		if applied == nil && d.Action == ActionVoid {
			return true, nil
		}
	}
}

// awaitDenialDecision waits for staff to correct, appeal or write off a
// denied claim before its filing deadline; a refused application keeps it
// waiting. After the deadline the claim lapses and waits for a write-off.
// It returns done=false when the claim was appealed.
func (r *claimRun) awaitDenialDecision(denial *DenialInfo) (bool, error) {
	for {
		d, lapsed, err := r.awaitDecisionBefore(r.st.Deadline)
		if err != nil {
			return true, err
		}
		if lapsed {
			_, err := r.decisionLoop() // only a write-off is open now
			return true, err
		}
		var applied error
		switch d.Action {
		case ActionWriteOff:
			applied = r.writeOff(d)
		case ActionCorrect:
			applied = r.resubmit(d, "7")
		case ActionAppeal:
			applied = r.appeal(d, denial)
		default:
			applied = fmt.Errorf("unexpected decision %q", d.Action)
		}
		if done, err := r.settle(d, applied); done {
			return d.Action != ActionAppeal, err
		}
	}
}

func (r *claimRun) appeal(d Decision, denial *DenialInfo) error {
	var a *activities.Activities
	if err := workflow.ExecuteActivity(activityCtx(r.ctx), a.FileAppeal, activities.AppealRequest{
		ClaimID: r.in.ClaimID, PayerClaimNumber: r.st.PayerClaimNumber, Codes: denial.Codes, Note: d.Note, User: d.User,
	}).Get(r.ctx, nil); err != nil {
		return err
	}
	r.st.Inquiries = 0
	return r.setStatusBy(StatusAppealed, staffNote("appeal filed", d), d.User)
}

// resubmit continues as new: a fresh run with the next attempt number.
func (r *claimRun) resubmit(d Decision, freq string) error {
	if err := r.setStatusBy(StatusResubmitted, staffNote(d.Action, d), d.User); err != nil {
		return err
	}
	next := r.in
	next.Attempt++
	next.FrequencyCode = freq
	if freq == "7" {
		next.PayerClaimNumber = r.st.PayerClaimNumber
	}
	return workflow.NewContinueAsNewError(r.ctx, Claim, next)
}

// staffNote is the status history's reason for a staff decision: what was
// done and the staff member's note. The staff member is the history row's
// actor (the API shows their name), never a raw ID in the text.
func staffNote(what string, d Decision) string {
	if d.Note == "" {
		return what + " by staff"
	}
	return what + " by staff: " + d.Note
}
