package workflows

import (
	"errors"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// WaitlistOptions tune the backfill.
type WaitlistOptions struct {
	// AcceptWindow is how long each patient has to accept (default 30m).
	AcceptWindow time.Duration
	// MinLead stops offering once the slot starts within it (default 1h).
	MinLead time.Duration
	// MaxOffers bounds the offers made (default 20).
	MaxOffers int
	// Reminders configures the reminders of the appointment booked.
	Reminders ReminderOptions
}

// WaitlistInput starts the backfill of one freed slot.
type WaitlistInput struct {
	Slot    activities.Slot
	Options WaitlistOptions
}

// Waitlist outcomes.
const (
	WaitlistBooked    = "booked"
	WaitlistSlotTaken = "slot_taken" // the booking service answered 409
	WaitlistFilled    = "filled"     // told the slot was filled another way
	WaitlistExhausted = "exhausted"  // nobody (else) matches
	WaitlistPassed    = "slot_passed"
)

// WaitlistResult is what happened.
type WaitlistResult struct {
	Outcome       string
	AppointmentID string
	EntryID       string
	Offers        []string // entry IDs offered, in order
	ReminderID    string
}

// WaitlistState answers QueryWaitlistState.
type WaitlistState struct {
	Offering  string
	ExpiresAt time.Time
	Offers    []string
}

func (o *WaitlistOptions) defaults() {
	if o.AcceptWindow <= 0 {
		o.AcceptWindow = 30 * time.Minute
	}
	if o.MinLead <= 0 {
		o.MinLead = time.Hour
	}
	if o.MaxOffers <= 0 {
		o.MaxOffers = 20
	}
}

// WaitlistBackfill offers a freed slot to matching waitlisted patients in
// priority order, one at a time, each with an acceptance window; offers
// wait out the SMS quiet hours of the reminder options. The first
// acceptance books through the booking service; a 409 there means the slot
// is gone and the backfill stops. It also stops when told the slot was
// filled, when nobody is left, or when the slot is about to pass.
func WaitlistBackfill(ctx workflow.Context, in WaitlistInput) (WaitlistResult, error) {
	in.Options.defaults()
	actx := engagementCtx(ctx)
	var e *activities.Engagement
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	var res WaitlistResult
	var state WaitlistState
	if err := workflow.SetQueryHandler(ctx, QueryWaitlistState, func() (WaitlistState, error) {
		state.Offers = res.Offers
		return state, nil
	}); err != nil {
		return res, err
	}
	replies := workflow.GetSignalChannel(ctx, SignalPatientReply)
	filled := workflow.GetSignalChannel(ctx, SignalWaitlistFilled)
	offered := map[string]bool{}
	seenReplies := map[string]bool{}
	deadline := in.Slot.StartsAt.Add(-in.Options.MinLead)
	quiet := in.Options.Reminders
	quiet.defaults()

	for len(res.Offers) < in.Options.MaxOffers {
		if filled.ReceiveAsync(nil) {
			res.Outcome = WaitlistFilled
			return res, nil
		}
		if !workflow.Now(ctx).Before(deadline) {
			res.Outcome = WaitlistPassed
			return res, nil
		}
		// Version 1: offers are texts, so they wait out the quiet hours.
		if v := workflow.GetVersion(ctx, "waitlist-quiet-hours", workflow.DefaultVersion, 1); v >= 1 && quiet.QuietStart != "" {
			now := workflow.Now(ctx)
			var sendAt time.Time
			if err := workflow.ExecuteActivity(actx, e.SMSSendTime, activities.QuietCheck{TimeZone: in.Slot.TimeZone,
				QuietStart: quiet.QuietStart, QuietEnd: quiet.QuietEnd, At: now, Before: deadline}).Get(ctx, &sendAt); err != nil {
				return res, err
			}
			if sendAt.IsZero() {
				res.Outcome = WaitlistPassed
				return res, nil
			}
			if sendAt.After(now) {
				state.Offering, state.ExpiresAt = "", sendAt
				if waitOrFilled(ctx, sendAt, filled) {
					res.Outcome = WaitlistFilled
					return res, nil
				}
			}
		}
		var cands []activities.WaitlistCandidate
		if err := workflow.ExecuteActivity(actx, e.WaitlistCandidates, in.Slot).Get(ctx, &cands); err != nil {
			return res, err
		}
		var cand *activities.WaitlistCandidate
		for i := range cands {
			if !offered[cands[i].EntryID] {
				cand = &cands[i]
				break
			}
		}
		if cand == nil {
			res.Outcome = WaitlistExhausted
			return res, nil
		}
		offered[cand.EntryID] = true
		res.Offers = append(res.Offers, cand.EntryID)
		expires := workflow.Now(ctx).Add(in.Options.AcceptWindow)
		if expires.After(deadline) {
			expires = deadline
		}
		state.Offering, state.ExpiresAt = cand.EntryID, expires
		var sr activities.SendResult
		err := workflow.ExecuteActivity(actx, e.SendWaitlistOffer, activities.WaitlistOffer{
			EntryID: cand.EntryID, PatientID: cand.PatientID, Slot: in.Slot, ExpiresAt: expires,
			WorkflowID: wfID, Attempt: len(res.Offers),
		}).Get(ctx, &sr)
		if err != nil || !sr.Sent {
			// Unreachable patient (no phone, opted out, rejected number):
			// move on to the next.
			workflow.GetLogger(ctx).Info("waitlist offer not delivered", "entry", cand.EntryID, "skipped", sr.Skipped)
			continue
		}

		accepted, stop, err := awaitOffer(ctx, cand.EntryID, expires, replies, filled, seenReplies)
		if err != nil {
			return res, err
		}
		if stop {
			res.Outcome = WaitlistFilled
			return res, nil
		}
		if !accepted {
			continue
		}
		var apptID string
		err = workflow.ExecuteActivity(actx, e.BookSlot, activities.BookRequest{
			Slot: in.Slot, PatientID: cand.PatientID, WaitlistEntryID: cand.EntryID,
			IdempotencyKey: wfID + "/" + cand.EntryID,
		}).Get(ctx, &apptID)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
		case errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeSlotTaken:
			res.Outcome = WaitlistSlotTaken
			return res, nil
		case errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeBookingRejected:
			continue
		default:
			return res, err
		}
		res.Outcome, res.AppointmentID, res.EntryID = WaitlistBooked, apptID, cand.EntryID
		rid, err := startReminders(ctx, apptID, in.Options.Reminders)
		if err != nil {
			return res, err
		}
		res.ReminderID = rid
		return res, nil
	}
	res.Outcome = WaitlistExhausted
	return res, nil
}

