package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/claimflow/claimflow/activities"
)

// Slot freed on Friday 8 March 2030 at 10:00 in New York; the backfill
// starts Monday.
var freedSlot = activities.Slot{OrgID: "org-1", ProviderID: "prov-1", VisitType: "follow_up",
	StartsAt: time.Date(2030, 3, 8, 10, 0, 0, 0, nyc), EndsAt: time.Date(2030, 3, 8, 10, 30, 0, 0, nyc),
	TimeZone: "America/New_York", Location: "Test Clinic, 1 Example St"}

func (e *engagementEnv) seedWaitlist(entries ...memWaitlistEntryForTests) {
	e.sched.mu.Lock()
	defer e.sched.mu.Unlock()
	for _, w := range entries {
		if w.ProviderID == "" {
			w.ProviderID, w.VisitType = "prov-1", "follow_up"
		}
		w.Status = "waiting"
		e.sched.waitlist = append(e.sched.waitlist, w)
		if _, ok := e.sched.contacts[w.PatientID]; !ok {
			e.sched.contacts[w.PatientID] = activities.Contact{FirstName: "Wait", Email: w.PatientID + "@example.invalid", Phone: "+1500555" + w.PatientID[len(w.PatientID)-4:]}
		}
	}
}

func runWaitlist(t *testing.T, e *engagementEnv, in WaitlistInput) WaitlistResult {
	t.Helper()
	e.ExecuteWorkflow(WaitlistWorkflowName, in)
	require.True(t, e.IsWorkflowCompleted())
	require.NoError(t, e.GetWorkflowError())
	var res WaitlistResult
	require.NoError(t, e.GetWorkflowResult(&res))
	return res
}

func TestWaitlistFirstAcceptanceBooks(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedWaitlist(
		memWaitlistEntryForTests{EntryID: "wl-low", PatientID: "pat-0001", Priority: 1},
		memWaitlistEntryForTests{EntryID: "wl-high", PatientID: "pat-0002", Priority: 5},
		memWaitlistEntryForTests{EntryID: "wl-other", PatientID: "pat-0003", Priority: 9, ProviderID: "prov-2", VisitType: "follow_up"},
	)
	e.signalAt(10*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-high", Action: ReplyConfirm, MessageID: "SMyes"})
	res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})

	require.Equal(t, WaitlistBooked, res.Outcome)
	require.Equal(t, []string{"wl-high"}, res.Offers, "highest priority matching entry first")
	require.Equal(t, "wl-high", res.EntryID)
	require.Equal(t, ReminderIDPrefix+res.AppointmentID, res.ReminderID)
	got := e.sched.get(res.AppointmentID)
	require.Equal(t, "pat-0002", got.PatientID)
	require.True(t, got.StartsAt.Equal(freedSlot.StartsAt))
	require.Len(t, e.sched.booked, 1)
	require.Equal(t, "wl-high", e.sched.booked[0].WaitlistEntryID)
	// The offer, then the new appointment's own reminders (72h, 24h, 2h).
	sms := e.sms.Messages()
	require.Len(t, sms, 4)
	require.Contains(t, sms[0].Body, "Reply YES by 9:30 AM")
	require.Equal(t, 3, countSMS(sms[1:], "reminder: your appointment is Fri 8 Mar at 10:00 AM"))
}

func TestWaitlistTimeoutDeclineThenAccept(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedWaitlist(
		memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 3},
		memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 2},
		memWaitlistEntryForTests{EntryID: "wl-3", PatientID: "pat-0003", Priority: 1},
	)
	// wl-1 never answers (window 30m); wl-2 says NO; a late YES from wl-1
	// is ignored; wl-3 accepts.
	e.signalAt(40*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-2", Action: ReplyCancel, MessageID: "SMno"})
	e.signalAt(45*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-1", Action: ReplyConfirm, MessageID: "SMlate"})
	e.signalAt(50*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-3", Action: ReplyConfirm, MessageID: "SMyes"})
	var mid WaitlistState
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryWaitlistState)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 35*time.Minute)
	res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
	require.Equal(t, "wl-2", mid.Offering)
	require.Equal(t, []string{"wl-1", "wl-2"}, mid.Offers)
	require.True(t, mid.ExpiresAt.Equal(reminderStart.Add(time.Hour)), "second window ends 30 minutes after it began")
	require.Equal(t, WaitlistBooked, res.Outcome)
	require.Equal(t, []string{"wl-1", "wl-2", "wl-3"}, res.Offers)
	require.Equal(t, "wl-3", res.EntryID)
	require.Equal(t, "pat-0003", e.sched.get(res.AppointmentID).PatientID)
}

func TestWaitlistConflictStops(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 3},
		memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 2})
	// The front desk books the slot through the API while the offer is out.
	e.RegisterDelayedCallback(func() {
		e.seedAppointment("appt-desk", freedSlot.StartsAt)
		e.SignalWorkflow(SignalPatientReply, PatientReply{Ref: "wl-1", Action: ReplyConfirm, MessageID: "SMyes"})
	}, 5*time.Minute)
	res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
	require.Equal(t, WaitlistSlotTaken, res.Outcome)
	require.Empty(t, e.sched.booked)
	require.Equal(t, []string{"wl-1"}, res.Offers, "nobody else is offered a taken slot")
}

