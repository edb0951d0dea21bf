package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/notify"
)

// Monday 4 March 2030, 09:00 in New York (before the DST change on the 10th).
var reminderStart = time.Date(2030, 3, 4, 9, 0, 0, 0, nyc)

func runReminders(t *testing.T, e *engagementEnv, in ReminderInput) ReminderResult {
	t.Helper()
	e.ExecuteWorkflow(ReminderWorkflowName, in)
	require.True(t, e.IsWorkflowCompleted())
	require.NoError(t, e.GetWorkflowError())
	var res ReminderResult
	require.NoError(t, e.GetWorkflowResult(&res))
	return res
}

func TestRemindersAllOffsetsBothChannels(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	visit := time.Date(2030, 3, 8, 10, 0, 0, 0, nyc) // Friday 10:00
	e.seedAppointment("appt-1", visit)
	var mid ReminderState
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryReminderState)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 30*time.Hour)
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-1"})
	require.NotNil(t, mid.Next)
	require.Equal(t, "24h0m0s/email", mid.Next.Key, "state after the 72h reminders")
	require.Equal(t, []string{"72h0m0s/email", "72h0m0s/sms"}, mid.Sent)

	if got, want := res.Outcome, ReminderVisitReached; got != want {
		t.Errorf("outcome: got %s, want %s", got, want)
	}
	want := []string{"72h0m0s/email", "72h0m0s/sms", "24h0m0s/email", "24h0m0s/sms", "2h0m0s/email", "2h0m0s/sms"}
	if !slices.Equal(res.Sent, want) {
		t.Errorf("sent: got %v, want %v", res.Sent, want)
	}
	for _, s := range e.sends {
		if !s.SentAt.Equal(s.At) {
			t.Errorf("%s: sent at %v, planned %v", s.Key, s.SentAt, s.At)
		}
	}
	mails, sms := e.mail.all(), e.sms.Messages()
	if len(mails) != 3 || len(sms) != 3 {
		t.Fatalf("got %d emails and %d SMS, want 3 and 3", len(mails), len(sms))
	}
	// Minimum necessary: first name, date and time, location, instructions.
	for _, body := range []string{mails[0].Body, sms[0].Body} {
		for _, must := range []string{"Testa", "Fri 8 Mar at 10:00 AM", "Test Clinic", "reply", "X"} {
			if !strings.Contains(strings.ToLower(body), strings.ToLower(must)) {
				t.Errorf("message lacks %q: %q", must, body)
			}
		}
		for _, never := range []string{"follow_up", "prov-1", "pat-appt-1"} {
			if strings.Contains(body, never) {
				t.Errorf("message carries %q: %q", never, body)
			}
		}
	}
	if got, want := mails[0].MessageID, "reminder.appt-1.72h0m0s.email@claimflow.invalid"; got != want {
		t.Errorf("message id: got %q, want %q", got, want)
	}
	if len(e.ledger.threads) != 3 || e.ledger.threads[0] != "+15005550100|default-test-workflow-id|appt-1" {
		t.Errorf("threads: got %v", e.ledger.threads)
	}
}

func TestRemindersQuietHoursShiftSMS(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	// 09:00 visit: the 2h SMS would go at 07:00, inside 21:00-08:00, so it
	// moves to 08:00; the email is not held back.
	visit := time.Date(2030, 3, 8, 9, 0, 0, 0, nyc)
	e.seedAppointment("appt-q", visit)
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-q", ReminderOptions: ReminderOptions{Offsets: []time.Duration{2 * time.Hour}}})
	require.Equal(t, []string{"2h0m0s/email", "2h0m0s/sms"}, res.Sent)
	got := map[string]time.Time{}
	for _, s := range e.sends {
		got[s.Key] = s.SentAt.In(nyc)
	}
	if h := got["2h0m0s/email"]; h.Hour() != 7 {
		t.Errorf("email at %v, want 07:00", h)
	}
	if h := got["2h0m0s/sms"]; h.Hour() != 8 || h.Minute() != 0 {
		t.Errorf("sms at %v, want 08:00", h)
	}
}

