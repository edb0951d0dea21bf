package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// Staff's "check status now": the claim.inquire-now update makes a claim
// waiting for its 835 send a 276 at once, instead of at its next scheduled
// inquiry, and record the 277's answer as the scheduled inquiries do (the
// activity records the 276/277 claim event; the workflow writes a status
// history row, with the staff member, and its LastInquiry). The scheduled
// cadence goes on afterwards.

// versionInquireNow marks runs that handled an inquire-now update. The
// update only exists from this version, so histories without one replay
// unchanged (the waiting loop's extra channel adds no command); the marker
// is recorded when the first such update is applied.
const (
	versionInquireNowChange = "claim-inquire-now"
	versionInquireNow       = 1
)

// inquiryNowTimeout bounds a staff inquiry (all its retries): the claim
// must get back to waiting for its 835.
const inquiryNowTimeout = 5 * time.Minute

// InquiryRequest is staff asking for a 276 now (UpdateClaimInquireNow).
type InquiryRequest struct {
	User string
	Note string `json:",omitempty"`
}

// InquiryAnswer is the update's answer once the 277 is recorded.
type InquiryAnswer struct {
	Status  string // the claim's status (an inquiry does not change it)
	Summary string // the 277's answer, as codes (activities.StatusInquiryResult.Summary)
}

// inquiry is a pending staff inquiry and, once applied, its outcome.
type inquiry struct {
	req    InquiryRequest
	done   bool
	answer InquiryAnswer
	err    error
}

// validateInquiry refuses an inquiry unless the claim waits for its 835
// (rcm.CheckInquiry gives the reason) and none is pending.
func (r *claimRun) validateInquiry(_ workflow.Context, _ InquiryRequest) error {
	if r.asked != nil {
		return errors.New("a status inquiry for this claim is already under way")
	}
	if !r.awaitingRemit {
		if err := rcm.CheckInquiry(rcm.ClaimStatus(r.st.Status)); err != nil {
			return err
		}
		return fmt.Errorf("the claim (status %s) is not waiting for its 835 now", r.st.Status)
	}
	return nil
}

// inquireNow is the update handler: it hands the request to the waiting
// loop (awaitRemit) and answers once the loop has sent the 276 and
// recorded the 277.
func (r *claimRun) inquireNow(ctx workflow.Context, req InquiryRequest) (InquiryAnswer, error) {
	if workflow.GetVersion(ctx, versionInquireNowChange, workflow.DefaultVersion, versionInquireNow) == workflow.DefaultVersion {
		return InquiryAnswer{}, temporal.NewApplicationError("this claim's run predates status inquiries on request", "InquiryNotApplied")
	}
	q := &inquiry{req: req}
	r.asked = q
	r.askCh.Send(ctx, struct{}{})
	if err := workflow.Await(ctx, func() bool { return q.done }); err != nil {
		return InquiryAnswer{}, err
	}
	if q.err != nil {
		return InquiryAnswer{}, temporal.NewApplicationError(q.err.Error(), "InquiryNotApplied")
	}
	return q.answer, nil
}

// settleInquiry answers the pending inquiry.
func (r *claimRun) settleInquiry(a InquiryAnswer, err error) {
	if r.asked == nil {
		return
	}
	r.asked.answer, r.asked.err, r.asked.done = a, err, true
	r.asked = nil
}

// dropInquiry answers a pending inquiry the loop will not send (the 835
// arrived first).
func (r *claimRun) dropInquiry() {
	if r.asked == nil {
		return
	}
	r.askCh.ReceiveAsync(nil)
	r.settleInquiry(InquiryAnswer{}, fmt.Errorf("the claim's 835 arrived before the 276 went out (status %s)", r.st.Status))
}

// sendAskedInquiry sends the staff's 276 and records its answer as a
// status history row by the staff member.
func (r *claimRun) sendAskedInquiry() (InquiryAnswer, error) {
	req := r.asked.req
	var a *activities.Activities
	ctx := workflow.WithActivityOptions(r.ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: inquiryNowTimeout,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	var res activities.StatusInquiryResult
	if err := workflow.ExecuteActivity(ctx, a.SendStatusInquiry, r.in.ClaimID).Get(r.ctx, &res); err != nil {
		workflow.GetLogger(r.ctx).Warn("status inquiry asked by staff failed", "claim", r.in.ClaimID, "err", err)
		reason := "no answer"
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) {
			reason = ae.Message()
		}
		return InquiryAnswer{}, fmt.Errorf("the 276 inquiry failed: %s", reason)
	}
	r.st.LastInquiry = &res
	note := "276 inquiry asked by staff: " + res.Summary()
	if req.Note != "" {
		note += "; " + req.Note
	}
	if err := r.setStatusBy(r.st.Status, note, req.User); err != nil {
		return InquiryAnswer{}, err
	}
	return InquiryAnswer{Status: r.st.Status, Summary: res.Summary()}, nil
}
