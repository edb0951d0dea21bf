package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// Patient reply actions (SignalPatientReply).
const (
	ReplyConfirm = "confirm" // C, YES: confirms a reminder, accepts a waitlist offer
	ReplyCancel  = "cancel"  // X, NO: cancels an appointment, declines an offer
	ReplyStop    = "stop"    // STOP: no more SMS
	ReplyStart   = "start"   // START: SMS again
)

// PatientReply is a patient's answer, routed by the SMS thread it came on.
type PatientReply struct {
	Ref       string // appointment ID (reminders) or waitlist entry ID (waitlist)
	Action    string
	MessageID string // provider message SID: duplicates are ignored
	Channel   string
}

// Reschedule tells the reminder workflow that the appointment moved; the
// workflow reads the new time from the records.
type Reschedule struct {
	StartsAt time.Time // informational
}

// CancelReminders ends a reminder workflow whose appointment was cancelled
// elsewhere (the API, the front desk).
type CancelReminders struct {
	Reason string
	// Backfill starts the waitlist backfill for the freed slot.
	Backfill bool
}

// ReminderInput starts the reminders of one appointment.
type ReminderInput struct {
	AppointmentID string
	ReminderOptions
	// Waitlist configures the backfill started when the patient cancels.
	Waitlist WaitlistOptions
}

// ReminderOptions configure reminders.
type ReminderOptions struct {
	// Offsets before the visit (default 72h, 24h, 2h).
	Offsets []time.Duration
	// Channels (default email and SMS).
	Channels []string
	// QuietStart and QuietEnd bound the local hours without SMS
	// (default 21:00 to 08:00; both "-" for none).
	QuietStart string
	QuietEnd   string
}

// Reminder outcomes.
const (
	ReminderVisitReached      = "visit_reached"
	ReminderCancelledByReply  = "cancelled_by_patient"
	ReminderCancelledElsewise = "cancelled"
	ReminderNotBooked         = "not_booked"
)

// ReminderResult is what happened.
type ReminderResult struct {
	AppointmentID string
	Outcome       string
	Confirmed     bool
	SMSOptedOut   bool
	Sent          []string // delivery keys sent, in order
	Skipped       []string // delivery key: reason
	BackfillID    string   // waitlist workflow started on cancellation
}

// ReminderState answers QueryReminderState.
type ReminderState struct {
	StartsAt  time.Time
	Confirmed bool
	OptedOut  bool
	Next      *activities.Delivery
	Sent      []string
}

func (in *ReminderOptions) defaults() {
	if len(in.Offsets) == 0 {
		in.Offsets = []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}
	}
	if len(in.Channels) == 0 {
		in.Channels = []string{activities.ChannelEmail, activities.ChannelSMS}
	}
	if in.QuietStart == "" && in.QuietEnd == "" {
		in.QuietStart, in.QuietEnd = "21:00", "08:00"
	}
	if in.QuietStart == "-" {
		in.QuietStart, in.QuietEnd = "", ""
	}
}

func engagementCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Minute,
			// Bounded so a dead SMTP relay does not hold a reminder past
			// its moment; the reminder is then skipped and logged.
			MaximumAttempts: 20,
		},
	})
}

