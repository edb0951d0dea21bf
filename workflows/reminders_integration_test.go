package workflows_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/notify/notifytest"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/webhooks"
	"github.com/claimflow/claimflow/workflows"
)

// TestReminderCancelReplyBackfillsOnDevServer runs patient engagement end
// to end on real components: Postgres (records, the exclusion constraint,
// engagement tables), a Temporal dev server, mailpit for email, and the
// Twilio webhook handler fed correctly signed requests. Outbound SMS go to
// an in-memory outbox (Twilio has no local server; notify tests its REST
// client against a fake). A reminder email lands in mailpit; the patient
// replies X; the slot frees; the waitlist backfill offers it to the next
// patient, who replies YES and is booked, and gets a reminder of their own.
func TestReminderCancelReplyBackfillsOnDevServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// Records: a clinic, a provider, two synthetic patients.
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	require.NoError(t, err)
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "Test Health"})
	require.NoError(t, err)
	clinic, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "Test Clinic", ParentID: root.ID})
	require.NoError(t, err)
	prov, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: clinic.ID, NPI: "1234567893", LastName: "TESTDOC", Taxonomy: "207Q00000X"})
	require.NoError(t, err)
	patA, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: clinic.ID, FirstName: "Testpata", LastName: "SYNTHETIC",
		BirthDate: "1970-01-01", Sex: "U", Phone: "+15005550101", Email: "testpata@example.invalid"})
	require.NoError(t, err)
	patB, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: clinic.ID, FirstName: "Testpatb", LastName: "SYNTHETIC",
		BirthDate: "1971-01-01", Sex: "U", Phone: "+15005550102", Email: "testpatb@example.invalid"})
	require.NoError(t, err)
	// A's visit is an hour away (plus a little), so the 1h reminder is due
	// in seconds.
	start := time.Now().Add(time.Hour + 4*time.Second).Truncate(time.Second)
	appt, err := s.Book(ctx, store.System, store.Booking{ProviderID: prov.ID, PatientID: patA.ID, VisitType: "follow_up", StartsAt: start, EndsAt: start.Add(30 * time.Minute)})
	require.NoError(t, err)
	entry, err := s.JoinWaitlist(ctx, store.System, store.WaitlistEntry{OrgID: clinic.ID, PatientID: patB.ID, ProviderID: prov.ID, VisitType: "follow_up", Priority: 5})
	require.NoError(t, err)

	// Components: mailpit, Temporal, a worker with the engagement activities.
	mp := notifytest.StartMailpit(t)
	outbox := &notifytest.SMSOutbox{}
	srv := testenv.DevServer(t)
	c := srv.Client()
	const queue = "engagement-it"
	w := worker.New(c, queue, worker.Options{})
	workflows.RegisterWorkflows(w)
	workflows.RegisterEngagementActivities(w, &activities.Engagement{
		Scheduling: &activities.RecordsScheduling{Store: s, DefaultTimeZone: "America/New_York"},
		Ledger:     &activities.StoreLedger{Store: s},
		Mail:       &notify.SMTP{Addr: mp.SMTPAddr, From: "reminders@claimflow.invalid"},
		SMS:        outbox,
	})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	// The Twilio webhook, mounted as the lead will.
	const token = "test-auth-token"
	hook := httptest.NewServer(webhooks.Twilio(webhooks.TwilioOptions{ValidSignature: notify.ValidTwilioSignature, AuthToken: token, Threads: s, Events: s, Temporal: c,
		PublicURL: "https://claimflow.example.invalid/webhooks/twilio/sms"}))
	t.Cleanup(hook.Close)
	reply := func(sid, from, body string) {
		t.Helper()
		form := url.Values{"MessageSid": {sid}, "AccountSid": {"AC00000000000000000000000000000001"}, "From": {from}, "To": {"+15005550006"}, "Body": {body}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", notify.TwilioSignature(token, "https://claimflow.example.invalid/webhooks/twilio/sms", form))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	// A's reminder 1h before (due in seconds); the waitlisted patient's
	// 59m50s before (due ~10s later, or at once when the booking comes
	// later: a reminder missed by minutes still goes).
	opts := workflows.ReminderOptions{Offsets: []time.Duration{time.Hour}, QuietStart: "-"}
	optsB := workflows.ReminderOptions{Offsets: []time.Duration{59*time.Minute + 50*time.Second}, QuietStart: "-"}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReminderIDPrefix + appt.ID, TaskQueue: queue},
		workflows.ReminderWorkflowName, workflows.ReminderInput{AppointmentID: appt.ID, ReminderOptions: opts,
			Waitlist: workflows.WaitlistOptions{AcceptWindow: time.Minute, MinLead: time.Minute, Reminders: optsB}})
	require.NoError(t, err)

	var mailA notifytest.Message
	testenv.WaitFor(t, 30*time.Second, "A's reminder email in mailpit", func() bool {
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && m.To[0] == "testpata@example.invalid" {
				mailA = m
				return true
			}
		}
		return false
	})
	require.Contains(t, mailA.Text, "Hi Testpata")
	require.Contains(t, mailA.Text, "Test Clinic")
	require.NotContains(t, mailA.Text, "SYNTHETIC", "no last name")
	require.NotContains(t, mailA.Text, "follow_up", "no visit type")
	testenv.WaitFor(t, 10*time.Second, "A's reminder SMS", func() bool { return len(outbox.Messages()) == 1 })

	// A replies X: the appointment is cancelled and the backfill starts.
	reply("SMa1", "+15005550101", "X")
	var res workflows.ReminderResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, workflows.ReminderCancelledByReply, res.Outcome)
	got, err := s.GetAppointment(ctx, store.System, appt.ID)
	require.NoError(t, err)
	require.Equal(t, "cancelled", got.Status)
	slot := activities.Slot{ProviderID: prov.ID, StartsAt: start}
	require.Equal(t, workflows.WaitlistIDPrefix+slot.Key(), res.BackfillID)

	// B is offered the slot by SMS and accepts.
	testenv.WaitFor(t, 20*time.Second, "the waitlist offer", func() bool {
		for _, m := range outbox.Messages() {
			if m.To == "+15005550102" && strings.Contains(m.Body, "Reply YES") {
				return true
			}
		}
		return false
	})
	reply("SMb1", "+15005550102", "Yes")
	reply("SMb1", "+15005550102", "Yes") // a replayed delivery changes nothing
	var wl workflows.WaitlistResult
	require.NoError(t, c.GetWorkflow(ctx, res.BackfillID, "").Get(ctx, &wl))
	require.Equal(t, workflows.WaitlistBooked, wl.Outcome)
	require.Equal(t, entry.ID, wl.EntryID)
	booked, err := s.GetAppointment(ctx, store.System, wl.AppointmentID)
	require.NoError(t, err)
	require.Equal(t, patB.ID, booked.PatientID)
	require.Equal(t, "booked", booked.Status)
	require.True(t, booked.StartsAt.Equal(start.UTC()), "same slot")
	e, err := s.GetWaitlistEntry(ctx, store.System, entry.ID)
	require.NoError(t, err)
	require.Equal(t, "booked", e.Status)

	// B's own reminder workflow sends B a reminder.
	testenv.WaitFor(t, 30*time.Second, "B's reminder email in mailpit", func() bool {
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && m.To[0] == "testpatb@example.invalid" && strings.HasPrefix(m.Subject, "Appointment reminder") {
				return true
			}
		}
		return false
	})
	testenv.WaitFor(t, 10*time.Second, "B's reminder SMS", func() bool {
		for _, m := range outbox.Messages() {
			if m.To == "+15005550102" && strings.Contains(m.Body, "reminder: your appointment") {
				return true
			}
		}
		return false
	})
	for _, m := range mp.Messages(t) {
		if m.To[0] == "testpata@example.invalid" && m.ID != mailA.ID {
			t.Errorf("A got another reminder after cancelling: %q", m.Subject)
		}
	}
	recordHistory(t, c, run.GetID(), run.GetRunID(), "reminders_cancel_reply.json")
	recordHistory(t, c, res.BackfillID, "", "waitlist_booked.json")
}

// recordHistory saves a workflow's history into testdata/histories (for
// TestReplayCommittedHistories) when the test runs with -record-histories.
func recordHistory(t *testing.T, c client.Client, id, runID, name string) {
	t.Helper()
	if f := flag.Lookup("record-histories"); f == nil || f.Value.String() != "true" {
		return
	}
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	out := []byte(`{"events":[`)
	for n := 0; it.HasNext(); n++ {
		ev, err := it.Next()
		require.NoError(t, err)
		b, err := protojson.Marshal(ev)
		require.NoError(t, err)
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, "]}\n"...)
	require.NoError(t, os.MkdirAll("testdata/histories", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("testdata/histories", name), out, 0o644))
}
