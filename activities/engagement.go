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
	"github.com/claimflow/claimflow/payments"
)

// Patient engagement (issue 8): appointment reminders, waitlist backfill,
// recurring appointments and patient statements. Workflows pass IDs; these
// activities fetch contact details themselves, compose messages with the
// minimum necessary information (first name, date and time, location,
// instructions; never diagnosis, provider specialty or claim detail), and
// keep contact data out of errors and results.

// Stable error types of permanent engagement failures.
const (
	ErrTypeSlotTaken        = "SlotTaken"
	ErrTypeBookingRejected  = "BookingRejected"
	ErrTypeNotFound         = "EngagementNotFound"
	ErrTypeNoContact        = "NoContact"
	ErrTypeDeliveryRejected = "DeliveryRejected"
	ErrTypePaymentRejected  = "PaymentRejected"
	ErrTypeBadRequest       = "BadEngagementRequest"
)

// ErrSlotTaken is what Scheduling.Book returns when the slot is no longer
// free (the booking service's 409: the exclusion constraint refused it).
var ErrSlotTaken = errors.New("slot taken")

// ErrBookingRejected is what Scheduling.Book returns when this patient
// cannot take the slot (for example they are booked elsewhere then).
var ErrBookingRejected = errors.New("booking rejected")

// ErrRecordNotFound is what Scheduling returns for an unknown appointment,
// patient or waitlist entry.
var ErrRecordNotFound = errors.New("record not found")

// Appointment statuses as Scheduling reports them.
const (
	AppointmentBooked    = "booked"
	AppointmentConfirmed = "confirmed"
	AppointmentCancelled = "cancelled"
	AppointmentCompleted = "completed"
	AppointmentNoShow    = "no_show"
)

// Scheduling is what patient engagement needs from the records store and
// its booking service. The lead wires it to the records store; tests use
// an in-memory implementation.
type Scheduling interface {
	// Appointment returns the appointment with its display fields
	// (ErrRecordNotFound when unknown).
	Appointment(ctx context.Context, id string) (AppointmentView, error)
	// PatientContact returns the patient's decrypted contact details.
	PatientContact(ctx context.Context, patientID string) (Contact, error)
	// Book books through the same no-double-booking path as the API. It
	// is idempotent by IdempotencyKey (a retry returns the same
	// appointment) and returns ErrSlotTaken on a conflict (409).
	Book(ctx context.Context, req BookRequest) (appointmentID string, err error)
	// Cancel cancels an appointment, freeing its slot; cancelling a
	// cancelled appointment is a no-op.
	Cancel(ctx context.Context, appointmentID, reason string) error
	// Confirm records that the patient confirmed.
	Confirm(ctx context.Context, appointmentID string) error
	// WaitlistCandidates lists waiting entries that match the slot
	// (provider, visit type, date range, weekdays, time of day), highest
	// priority first, then oldest.
	WaitlistCandidates(ctx context.Context, slot Slot) ([]WaitlistCandidate, error)
}

// Contact is a patient's decrypted contact details. It never leaves the
// activity that fetched it.
type Contact struct {
	FirstName string
	Email     string
	Phone     string // E.164
}

// AppointmentView is an appointment as engagement sees it.
type AppointmentView struct {
	ID         string
	OrgID      string
	PatientID  string
	ProviderID string
	VisitType  string
	StartsAt   time.Time
	EndsAt     time.Time
	TimeZone   string // IANA name of the location's (or patient's) zone
	Location   string // display name and address line of the location
	Status     string
}

// Slot is a bookable time with a provider.
type Slot struct {
	OrgID      string
	ProviderID string
	VisitType  string
	StartsAt   time.Time
	EndsAt     time.Time
	TimeZone   string
	Location   string
}

// Key names the slot in workflow IDs: <provider>@<start UTC>.
func (s Slot) Key() string {
	return s.ProviderID + "@" + s.StartsAt.UTC().Format("20060102T1504Z")
}

// BookRequest books a slot for a patient.
type BookRequest struct {
	Slot            Slot
	PatientID       string
	WaitlistEntryID string // set when booking from the waitlist
	SeriesID        string // set for an occurrence of a series
	IdempotencyKey  string
}

// WaitlistCandidate is one matching waitlist entry (IDs only).
type WaitlistCandidate struct {
	EntryID   string
	PatientID string
	Priority  int
}

