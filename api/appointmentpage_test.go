package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/paylink"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

type fakeReplies struct {
	mu      sync.Mutex
	ids     []string
	replies []workflows.PatientReply
}

func (f *fakeReplies) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != workflows.SignalPatientReply {
		return errors.New("unexpected signal " + name)
	}
	f.ids = append(f.ids, id)
	f.replies = append(f.replies, arg.(workflows.PatientReply))
	return nil
}

// Issue 16: a patient who gets no texts could not answer a reminder. The
// link in the email opens a page (no login, a sealed token for one
// appointment) that confirms or cancels through the reminder workflow, as
// an SMS reply would; each view and answer is audited.
func TestAppointmentPage(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	rec := w.makeRecords(w.facA, w.provA, "TESTAPPTPAGE", "ZZM0003", 5)
	ctx := context.Background()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	links := &paylink.Links{Sealer: k, Purpose: "appointment"}
	ap := PatientAppointment{ID: rec.appointment.ID, OrgID: w.facA.ID, PatientID: rec.patient.ID,
		StartsAt: time.Now().Add(48 * time.Hour).Truncate(time.Minute), Location: "TEST CLINIC", Status: "booked"}
	sig := &fakeReplies{}
	srv := New(Options{Records: w.store})
	srv.MountAppointmentPage(AppointmentPage{Links: links, Temporal: sig, OfficePhone: "555-0100",
		Appointment: func(_ context.Context, id string) (PatientAppointment, error) {
			if id != ap.ID {
				return PatientAppointment{}, rcm.ErrNotFound
			}
			return ap, nil
		}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	do := func(tok, action string) (int, string) {
		t.Helper()
		var res *http.Response
		var err error
		if action == "" {
			res, err = http.Get(hs.URL + "/appointment?t=" + url.QueryEscape(tok))
		} else {
			res, err = http.PostForm(hs.URL+"/appointment", url.Values{"t": {tok}, "action": {action}})
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tok, err := links.Mint(ctx, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := do(ap.ID, ""); st != 404 {
		t.Errorf("raw appointment ID as token: %d", st)
	}
	payTok, _ := (&paylink.Links{Sealer: k}).Mint(ctx, ap.ID)
	if st, _ := do(payTok, "confirm"); st != 404 || len(sig.replies) != 0 {
		t.Errorf("a payment link's token: %d, replies %v", st, sig.replies)
	}
	st, body := do(tok, "")
	if st != 200 || !strings.Contains(body, ap.StartsAt.Format("Monday, January 2, 2006 at 3:04 PM")) || !strings.Contains(body, "TEST CLINIC") ||
		!strings.Contains(body, `id="confirm"`) || strings.Contains(body, "TESTAPPTPAGE") || strings.Contains(body, ap.ID) {
		t.Errorf("page: %d %s", st, body)
	}
	for i := 0; i < 2; i++ {
		if st, body := do(tok, "confirm"); st != 200 || !strings.Contains(body, "Thank you for confirming") {
			t.Errorf("confirm %d: %d %s", i, st, body)
		}
	}
	if st, body := do(tok, "cancel"); st != 200 || !strings.Contains(body, "being cancelled") {
		t.Errorf("cancel: %d %s", st, body)
	}
	want := []workflows.PatientReply{
		{Ref: ap.ID, Action: workflows.ReplyConfirm, MessageID: "page:confirm", Channel: "web"},
		{Ref: ap.ID, Action: workflows.ReplyConfirm, MessageID: "page:confirm", Channel: "web"},
		{Ref: ap.ID, Action: workflows.ReplyCancel, MessageID: "page:cancel", Channel: "web"},
	}
	if len(sig.replies) != 3 || sig.ids[0] != workflows.ReminderIDPrefix+ap.ID {
		t.Fatalf("replies %+v to %v", sig.replies, sig.ids)
	}
	for i := range want {
		if sig.replies[i] != want[i] {
			t.Errorf("reply %d = %+v, want %+v", i, sig.replies[i], want[i])
		}
	}
	var views, answers int
	if err := w.store.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'read'), count(*) FILTER (WHERE action = 'update')
		FROM audit_log WHERE resource = 'appointment' AND resource_id = $1 AND actor_id IS NULL AND source_ip <> ''`, ap.ID).Scan(&views, &answers); err != nil || views != 1 || answers != 3 {
		t.Errorf("audited %d views and %d answers (%v), want 1 and 3", views, answers, err)
	}
	ap.Status = "cancelled"
	if st, body := do(tok, "confirm"); st != 200 || !strings.Contains(body, "is cancelled") || len(sig.replies) != 3 {
		t.Errorf("cancelled: %d %s", st, body)
	}
}
