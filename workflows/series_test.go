package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/claimflow/claimflow/activities"
)

func runSeries(t *testing.T, e *engagementEnv, in SeriesInput) SeriesResult {
	t.Helper()
	e.ExecuteWorkflow(SeriesWorkflowName, in)
	require.True(t, e.IsWorkflowCompleted())
	require.NoError(t, e.GetWorkflowError())
	var res SeriesResult
	require.NoError(t, e.GetWorkflowResult(&res))
	return res
}

func TestSeriesWeeklyWithExceptionsAndConflict(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	first := time.Date(2030, 3, 6, 16, 0, 0, 0, nyc) // Wednesdays 16:00, across the DST change of 10 March
	// Someone else holds the provider on the fourth Wednesday.
	e.seedAppointment("appt-other", time.Date(2030, 3, 27, 16, 0, 0, 0, nyc))
	res := runSeries(t, e, SeriesInput{SeriesID: "ser-1", OrgID: "org-1", PatientID: "pat-s", ProviderID: "prov-1",
		VisitType: "therapy", Location: "Test Clinic", TimeZone: "America/New_York", FirstStart: first,
		Duration: 45 * time.Minute, EveryDays: 7, Count: 8, Skip: []string{"2030-03-13", "2030-04-10"},
		Reminders: ReminderOptions{Offsets: []time.Duration{24 * time.Hour}, Channels: []string{activities.ChannelEmail}}})

	require.Len(t, res.Occurrences, 8)
	want := []string{OccurrenceBooked, OccurrenceSkipped, OccurrenceBooked, OccurrenceConflict, OccurrenceBooked, OccurrenceSkipped, OccurrenceBooked, OccurrenceBooked}
	for i, o := range res.Occurrences {
		require.Equal(t, want[i], o.Status, "occurrence %d", i)
		if l := o.StartsAt.In(nyc); l.Hour() != 16 || l.Weekday() != time.Wednesday {
			t.Errorf("occurrence %d at %v, want Wednesday 16:00 local", i, l)
		}
		if o.Status == OccurrenceBooked {
			require.Equal(t, ReminderIDPrefix+o.AppointmentID, o.ReminderID)
			require.Equal(t, "pat-s", e.sched.get(o.AppointmentID).PatientID)
		}
	}
	require.Len(t, e.sched.booked, 5)
	require.Equal(t, "series/ser-1/0", e.sched.booked[0].IdempotencyKey)
	require.Equal(t, "ser-1", e.sched.booked[0].SeriesID)
}

func TestSeriesRejectsBadInput(t *testing.T) {
	for name, in := range map[string]SeriesInput{
		"no duration": {SeriesID: "s", TimeZone: "America/New_York", FirstStart: reminderStart.Add(time.Hour), EveryDays: 7, Count: 2},
		"no count":    {SeriesID: "s", TimeZone: "America/New_York", FirstStart: reminderStart.Add(time.Hour), EveryDays: 7, Duration: time.Hour},
		"bad zone":    {SeriesID: "s", TimeZone: "Mars/Olympus", FirstStart: reminderStart.Add(time.Hour), EveryDays: 7, Count: 2, Duration: time.Hour},
	} {
		e := newEngagementEnv(t, reminderStart)
		e.ExecuteWorkflow(SeriesWorkflowName, in)
		require.Error(t, e.GetWorkflowError(), name)
		require.Contains(t, e.GetWorkflowError().Error(), activities.ErrTypeBadRequest, name)
	}
}

func TestSeriesPastOccurrencesNotBooked(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	res := runSeries(t, e, SeriesInput{SeriesID: "ser-2", ProviderID: "prov-1", PatientID: "pat-s", TimeZone: "America/New_York",
		FirstStart: reminderStart.Add(-7*24*time.Hour + 2*time.Hour), Duration: time.Hour, EveryDays: 7, Count: 2,
		Reminders: ReminderOptions{Channels: []string{activities.ChannelEmail}}})
	require.Equal(t, OccurrencePast, res.Occurrences[0].Status)
	require.Equal(t, OccurrenceBooked, res.Occurrences[1].Status)
}