// EngagementLedger is claimflow's own engagement state (store/engagement.go):
// SMS threads so replies reach the right workflow, opt-outs, statements and
// exactly-once payment and refund postings.
type EngagementLedger interface {
	// RecordOutboundSMS remembers that phone was last messaged by
	// workflowID about ref (an appointment or waitlist entry ID).
	RecordOutboundSMS(ctx context.Context, phone, workflowID, ref string) error
	SMSOptedOut(ctx context.Context, phone string) (bool, error)
	OpenStatement(ctx context.Context, s StatementRecord) error
	SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error
	// PostPayment posts a payment once per payment intent: a repeat
	// returns posted=false and changes nothing.
	PostPayment(ctx context.Context, p PaymentPosting) (posted bool, err error)
	// PostRefund posts a refund once per refund ID.
	PostRefund(ctx context.Context, r RefundPosting) (posted bool, err error)
	SetStatementStatus(ctx context.Context, statementID, status string) error
}

// PaymentGateway is the Stripe adapter (payments.Stripe).
type PaymentGateway interface {
	CreatePaymentIntent(ctx context.Context, r payments.IntentRequest) (payments.Intent, error)
	CreateRefund(ctx context.Context, r payments.RefundRequest) (payments.Refund, error)
}

// Engagement holds the patient-engagement activities' dependencies.
// Register it with workflows.RegisterEngagementActivities.
type Engagement struct {
	Scheduling Scheduling
	Ledger     EngagementLedger
	Mail       notify.Mailer
	SMS        notify.SMSSender
	Payments   PaymentGateway
	// OfficePhone is printed in messages for patients to call.
	OfficePhone string
	// PayURL is the patient payment page; "?statement=<id>" is appended.
	PayURL string
	// MessageIDDomain ends email Message-IDs (default claimflow.invalid).
	MessageIDDomain string
}