// AppointmentReminders sends an appointment's reminders at the configured
// offsets by email and SMS, honouring quiet hours and opt-out, and handles
// the patient's replies: confirm records it, cancel cancels the appointment
// (freeing the slot) and starts the waitlist backfill, STOP ends SMS.
// Rescheduling re-plans the timers; a cancellation ends them. It finishes
// when the visit time is reached.
func AppointmentReminders(ctx workflow.Context, in ReminderInput) (ReminderResult, error) {
	in.defaults()
	log := workflow.GetLogger(ctx)
	actx := engagementCtx(ctx)
	var e *activities.Engagement
	res := ReminderResult{AppointmentID: in.AppointmentID}
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID

	var plan activities.ReminderPlan
	replan := func() error {
		return workflow.ExecuteActivity(actx, e.PlanReminders, activities.ReminderPlanRequest{
			AppointmentID: in.AppointmentID, Offsets: in.Offsets, Channels: in.Channels,
			QuietStart: in.QuietStart, QuietEnd: in.QuietEnd, Now: workflow.Now(ctx),
		}).Get(ctx, &plan)
	}
	if err := replan(); err != nil {
		return res, err
	}
	sent := map[string]bool{}
	seenReplies := map[string]bool{}
	var next *activities.Delivery
	if err := workflow.SetQueryHandler(ctx, QueryReminderState, func() (ReminderState, error) {
		return ReminderState{StartsAt: plan.StartsAt, Confirmed: res.Confirmed, OptedOut: res.SMSOptedOut, Next: next, Sent: res.Sent}, nil
	}); err != nil {
		return res, err
	}

	replies := workflow.GetSignalChannel(ctx, SignalPatientReply)
	reschedules := workflow.GetSignalChannel(ctx, SignalReminderReschedule)
	cancels := workflow.GetSignalChannel(ctx, SignalReminderCancel)

	for {
		switch plan.Status {
		case activities.AppointmentCancelled:
			res.Outcome = ReminderCancelledElsewise
			return res, nil
		case activities.AppointmentBooked, activities.AppointmentConfirmed:
		default:
			res.Outcome = ReminderNotBooked
			return res, nil
		}
		if plan.Status == activities.AppointmentConfirmed {
			res.Confirmed = true
		}
		now := workflow.Now(ctx)
		if !now.Before(plan.StartsAt) {
			res.Outcome = ReminderVisitReached
			return res, nil
		}
		next = nil
		for i := range plan.Deliveries {
			d := plan.Deliveries[i]
			if sent[d.Key] {
				continue
			}
			next = &d
			break
		}
		wake := plan.StartsAt
		if next != nil && next.At.Before(wake) {
			wake = next.At
		}

		tctx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(tctx, wake.Sub(now))
		var (
			fired   bool
			reply   *PatientReply
			resched bool
			cancel  *CancelReminders
		)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(f workflow.Future) { fired = f.Get(ctx, nil) == nil })
		sel.AddReceive(replies, func(c workflow.ReceiveChannel, _ bool) {
			var r PatientReply
			c.Receive(ctx, &r)
			reply = &r
		})
		sel.AddReceive(reschedules, func(c workflow.ReceiveChannel, _ bool) {
			var r Reschedule
			c.Receive(ctx, &r)
			resched = true
		})
		sel.AddReceive(cancels, func(c workflow.ReceiveChannel, _ bool) {
			var r CancelReminders
			c.Receive(ctx, &r)
			cancel = &r
		})
		sel.Select(ctx)
		cancelTimer()

		switch {
		case cancel != nil:
			res.Outcome = ReminderCancelledElsewise
			if cancel.Backfill {
				id, err := startBackfill(ctx, plan.Slot, in.waitlistOptions())
				if err != nil {
					return res, err
				}
				res.BackfillID = id
			}
			return res, nil
		case resched:
			if err := replan(); err != nil {
				return res, err
			}
			// A new time gets a fresh set of reminders.
			sent = map[string]bool{}
			log.Info("appointment rescheduled; reminders re-planned", "appointment", in.AppointmentID)
		case reply != nil:
			if reply.MessageID != "" && seenReplies[reply.MessageID] {
				continue
			}
			if reply.MessageID != "" {
				seenReplies[reply.MessageID] = true
			}
			switch reply.Action {
			case ReplyConfirm:
				if res.Confirmed {
					continue
				}
				if err := workflow.ExecuteActivity(actx, e.ConfirmAppointment, in.AppointmentID).Get(ctx, nil); err != nil {
					return res, err
				}
				res.Confirmed = true
				plan.Status = activities.AppointmentConfirmed
			case ReplyCancel:
				if err := workflow.ExecuteActivity(actx, e.CancelAppointment, activities.CancelRequest{
					AppointmentID: in.AppointmentID, Reason: "patient_reply"}).Get(ctx, nil); err != nil {
					return res, err
				}
				res.Outcome = ReminderCancelledByReply
				id, err := startBackfill(ctx, plan.Slot, in.waitlistOptions())
				if err != nil {
					return res, err
				}
				res.BackfillID = id
				return res, nil
			case ReplyStop:
				res.SMSOptedOut = true
			case ReplyStart:
				res.SMSOptedOut = false
			}
		case fired:
			if next == nil || workflow.Now(ctx).Before(next.At) {
				continue // woke for the visit itself; the loop head ends it
			}
			sent[next.Key] = true
			if next.Channel == activities.ChannelSMS && res.SMSOptedOut {
				// Its moment passes unsent; a later START does not send it late.
				res.Skipped = append(res.Skipped, next.Key+": opted_out")
				continue
			}
			kind := activities.KindReminder
			if res.Confirmed {
				kind = activities.KindConfirmed
			}
			var sr activities.SendResult
			err := workflow.ExecuteActivity(actx, e.SendAppointmentReminder, activities.ReminderSend{
				AppointmentID: in.AppointmentID, WorkflowID: wfID, Delivery: *next, Kind: kind,
			}).Get(ctx, &sr)
			switch {
			case err != nil:
				// One failed reminder must not end the others.
				log.Warn("reminder not delivered", "appointment", in.AppointmentID, "delivery", next.Key, "error", err.Error())
				res.Skipped = append(res.Skipped, next.Key+": failed")
			case sr.Sent:
				res.Sent = append(res.Sent, next.Key)
			default:
				res.Skipped = append(res.Skipped, next.Key+": "+sr.Skipped)
				if sr.Skipped == "opted_out" {
					res.SMSOptedOut = true
				}
				if sr.Skipped == "cancelled" {
					plan.Status = activities.AppointmentCancelled
				}
			}
		}
	}
}