// waitOrFilled sleeps until t and reports whether the slot was filled
// meanwhile.
func waitOrFilled(ctx workflow.Context, t time.Time, filled workflow.ReceiveChannel) bool {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	var got bool
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(tctx, t.Sub(workflow.Now(ctx))), func(workflow.Future) {})
	sel.AddReceive(filled, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		got = true
	})
	sel.Select(ctx)
	return got
}

// awaitOffer waits for the offered patient's answer until expires.
// Replies about other entries (a late answer to an expired offer) are
// ignored.
func awaitOffer(ctx workflow.Context, entryID string, expires time.Time, replies, filled workflow.ReceiveChannel, seen map[string]bool) (accepted, stop bool, err error) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, expires.Sub(workflow.Now(ctx)))
	for {
		var (
			expired bool
			reply   *PatientReply
		)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { expired = true })
		sel.AddReceive(replies, func(c workflow.ReceiveChannel, _ bool) {
			var r PatientReply
			c.Receive(ctx, &r)
			reply = &r
		})
		sel.AddReceive(filled, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			stop = true
		})
		sel.Select(ctx)
		switch {
		case stop:
			return false, true, nil
		case expired:
			return false, false, nil
		}
		if reply.Ref != entryID || (reply.MessageID != "" && seen[reply.MessageID]) {
			continue
		}
		if reply.MessageID != "" {
			seen[reply.MessageID] = true
		}
		switch reply.Action {
		case ReplyConfirm:
			return true, false, nil
		case ReplyCancel, ReplyStop:
			return false, false, nil
		}
	}
}

// startReminders starts the reminder workflow of a new appointment as an
// abandoned child and waits until it has started.
func startReminders(ctx workflow.Context, appointmentID string, opts ReminderOptions) (string, error) {
	id := ReminderIDPrefix + appointmentID
	in := ReminderInput{AppointmentID: appointmentID, ReminderOptions: opts}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
	})
	f := workflow.ExecuteChildWorkflow(cctx, ReminderWorkflowName, in)
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		var already *temporal.ChildWorkflowExecutionAlreadyStartedError
		if errors.As(err, &already) {
			return id, nil
		}
		return "", err
	}
	return id, nil
}