func TestWaitlistStops(t *testing.T) {
	t.Run("nobody matches", func(t *testing.T) {
		e := newEngagementEnv(t, reminderStart)
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
		require.Equal(t, WaitlistExhausted, res.Outcome)
	})
	t.Run("everybody declines", func(t *testing.T) {
		e := newEngagementEnv(t, reminderStart)
		e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001"})
		e.signalAt(time.Minute, SignalPatientReply, PatientReply{Ref: "wl-1", Action: ReplyCancel})
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
		require.Equal(t, WaitlistExhausted, res.Outcome)
		require.Equal(t, []string{"wl-1"}, res.Offers)
	})
	t.Run("filled elsewhere", func(t *testing.T) {
		e := newEngagementEnv(t, reminderStart)
		e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001"})
		e.signalAt(time.Minute, SignalWaitlistFilled, "appt-desk")
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
		require.Equal(t, WaitlistFilled, res.Outcome)
	})
	t.Run("slot passes", func(t *testing.T) {
		// Two hours before the slot, with a one-hour lead: the first offer's
		// window is cut to the lead, and nobody answers.
		e := newEngagementEnv(t, freedSlot.StartsAt.Add(-2*time.Hour))
		e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 2},
			memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 1})
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot, Options: WaitlistOptions{AcceptWindow: 90 * time.Minute}})
		require.Equal(t, WaitlistPassed, res.Outcome)
		require.Equal(t, []string{"wl-1"}, res.Offers)
	})
	t.Run("unreachable patient skipped", func(t *testing.T) {
		e := newEngagementEnv(t, reminderStart)
		e.sched.contacts["pat-0001"] = activities.Contact{FirstName: "Nophone", Email: "np@example.invalid"}
		e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 2},
			memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 1})
		e.signalAt(time.Minute, SignalPatientReply, PatientReply{Ref: "wl-2", Action: ReplyConfirm})
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
		require.Equal(t, WaitlistBooked, res.Outcome)
		require.Equal(t, "wl-2", res.EntryID)
		for _, m := range e.mail.all() {
			require.NotEqual(t, "np@example.invalid", m.To, "no offer by email to a patient who cannot answer by text")
		}
	})
	t.Run("offer limit", func(t *testing.T) {
		e := newEngagementEnv(t, reminderStart)
		e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 2},
			memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 1})
		res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot, Options: WaitlistOptions{MaxOffers: 1}})
		require.Equal(t, WaitlistExhausted, res.Outcome)
		require.Equal(t, []string{"wl-1"}, res.Offers)
	})
}

func TestWaitlistRejectedBookingOffersTheNext(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001", Priority: 2},
		memWaitlistEntryForTests{EntryID: "wl-2", PatientID: "pat-0002", Priority: 1})
	// pat-0001 accepts but is booked elsewhere at that time.
	e.sched.reject = map[string]bool{"pat-0001": true}
	e.signalAt(time.Minute, SignalPatientReply, PatientReply{Ref: "wl-1", Action: ReplyConfirm, MessageID: "SM1"})
	e.signalAt(2*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-2", Action: ReplyConfirm, MessageID: "SM2"})
	res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
	require.Equal(t, WaitlistBooked, res.Outcome)
	require.Equal(t, []string{"wl-1", "wl-2"}, res.Offers)
	require.Equal(t, "wl-2", res.EntryID)
}

func TestWaitlistOffersWaitOutQuietHours(t *testing.T) {
	// The slot frees on Thursday at 23:00; the offer goes at 08:00 Friday,
	// before the 10:00 slot.
	e := newEngagementEnv(t, time.Date(2030, 3, 7, 23, 0, 0, 0, nyc))
	e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001"})
	var offeredAt time.Time
	e.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "SendWaitlistOffer" {
			offeredAt = e.Now()
		}
	})
	e.signalAt(9*time.Hour+5*time.Minute, SignalPatientReply, PatientReply{Ref: "wl-1", Action: ReplyConfirm})
	res := runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
	require.Equal(t, WaitlistBooked, res.Outcome)
	require.True(t, offeredAt.Equal(time.Date(2030, 3, 8, 8, 0, 0, 0, nyc)), "offered at %v", offeredAt.In(nyc))

	// Freed at 23:00 the night before an 08:30 slot: too late for a text.
	e = newEngagementEnv(t, time.Date(2030, 3, 7, 23, 0, 0, 0, nyc))
	e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001"})
	early := freedSlot
	early.StartsAt, early.EndsAt = time.Date(2030, 3, 8, 8, 30, 0, 0, nyc), time.Date(2030, 3, 8, 9, 0, 0, 0, nyc)
	res = runWaitlist(t, e, WaitlistInput{Slot: early})
	require.Equal(t, WaitlistPassed, res.Outcome)
	require.Empty(t, res.Offers)

	// Filled while waiting for the morning.
	e = newEngagementEnv(t, time.Date(2030, 3, 7, 23, 0, 0, 0, nyc))
	e.seedWaitlist(memWaitlistEntryForTests{EntryID: "wl-1", PatientID: "pat-0001"})
	e.signalAt(time.Hour, SignalWaitlistFilled, "appt-desk")
	res = runWaitlist(t, e, WaitlistInput{Slot: freedSlot})
	require.Equal(t, WaitlistFilled, res.Outcome)
	require.Empty(t, res.Offers)
}