// Channels.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

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
	msg := ReminderMessage(c.FirstName, when, ap.Location, e.OfficePhone, r.Kind)
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
// time, location, and what to reply. Nothing clinical.
func ReminderMessage(firstName string, when time.Time, location, officePhone, kind string) Message {
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
	m := Message{Subject: "Appointment reminder: " + when.Format("Mon 2 Jan, 3:04 PM")}
	if kind == KindConfirmed {
		m.SMS = fmt.Sprintf("%s, see you %s%s. Reply X to cancel. Reply STOP to opt out.", greet, date, at)
		m.Email = fmt.Sprintf("%s,\n\nthank you for confirming. Your appointment is on %s%s.\n\nTo cancel, reply X to our text message%s.\n", greet, date, at, call)
		return m
	}
	m.SMS = fmt.Sprintf("%s, reminder: your appointment is %s%s. Reply C to confirm or X to cancel. Reply STOP to opt out.", greet, date, at)
	m.Email = fmt.Sprintf("%s,\n\nthis is a reminder of your appointment on %s%s.\n\nTo confirm, reply C to our text message; to cancel, reply X%s.\n", greet, date, at, call)
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

// WaitlistCandidates lists matching waitlist entries in priority order.
func (e *Engagement) WaitlistCandidates(ctx context.Context, slot Slot) ([]WaitlistCandidate, error) {
	if e.Scheduling == nil {
		return nil, notWired("scheduling")
	}
	return e.Scheduling.WaitlistCandidates(ctx, slot)
}

// WaitlistOffer offers a slot to one waitlisted patient.
type WaitlistOffer struct {
	EntryID    string
	PatientID  string
	Slot       Slot
	ExpiresAt  time.Time
	WorkflowID string
	Attempt    int
}

// SendWaitlistOffer sends the offer by SMS (replies come back by SMS) and
// email.
func (e *Engagement) SendWaitlistOffer(ctx context.Context, o WaitlistOffer) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	c, err := e.Scheduling.PatientContact(ctx, o.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	when, err := localTime(o.Slot.StartsAt, o.Slot.TimeZone)
	if err != nil {
		return SendResult{}, err
	}
	m := WaitlistOfferMessage(c.FirstName, when, o.Slot.Location, o.ExpiresAt)
	msgID := fmt.Sprintf("waitlist.%s.%s", o.Slot.Key(), o.EntryID)
	sms, err := e.deliver(ctx, ChannelSMS, c, o.WorkflowID, o.EntryID, msgID, m)
	if err != nil || !sms.Sent {
		// Without a text the patient cannot accept: no email either.
		return sms, err
	}
	mail, err := e.deliver(ctx, ChannelEmail, c, o.WorkflowID, o.EntryID, msgID, m)
	if err != nil {
		return mail, err
	}
	// The offer counts as sent only when the patient can answer it.
	return sms, nil
}

// BookSlot books through the booking service: ErrSlotTaken becomes the
// non-retryable SlotTaken, ErrBookingRejected BookingRejected.
func (e *Engagement) BookSlot(ctx context.Context, r BookRequest) (string, error) {
	if e.Scheduling == nil {
		return "", notWired("scheduling")
	}
	id, err := e.Scheduling.Book(ctx, r)
	switch {
	case errors.Is(err, ErrSlotTaken):
		return "", temporal.NewNonRetryableApplicationError("slot taken", ErrTypeSlotTaken, nil)
	case errors.Is(err, ErrBookingRejected):
		return "", temporal.NewNonRetryableApplicationError("booking rejected", ErrTypeBookingRejected, nil)
	case err != nil:
		return "", lookupErr("booking", err)
	}
	return id, nil
}

// SeriesPlanRequest describes a recurring appointment.
type SeriesPlanRequest struct {
	FirstStart time.Time // first occurrence
	TimeZone   string    // wall-clock time is kept across DST changes
	EveryDays  int       // 7 for weekly
	Count      int
	Skip       []string // local dates (2006-01-02) to leave out
}

// SeriesOccurrence is one planned occurrence.
type SeriesOccurrence struct {
	Index    int
	StartsAt time.Time
	Skipped  bool
}

// PlanSeries lists the occurrences of a series.
func (e *Engagement) PlanSeries(_ context.Context, r SeriesPlanRequest) ([]SeriesOccurrence, error) {
	return PlanSeriesOccurrences(r)
}

// PlanSeriesOccurrences is PlanSeries' pure core.
func PlanSeriesOccurrences(r SeriesPlanRequest) ([]SeriesOccurrence, error) {
	if r.Count < 1 || r.Count > 520 || r.EveryDays < 1 {
		return nil, temporal.NewNonRetryableApplicationError("series needs 1 to 520 occurrences at least a day apart", ErrTypeBadRequest, nil)
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("series has an unknown time zone", ErrTypeBadRequest, err)
	}
	skip := make(map[string]bool, len(r.Skip))
	for _, d := range r.Skip {
		skip[d] = true
	}
	first := r.FirstStart.In(loc)
	out := make([]SeriesOccurrence, 0, r.Count)
	for i := 0; i < r.Count; i++ {
		t := time.Date(first.Year(), first.Month(), first.Day()+i*r.EveryDays, first.Hour(), first.Minute(), first.Second(), 0, loc)
		out = append(out, SeriesOccurrence{Index: i, StartsAt: t.UTC(), Skipped: skip[t.Format("2006-01-02")]})
	}
	return out, nil
}

// Statement statuses.
const (
	StatementOpen        = "open"
	StatementPaid        = "paid"
	StatementCollections = "collections"
	StatementClosed      = "closed"
)

// StatementRecord opens a statement.
type StatementRecord struct {
	ID          string
	PatientID   string
	AmountCents int64
	Currency    string
}

// PaymentPosting is one patient payment, posted once per payment intent.
type PaymentPosting struct {
	StatementID     string
	PaymentIntentID string
	EventID         string
	AmountCents     int64
}

// RefundPosting is one refund, posted once per refund ID.
type RefundPosting struct {
	StatementID     string
	PaymentIntentID string
	RefundID        string
	AmountCents     int64
}

// OpenStatement records the statement (idempotent).
func (e *Engagement) OpenStatement(ctx context.Context, s StatementRecord) error {
	if e.Ledger == nil {
		return notWired("engagement ledger")
	}
	if s.ID == "" || s.AmountCents <= 0 {
		return temporal.NewNonRetryableApplicationError("statement needs an ID and a positive amount", ErrTypeBadRequest, nil)
	}
	return e.Ledger.OpenStatement(ctx, s)
}

// StatementIntentRequest asks for the statement's payment intent.
type StatementIntentRequest struct {
	StatementID string
	AmountCents int64
	Currency    string
}

// CreateStatementIntent creates the statement's Stripe PaymentIntent (one
// per statement: the idempotency key is the statement's) and records its
// ID. Only the ID returns to the workflow; the client secret stays out of
// history.
func (e *Engagement) CreateStatementIntent(ctx context.Context, r StatementIntentRequest) (string, error) {
	if e.Payments == nil || e.Ledger == nil {
		return "", notWired("payments")
	}
	pi, err := e.Payments.CreatePaymentIntent(ctx, payments.IntentRequest{StatementID: r.StatementID, AmountCents: r.AmountCents,
		Currency: r.Currency, IdempotencyKey: "claimflow/statement/" + r.StatementID + "/intent"})
	if err != nil {
		return "", paymentErr(err)
	}
	if err := e.Ledger.SetStatementIntent(ctx, r.StatementID, pi.ID); err != nil {
		return "", err
	}
	return pi.ID, nil
}

// StatementNotice is one step of the unpaid-statement cadence.
type StatementNotice struct {
	StatementID  string
	PatientID    string
	Step         int
	BalanceCents int64
}

// SendStatementNotice emails the patient their balance and the payment
// link (amount and statement number only; no services or codes).
func (e *Engagement) SendStatementNotice(ctx context.Context, n StatementNotice) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	c, err := e.Scheduling.PatientContact(ctx, n.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	greet := "Hello"
	if c.FirstName != "" {
		greet = "Hi " + c.FirstName
	}
	amount := fmt.Sprintf("$%d.%02d", n.BalanceCents/100, n.BalanceCents%100)
	link := e.PayURL + "?statement=" + n.StatementID
	subject := "Your statement " + n.StatementID
	if n.Step > 0 {
		subject = "Reminder: statement " + n.StatementID + " is unpaid"
	}
	call := ""
	if e.OfficePhone != "" {
		call = " Questions? Call " + e.OfficePhone + "."
	}
	m := Message{Subject: subject,
		Email: fmt.Sprintf("%s,\n\nyour balance on statement %s is %s. Pay securely at %s .%s\n", greet, n.StatementID, amount, link, call)}
	return e.deliver(ctx, ChannelEmail, c, "", n.StatementID, fmt.Sprintf("statement.%s.%d", n.StatementID, n.Step), m)
}

// PostStatementPayment posts a payment exactly once.
func (e *Engagement) PostStatementPayment(ctx context.Context, p PaymentPosting) (bool, error) {
	if e.Ledger == nil {
		return false, notWired("engagement ledger")
	}
	return e.Ledger.PostPayment(ctx, p)
}

// StatementRefundRequest refunds part of a statement's payment.
type StatementRefundRequest struct {
	StatementID     string
	PaymentIntentID string
	AmountCents     int64
	RequestID       string // makes the Stripe call idempotent
}

// RefundStatementPayment refunds through Stripe and posts the refund once.
func (e *Engagement) RefundStatementPayment(ctx context.Context, r StatementRefundRequest) (RefundPosting, error) {
	if e.Payments == nil || e.Ledger == nil {
		return RefundPosting{}, notWired("payments")
	}
	rf, err := e.Payments.CreateRefund(ctx, payments.RefundRequest{StatementID: r.StatementID, PaymentIntentID: r.PaymentIntentID,
		AmountCents: r.AmountCents, IdempotencyKey: "claimflow/statement/" + r.StatementID + "/refund/" + r.RequestID})
	if err != nil {
		return RefundPosting{}, paymentErr(err)
	}
	amt := rf.AmountCents
	if amt == 0 {
		amt = r.AmountCents
	}
	p := RefundPosting{StatementID: r.StatementID, PaymentIntentID: r.PaymentIntentID, RefundID: rf.ID, AmountCents: amt}
	if _, err := e.Ledger.PostRefund(ctx, p); err != nil {
		return RefundPosting{}, err
	}
	return p, nil
}

// PostStatementRefund posts a refund Stripe reported (once per refund ID).
func (e *Engagement) PostStatementRefund(ctx context.Context, r RefundPosting) (bool, error) {
	if e.Ledger == nil {
		return false, notWired("engagement ledger")
	}
	return e.Ledger.PostRefund(ctx, r)
}

// StatementStatus sets a statement's status.
type StatementStatus struct {
	StatementID string
	Status      string
}

// SetStatementStatus records the statement's status (paid, collections, closed).
func (e *Engagement) SetStatementStatus(ctx context.Context, s StatementStatus) error {
	if e.Ledger == nil {
		return notWired("engagement ledger")
	}
	return e.Ledger.SetStatementStatus(ctx, s.StatementID, s.Status)
}

func paymentErr(err error) error {
	if errors.Is(err, payments.ErrPermanent) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePaymentRejected, nil)
	}
	return err
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
