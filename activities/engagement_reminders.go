package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/notify"
)

// Appointment reminders: planning around quiet hours, composing and
// delivering them, and the patient's confirm or cancel.

// ReminderPlanRequest asks for the deliveries of an appointment's reminders.
type ReminderPlanRequest struct {
	AppointmentID string
	Offsets       []time.Duration
	Channels      []string
	// QuietStart and QuietEnd are local clock times ("21:00", "08:00")
	// in the appointment's zone when no SMS goes out.
	QuietStart string
	QuietEnd   string
	Now        time.Time
}

// Delivery is one planned reminder.
type Delivery struct {
	Key     string // <offset>/<channel>, e.g. 24h0m0s/sms
	Channel string
	Offset  time.Duration
	At      time.Time
}

// ReminderPlan is the appointment's reminder schedule (no contact data).
type ReminderPlan struct {
	Status     string
	StartsAt   time.Time
	Slot       Slot
	Deliveries []Delivery
}

// PlanReminders reads the appointment and plans its reminders from now on:
// one delivery per offset and channel; SMS in quiet hours shifts to the end
// of the quiet period, or to just before it began when that would be after
// the visit; deliveries more than LateGrace in the past are left out.
func (e *Engagement) PlanReminders(ctx context.Context, req ReminderPlanRequest) (ReminderPlan, error) {
	if e.Scheduling == nil {
		return ReminderPlan{}, notWired("scheduling")
	}
	ap, err := e.Scheduling.Appointment(ctx, req.AppointmentID)
	if err != nil {
		return ReminderPlan{}, lookupErr("appointment", err)
	}
	loc, err := time.LoadLocation(ap.TimeZone)
	if err != nil {
		return ReminderPlan{}, temporal.NewNonRetryableApplicationError("appointment has an unknown time zone", ErrTypeBadRequest, err)
	}
	qs, qe, err := parseQuiet(req.QuietStart, req.QuietEnd)
	if err != nil {
		return ReminderPlan{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBadRequest, nil)
	}
	plan := ReminderPlan{Status: ap.Status, StartsAt: ap.StartsAt, Slot: slotOf(ap)}
	plan.Deliveries = PlanDeliveries(ap.StartsAt, req.Now, loc, req.Offsets, req.Channels, qs, qe)
	return plan, nil
}

func slotOf(ap AppointmentView) Slot {
	return Slot{OrgID: ap.OrgID, ProviderID: ap.ProviderID, VisitType: ap.VisitType, StartsAt: ap.StartsAt,
		EndsAt: ap.EndsAt, TimeZone: ap.TimeZone, Location: ap.Location}
}