func TestRemindersConfirmReply(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-c", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	// After the 72h reminders (Tue 10:00), the patient replies C, twice.
	reply := PatientReply{Ref: "appt-c", Action: ReplyConfirm, MessageID: "SMreply1", Channel: activities.ChannelSMS}
	e.signalAt(26*time.Hour+time.Minute, SignalPatientReply, reply)
	e.signalAt(26*time.Hour+2*time.Minute, SignalPatientReply, reply)
	e.signalAt(26*time.Hour+3*time.Minute, SignalPatientReply, PatientReply{Ref: "appt-c", Action: ReplyConfirm, MessageID: "SMreply2"})
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-c"})

	require.True(t, res.Confirmed)
	require.Equal(t, []string{"appt-c"}, e.sched.confirmed, "confirmed once")
	require.Len(t, res.Sent, 6)
	sms := e.sms.Messages()
	if countSMS(sms[:1], "Reply C to confirm") != 1 || countSMS(sms[1:], "see you") != 2 {
		t.Errorf("SMS after confirming should not ask again: %v", sms)
	}
}

func TestRemindersCancelReplyFreesSlotAndStartsBackfill(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	visit := time.Date(2030, 3, 8, 10, 0, 0, 0, nyc)
	e.seedAppointment("appt-x", visit)
	e.signalAt(26*time.Hour, SignalPatientReply, PatientReply{Ref: "appt-x", Action: ReplyCancel, MessageID: "SMx"})
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-x"})

	require.Equal(t, ReminderCancelledByReply, res.Outcome)
	require.Equal(t, []string{"appt-x:patient_reply"}, e.sched.cancelled)
	require.Equal(t, activities.AppointmentCancelled, e.sched.get("appt-x").Status)
	require.Equal(t, WaitlistIDPrefix+"prov-1@20300308T1500Z", res.BackfillID)
	require.Equal(t, []string{"72h0m0s/email", "72h0m0s/sms"}, res.Sent, "no reminders after cancelling")
}

func TestRemindersStopReplyEndsSMSOnly(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-s", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	e.signalAt(26*time.Hour, SignalPatientReply, PatientReply{Ref: "appt-s", Action: ReplyStop, MessageID: "SMstop"})
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-s"})
	require.True(t, res.SMSOptedOut)
	require.Equal(t, []string{"72h0m0s/email", "72h0m0s/sms", "24h0m0s/email", "2h0m0s/email"}, res.Sent)
	require.Equal(t, []string{"24h0m0s/sms: opted_out", "2h0m0s/sms: opted_out"}, res.Skipped)
	require.Len(t, e.sms.Messages(), 1)
}

func TestRemindersOptedOutBeforeStart(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-o", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	e.ledger.optedOut["+15005550100"] = true
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-o"})
	require.Equal(t, []string{"72h0m0s/email", "24h0m0s/email", "2h0m0s/email"}, res.Sent)
	require.Equal(t, []string{"72h0m0s/sms: opted_out", "24h0m0s/sms: opted_out", "2h0m0s/sms: opted_out"}, res.Skipped)
	require.Empty(t, e.sms.Messages())
}

func TestRemindersRescheduleMovesTimers(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-r", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	later := time.Date(2030, 3, 9, 14, 0, 0, 0, nyc) // Saturday 14:00
	e.RegisterDelayedCallback(func() {
		e.sched.mu.Lock()
		e.sched.appts["appt-r"].StartsAt = later
		e.sched.appts["appt-r"].EndsAt = later.Add(30 * time.Minute)
		e.sched.mu.Unlock()
		e.SignalWorkflow(SignalReminderReschedule, Reschedule{StartsAt: later})
	}, 30*time.Hour) // Tue 15:00, after the 72h reminders for Friday
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-r", ReminderOptions: ReminderOptions{Channels: []string{activities.ChannelEmail}}})
	require.Equal(t, ReminderVisitReached, res.Outcome)
	require.Equal(t, []string{"72h0m0s/email", "72h0m0s/email", "24h0m0s/email", "2h0m0s/email"}, res.Sent)
	var times []time.Time
	for _, s := range e.sends {
		times = append(times, s.SentAt.In(nyc))
	}
	wantTimes := []time.Time{
		time.Date(2030, 3, 5, 10, 0, 0, 0, nyc), // for Friday
		time.Date(2030, 3, 6, 14, 0, 0, 0, nyc), // 72h before Saturday 14:00
		time.Date(2030, 3, 8, 14, 0, 0, 0, nyc),
		time.Date(2030, 3, 9, 12, 0, 0, 0, nyc),
	}
	for i := range wantTimes {
		if !times[i].Equal(wantTimes[i]) {
			t.Errorf("send %d at %v, want %v", i, times[i], wantTimes[i])
		}
	}
	require.True(t, e.mail.all()[1].Subject == "Appointment reminder: Sat 9 Mar, 2:00 PM", e.mail.all()[1].Subject)
}