// startBackfill starts the waitlist workflow for a freed slot as an
// abandoned child (it outlives this workflow) and waits until it has
// started; one already running for the slot is fine.
func startBackfill(ctx workflow.Context, slot activities.Slot, opts WaitlistOptions) (string, error) {
	id := WaitlistIDPrefix + slot.Key()
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	})
	f := workflow.ExecuteChildWorkflow(cctx, WaitlistWorkflowName, WaitlistInput{Slot: slot, Options: opts})
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		var already *temporal.ChildWorkflowExecutionAlreadyStartedError
		if errors.As(err, &already) {
			return id, nil
		}
		return "", err
	}
	return id, nil
}

// waitlistOptions are the backfill's options; the patient booked from the
// waitlist gets the same reminders as this one.
func (in ReminderInput) waitlistOptions() WaitlistOptions {
	o := in.Waitlist
	if len(o.Reminders.Offsets) == 0 && len(o.Reminders.Channels) == 0 && o.Reminders.QuietStart == "" {
		o.Reminders = in.ReminderOptions
	}
	return o
}

// ParseReminderOptions reads the configuration's reminder settings:
// offsets such as "72h,24h,2h" and quiet hours such as "21:00-08:00" (or
// "-" for none).
func ParseReminderOptions(offsets, quietHours string) (ReminderOptions, error) {
	var o ReminderOptions
	for _, f := range strings.Split(offsets, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("reminder offsets: %q is not a positive duration such as 24h", f)
		}
		o.Offsets = append(o.Offsets, d)
	}
	switch q := strings.TrimSpace(quietHours); q {
	case "":
	case "-":
		o.QuietStart = "-"
	default:
		start, end, ok := strings.Cut(q, "-")
		_, e1 := time.Parse("15:04", start)
		_, e2 := time.Parse("15:04", end)
		if !ok || e1 != nil || e2 != nil {
			return o, fmt.Errorf("quiet hours: %q is not HH:MM-HH:MM", q)
		}
		o.QuietStart, o.QuietEnd = start, end
	}
	return o, nil
}