// parseQuiet reads "HH:MM" clock times as minutes after midnight; both
// empty means no quiet hours (-1).
func parseQuiet(start, end string) (int, int, error) {
	if start == "" && end == "" {
		return -1, -1, nil
	}
	p := func(s string) (int, error) {
		t, err := time.Parse("15:04", s)
		if err != nil {
			return 0, fmt.Errorf("quiet hours: %q is not HH:MM", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	a, err := p(start)
	if err != nil {
		return 0, 0, err
	}
	b, err := p(end)
	if err != nil {
		return 0, 0, err
	}
	return a, b, nil
}

// LateGrace is how late a planned reminder may still go out (at once): a
// booking made minutes after an offset, or a worker that started late,
// still sends it; older ones are skipped.
const LateGrace = 15 * time.Minute

// PlanDeliveries is PlanReminders' pure core (quiet hours in minutes after
// midnight, -1 for none).
func PlanDeliveries(startsAt, now time.Time, loc *time.Location, offsets []time.Duration, channels []string, quietStart, quietEnd int) []Delivery {
	var out []Delivery
	for _, off := range offsets {
		for _, ch := range channels {
			at := startsAt.Add(-off)
			if ch == ChannelSMS && quietStart >= 0 {
				var ok bool
				if at, ok = outOfQuiet(at, startsAt, loc, quietStart, quietEnd); !ok {
					continue
				}
			}
			if at.Before(now.Add(-LateGrace)) || !at.Before(startsAt) {
				continue
			}
			out = append(out, Delivery{Key: off.String() + "/" + ch, Channel: ch, Offset: off, At: at})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func inQuiet(minute, qs, qe int) bool {
	if qs == qe {
		return false
	}
	if qs < qe {
		return minute >= qs && minute < qe
	}
	return minute >= qs || minute < qe // wraps midnight
}

// outOfQuiet moves at out of the quiet period: forward to its end, or when
// that is not before the visit, back to 15 minutes before it began.
func outOfQuiet(at, visit time.Time, loc *time.Location, qs, qe int) (time.Time, bool) {
	l := at.In(loc)
	minute := l.Hour()*60 + l.Minute()
	if !inQuiet(minute, qs, qe) {
		return at, true
	}
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	end := day.Add(time.Duration(qe) * time.Minute)
	if minute >= qe && qs > qe { // evening part of a period that wraps midnight
		end = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).Add(time.Duration(qe) * time.Minute)
	}
	if end.Before(visit) {
		return end, true
	}
	start := day.Add(time.Duration(qs) * time.Minute)
	if minute < qe && qs > qe { // morning part: the period began the evening before
		start = time.Date(l.Year(), l.Month(), l.Day()-1, 0, 0, 0, 0, loc).Add(time.Duration(qs) * time.Minute)
	}
	return start.Add(-15 * time.Minute), true
}

// Reminder kinds.
const (
	KindReminder  = "reminder"  // asks to confirm or cancel
	KindConfirmed = "confirmed" // the patient confirmed: a plain reminder
)

// ReminderSend asks for one reminder.
type ReminderSend struct {
	AppointmentID string
	WorkflowID    string
	Delivery      Delivery
	Kind          string
}

// SendResult says whether a message went out, and if not, why (a reason
// code, never contact data).
type SendResult struct {
	Sent    bool
	Skipped string // cancelled, no_email, no_phone, opted_out
	Channel string
}

// SendAppointmentReminder sends one reminder if the appointment is still
// on. Email carries a Message-ID made of the appointment and delivery key.
func (e *Engagement) SendAppointmentReminder(ctx context.Context, r ReminderSend) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	ap, err := e.Scheduling.Appointment(ctx, r.AppointmentID)
	if err != nil {
		return SendResult{}, lookupErr("appointment", err)
	}
	res := SendResult{Channel: r.Delivery.Channel}
	if ap.Status == AppointmentCancelled || ap.Status == AppointmentCompleted || ap.Status == AppointmentNoShow {
		res.Skipped = "cancelled"
		return res, nil
	}
	c, err := e.Scheduling.PatientContact(ctx, ap.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	when, err := localTime(ap.StartsAt, ap.TimeZone)
	if err != nil {
		return SendResult{}, err
	}
	byText, err := e.textable(ctx, c)
	if err != nil {
		return SendResult{}, err
	}
	link := ""
	if !byText && e.ManageURL != "" && e.ManageLinks != nil {
		tok, err := e.ManageLinks.Mint(ctx, ap.ID)
		if err != nil {
			return SendResult{}, err
		}
		link = e.ManageURL + "?t=" + tok
	}
	msg := ReminderMessage(c.FirstName, when, ap.Location, e.OfficePhone, r.Kind, byText, link)
	msgID := "reminder." + r.AppointmentID + "." + strings.ReplaceAll(r.Delivery.Key, "/", ".")
	return e.deliver(ctx, r.Delivery.Channel, c, r.WorkflowID, r.AppointmentID, msgID, msg)
}

// Message is a composed message for both channels.
type Message struct {
	Subject string
	Email   string
	SMS     string
}

// ReminderMessage composes a reminder: greeting by first name, date and
// time, location, and how to confirm or cancel. byText says whether the
// patient can answer by SMS (SMS configured, a mobile on file, not opted
// out); when not, the email links to the appointment page (manageLink,
// when set) and tells them to call the office, instead of asking for a
// reply to a text they never got. Nothing clinical.
func ReminderMessage(firstName string, when time.Time, location, officePhone, kind string, byText bool, manageLink string) Message {
	greet := "Hello"
	if firstName != "" {
		greet = "Hi " + firstName
	}
	date := when.Format("Mon 2 Jan at 3:04 PM")
	at := ""
	if location != "" {
		at = " at " + location
	}
	call := ""
	if officePhone != "" {
		call = " or call " + officePhone
	}
	office := "contact the office"
	if officePhone != "" {
		office = "call the office at " + officePhone
	}
	if manageLink != "" {
		office = "visit " + manageLink + " or " + office
	}
	m := Message{Subject: "Appointment reminder: " + when.Format("Mon 2 Jan, 3:04 PM")}
	if kind == KindConfirmed {
		m.SMS = fmt.Sprintf("%s, see you %s%s. Reply X to cancel. Reply STOP to opt out.", greet, date, at)
		if byText {
			m.Email = fmt.Sprintf("%s,\n\nthank you for confirming. Your appointment is on %s%s.\n\nTo cancel, reply X to our text message%s.\n", greet, date, at, call)
		} else {
			m.Email = fmt.Sprintf("%s,\n\nthank you for confirming. Your appointment is on %s%s.\n\nIf you need to cancel, please %s.\n", greet, date, at, office)
		}
		return m
	}
	m.SMS = fmt.Sprintf("%s, reminder: your appointment is %s%s. Reply C to confirm or X to cancel. Reply STOP to opt out.", greet, date, at)
	if byText {
		m.Email = fmt.Sprintf("%s,\n\nthis is a reminder of your appointment on %s%s.\n\nTo confirm, reply C to our text message; to cancel, reply X%s.\n", greet, date, at, call)
	} else {
		m.Email = fmt.Sprintf("%s,\n\nthis is a reminder of your appointment on %s%s.\n\nTo confirm or cancel, please %s.\n", greet, date, at, office)
	}
	return m
}

// WaitlistOfferMessage offers a freed slot.
func WaitlistOfferMessage(firstName string, when time.Time, location string, expires time.Time) Message {
	greet := "Hello"
	if firstName != "" {
		greet = "Hi " + firstName
	}
	at := ""
	if location != "" {
		at = " at " + location
	}
	date := when.Format("Mon 2 Jan at 3:04 PM")
	until := expires.In(when.Location()).Format("3:04 PM")
	return Message{
		Subject: "An earlier appointment is available: " + when.Format("Mon 2 Jan, 3:04 PM"),
		SMS:     fmt.Sprintf("%s, an appointment opened %s%s. Reply YES by %s to take it, or NO to pass. Reply STOP to opt out.", greet, date, at, until),
		Email:   fmt.Sprintf("%s,\n\nan appointment opened on %s%s. To take it, reply YES to our text message by %s.\n", greet, date, at, until),
	}
}

func localTime(t time.Time, tz string) (time.Time, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, temporal.NewNonRetryableApplicationError("unknown time zone", ErrTypeBadRequest, err)
	}
	return t.In(loc), nil
}

// textable says whether the patient can get and answer an SMS: SMS is
// configured, a mobile is on file and the patient has not opted out.
func (e *Engagement) textable(ctx context.Context, c Contact) (bool, error) {
	if e.SMS == nil || c.Phone == "" || e.Ledger == nil {
		return false, nil
	}
	out, err := e.Ledger.SMSOptedOut(ctx, c.Phone)
	return !out, err
}

// deliver sends on one channel: SMS only when the patient has not opted out,
// and recording the thread first so a reply finds the workflow.
func (e *Engagement) deliver(ctx context.Context, channel string, c Contact, workflowID, ref, msgID string, m Message) (SendResult, error) {
	res := SendResult{Channel: channel}
	switch channel {
	case ChannelEmail:
		if c.Email == "" {
			res.Skipped = "no_email"
			return res, nil
		}
		if e.Mail == nil {
			return res, notWired("email")
		}
		dom := e.MessageIDDomain
		if dom == "" {
			dom = "claimflow.invalid"
		}
		if err := e.Mail.SendEmail(ctx, notify.Email{To: c.Email, Subject: m.Subject, Body: m.Email, MessageID: msgID + "@" + dom}); err != nil {
			return res, deliveryErr(err)
		}
	case ChannelSMS:
		if c.Phone == "" {
			res.Skipped = "no_phone"
			return res, nil
		}
		if e.SMS == nil {
			res.Skipped = "sms_disabled"
			return res, nil
		}
		if e.Ledger == nil {
			return res, notWired("engagement ledger")
		}
		out, err := e.Ledger.SMSOptedOut(ctx, c.Phone)
		if err != nil {
			return res, err
		}
		if out {
			res.Skipped = "opted_out"
			return res, nil
		}
		if err := e.Ledger.RecordOutboundSMS(ctx, c.Phone, workflowID, ref); err != nil {
			return res, err
		}
		if _, err := e.SMS.SendSMS(ctx, notify.SMS{To: c.Phone, Body: m.SMS}); err != nil {
			if errors.Is(err, notify.ErrOptedOut) {
				res.Skipped = "opted_out"
				return res, nil
			}
			return res, deliveryErr(err)
		}
	default:
		return res, temporal.NewNonRetryableApplicationError("unknown channel "+channel, ErrTypeBadRequest, nil)
	}
	res.Sent = true
	return res, nil
}

func deliveryErr(err error) error {
	if errors.Is(err, notify.ErrPermanent) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeDeliveryRejected, nil)
	}
	return err
}

func lookupErr(what string, err error) error {
	if errors.Is(err, ErrRecordNotFound) {
		return temporal.NewNonRetryableApplicationError(what+" not found", ErrTypeNotFound, nil)
	}
	return err
}

// ConfirmAppointment records the patient's confirmation.
func (e *Engagement) ConfirmAppointment(ctx context.Context, appointmentID string) error {
	if e.Scheduling == nil {
		return notWired("scheduling")
	}
	return lookupErr("appointment", e.Scheduling.Confirm(ctx, appointmentID))
}

// CancelRequest cancels an appointment.
type CancelRequest struct {
	AppointmentID string
	Reason        string // a code such as patient_reply, never free text from the patient
}

// CancelAppointment cancels the appointment, freeing its slot.
func (e *Engagement) CancelAppointment(ctx context.Context, r CancelRequest) error {
	if e.Scheduling == nil {
		return notWired("scheduling")
	}
	return lookupErr("appointment", e.Scheduling.Cancel(ctx, r.AppointmentID, r.Reason))
}

// QuietCheck asks when an SMS may go out.
type QuietCheck struct {
	TimeZone   string
	QuietStart string // "21:00"; both empty means no quiet hours
	QuietEnd   string
	At         time.Time // the earliest moment wanted
	Before     time.Time // the send must be before this
}

// SMSSendTime returns At, or the end of the quiet hours At falls in; the
// zero time when that is not before Before.
func (e *Engagement) SMSSendTime(_ context.Context, q QuietCheck) (time.Time, error) {
	return SMSSendTime(q)
}

// SMSSendTime is the activity's pure core.
func SMSSendTime(q QuietCheck) (time.Time, error) {
	qs, qe, err := parseQuiet(q.QuietStart, q.QuietEnd)
	if err != nil {
		return time.Time{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBadRequest, nil)
	}
	at := q.At
	if qs >= 0 {
		loc, err := time.LoadLocation(q.TimeZone)
		if err != nil {
			return time.Time{}, temporal.NewNonRetryableApplicationError("unknown time zone", ErrTypeBadRequest, err)
		}
		if at, _ = outOfQuiet(q.At, q.Before, loc, qs, qe); at.Before(q.At) {
			return time.Time{}, nil // the quiet hours last until it is too late
		}
	}
	if !at.Before(q.Before) {
		return time.Time{}, nil
	}
	return at, nil
}