func TestRemindersCancelledElsewhere(t *testing.T) {
	for _, backfill := range []bool{false, true} {
		e := newEngagementEnv(t, reminderStart)
		e.seedAppointment("appt-k", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
		e.signalAt(time.Hour, SignalReminderCancel, CancelReminders{Reason: "front_desk", Backfill: backfill})
		res := runReminders(t, e, ReminderInput{AppointmentID: "appt-k"})
		require.Equal(t, ReminderCancelledElsewise, res.Outcome)
		require.Empty(t, res.Sent)
		require.Equal(t, backfill, res.BackfillID != "", "backfill %v", backfill)
	}
}

func TestRemindersAlreadyCancelledOrLate(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	a := e.seedAppointment("appt-gone", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	a.Status = activities.AppointmentCancelled
	e.sched.add(a)
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-gone"})
	require.Equal(t, ReminderCancelledElsewise, res.Outcome)

	// Booked three hours ahead: only the 2h reminders remain.
	e = newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-soon", reminderStart.Add(3*time.Hour))
	res = runReminders(t, e, ReminderInput{AppointmentID: "appt-soon"})
	require.Equal(t, []string{"2h0m0s/email", "2h0m0s/sms"}, res.Sent)

	// Cancelled between planning and sending: the reminder is skipped.
	e = newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-race", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	e.RegisterDelayedCallback(func() {
		e.sched.mu.Lock()
		e.sched.appts["appt-race"].Status = activities.AppointmentCancelled
		e.sched.mu.Unlock()
	}, time.Hour)
	res = runReminders(t, e, ReminderInput{AppointmentID: "appt-race"})
	require.Equal(t, ReminderCancelledElsewise, res.Outcome)
	require.Equal(t, []string{"72h0m0s/email: cancelled"}, res.Skipped)

	// An unknown appointment is a permanent failure.
	e = newEngagementEnv(t, reminderStart)
	e.ExecuteWorkflow(ReminderWorkflowName, ReminderInput{AppointmentID: "appt-unknown"})
	require.Error(t, e.GetWorkflowError())
	require.Contains(t, e.GetWorkflowError().Error(), activities.ErrTypeNotFound)
}

func TestParseReminderOptions(t *testing.T) {
	o, err := ParseReminderOptions("72h, 24h,2h", "21:00-08:00")
	require.NoError(t, err)
	require.Equal(t, ReminderOptions{Offsets: []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}, QuietStart: "21:00", QuietEnd: "08:00"}, o)
	o, err = ParseReminderOptions("", "-")
	require.NoError(t, err)
	o.defaults()
	require.Equal(t, "", o.QuietStart, "- means no quiet hours")
	require.Len(t, o.Offsets, 3)
	for _, bad := range [][2]string{{"1d", ""}, {"-2h", ""}, {"2h", "9pm-8am"}, {"2h", "21:00"}} {
		_, err := ParseReminderOptions(bad[0], bad[1])
		require.Error(t, err, "%v", bad)
	}
}

func TestRemindersStartReplyResumesSMS(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-ss", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	e.signalAt(26*time.Hour, SignalPatientReply, PatientReply{Ref: "appt-ss", Action: ReplyStop, MessageID: "SMstop"})
	e.signalAt(75*time.Hour, SignalPatientReply, PatientReply{Ref: "appt-ss", Action: ReplyStart, MessageID: "SMstart"})
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-ss"})
	require.False(t, res.SMSOptedOut)
	// STOP on Tuesday, START on Thursday at noon: Thursday's 10:00 SMS
	// stays unsent (not sent late), Friday's goes.
	require.Equal(t, []string{"72h0m0s/email", "72h0m0s/sms", "24h0m0s/email", "2h0m0s/email", "2h0m0s/sms"}, res.Sent)
	require.Equal(t, []string{"24h0m0s/sms: opted_out"}, res.Skipped)
}

func TestRemindersFailedSendDoesNotStopTheOthers(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedAppointment("appt-f", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	e.mail.err = notify.ErrPermanent // the relay refuses every message
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-f"})
	require.Equal(t, ReminderVisitReached, res.Outcome)
	require.Equal(t, []string{"72h0m0s/sms", "24h0m0s/sms", "2h0m0s/sms"}, res.Sent)
	require.Equal(t, []string{"72h0m0s/email: failed", "24h0m0s/email: failed", "2h0m0s/email: failed"}, res.Skipped)
}

func TestRemindersNotBooked(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	a := e.seedAppointment("appt-done", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc))
	a.Status = activities.AppointmentCompleted
	e.sched.add(a)
	res := runReminders(t, e, ReminderInput{AppointmentID: "appt-done"})
	require.Equal(t, ReminderNotBooked, res.Outcome)
	require.Empty(t, res.Sent)
}
