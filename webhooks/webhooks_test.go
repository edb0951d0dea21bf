package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/payments/paymentstest"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/webhooks"
	"github.com/claimflow/claimflow/workflows"
)

// recordingSignalerForTests stands in for the Temporal client and records
// the signals the handlers send.
type recordingSignalerForTests struct {
	mu    sync.Mutex
	calls []signalCall
	err   error
	gone  map[string]bool // workflows that have finished
}

type signalCall struct {
	WorkflowID, Signal string
	Arg                any
}

func (r *recordingSignalerForTests) SignalWorkflow(_ context.Context, id, _, name string, arg interface{}) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.gone[id] {
		return serviceerror.NewNotFound("workflow execution already completed")
	}
	r.calls = append(r.calls, signalCall{id, name, arg})
	return nil
}

func (r *recordingSignalerForTests) all() []signalCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]signalCall(nil), r.calls...)
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	return s
}

func post(t *testing.T, h http.Handler, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStripeWebhook(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.OpenStatement(ctx, store.Statement{ID: "stmt-w1", PatientID: "pat-w1", AmountCents: 4250}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatementIntent(ctx, "stmt-w1", "pi_w1"); err != nil {
		t.Fatal(err)
	}
	sig := &recordingSignalerForTests{}
	h := webhooks.Stripe(webhooks.StripeOptions{ParseEvent: payments.ParseEvent, Secret: paymentstest.WebhookSecret, Statements: s, Events: s, Temporal: sig})
	sign := func(p []byte) map[string]string {
		return map[string]string{"Stripe-Signature": paymentstest.Sign(p, paymentstest.WebhookSecret)}
	}
	paid := paymentstest.PaymentSucceeded(t, "evt_w1", "pi_w1", "stmt-w1", 4250)

	// No secret configured: everything is refused.
	closed := webhooks.Stripe(webhooks.StripeOptions{ParseEvent: payments.ParseEvent, Statements: s, Events: s, Temporal: sig})
	if rec := post(t, closed, string(paid), map[string]string{"Stripe-Signature": paymentstest.Sign(paid, "")}); rec.Code != http.StatusBadRequest {
		t.Errorf("no secret: got %d, want 400", rec.Code)
	}
	// Forged: signed with another secret, tampered, stale, unsigned.
	forged := []struct {
		name string
		body []byte
		hdr  map[string]string
	}{
		{"wrong secret", paid, map[string]string{"Stripe-Signature": paymentstest.Sign(paid, "whsec_attacker")}},
		{"tampered", []byte(strings.Replace(string(paid), "4250", "1", 2)), sign(paid)},
		{"stale", paid, map[string]string{"Stripe-Signature": paymentstest.SignAt(paid, paymentstest.WebhookSecret, time.Now().Add(-time.Hour))}},
		{"unsigned", paid, nil},
	}
	for _, f := range forged {
		if rec := post(t, h, string(f.body), f.hdr); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", f.name, rec.Code)
		}
	}
	if n := len(sig.all()); n != 0 {
		t.Fatalf("forged events signalled %d times", n)
	}

	// Correctly signed: one signal; the same event again changes nothing.
	for i := 0; i < 3; i++ {
		if rec := post(t, h, string(paid), sign(paid)); rec.Code != http.StatusOK {
			t.Fatalf("delivery %d: got %d", i, rec.Code)
		}
	}
	calls := sig.all()
	if len(calls) != 1 {
		t.Fatalf("got %d signals, want 1", len(calls))
	}
	want := workflows.StripeEvent{EventID: "evt_w1", Type: "payment_intent.succeeded", PaymentIntentID: "pi_w1", AmountCents: 4250}
	if calls[0].WorkflowID != "statement/stmt-w1" || calls[0].Signal != workflows.SignalStripeEvent || calls[0].Arg != want {
		t.Errorf("got %+v", calls[0])
	}

	// A refund event without metadata finds its statement by intent.
	ref := paymentstest.ChargeRefunded(t, "evt_w2", "pi_w1", 1000)
	if rec := post(t, h, string(ref), sign(ref)); rec.Code != http.StatusOK {
		t.Fatalf("refund: got %d", rec.Code)
	}
	if calls = sig.all(); len(calls) != 2 || calls[1].WorkflowID != "statement/stmt-w1" {
		t.Fatalf("refund: got %+v", calls)
	}

	// Unknown types and intents are acknowledged and ignored.
	other := paymentstest.Event(t, "evt_w3", "customer.created", map[string]any{"id": "cus_1", "object": "customer"})
	stray := paymentstest.ChargeRefunded(t, "evt_w4", "pi_unknown", 1)
	for _, b := range [][]byte{other, stray} {
		if rec := post(t, h, string(b), sign(b)); rec.Code != http.StatusOK {
			t.Errorf("got %d, want 200", rec.Code)
		}
	}
	if n := len(sig.all()); n != 2 {
		t.Errorf("got %d signals, want 2", n)
	}

	// Temporal unavailable: 500 and the event is released, so Stripe's
	// retry goes through.
	sig.err = errors.New("unavailable")
	paid2 := paymentstest.PaymentSucceeded(t, "evt_w5", "pi_w1", "stmt-w1", 4250)
	if rec := post(t, h, string(paid2), sign(paid2)); rec.Code != http.StatusInternalServerError {
		t.Fatalf("got %d, want 500", rec.Code)
	}
	sig.err = nil
	if rec := post(t, h, string(paid2), sign(paid2)); rec.Code != http.StatusOK || len(sig.all()) != 3 {
		t.Fatalf("retry: got %d with %d signals", rec.Code, len(sig.all()))
	}
	// The statement workflow has ended: acknowledged, recorded, not retried.
	sig.err = serviceerror.NewNotFound("workflow not found")
	paid3 := paymentstest.PaymentSucceeded(t, "evt_w6", "pi_w1", "stmt-w1", 4250)
	if rec := post(t, h, string(paid3), sign(paid3)); rec.Code != http.StatusOK {
		t.Fatalf("finished workflow: got %d", rec.Code)
	}
	if first, _ := s.ClaimWebhookEvent(ctx, webhooks.ProviderStripe, "evt_w6"); first {
		t.Error("event for a finished workflow was not recorded")
	}
}

const twilioURL = "https://claimflow.example.invalid/webhooks/twilio/sms"

func twilioForm(sid, from, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "AccountSid": {"AC00000000000000000000000000000001"}, "From": {from},
		"To": {"+15005550006"}, "Body": {body}, "NumMedia": {"0"}}
}

func postTwilio(t *testing.T, h http.Handler, form url.Values, token string) *httptest.ResponseRecorder {
	t.Helper()
	return post(t, h, form.Encode(), map[string]string{
		"Content-Type":       "application/x-www-form-urlencoded",
		"X-Twilio-Signature": notify.TwilioSignature(token, twilioURL, form),
	})
}

func TestTwilioWebhook(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sig := &recordingSignalerForTests{}
	h := webhooks.Twilio(webhooks.TwilioOptions{ValidSignature: notify.ValidTwilioSignature, AuthToken: "test-auth-token", PublicURL: twilioURL, Threads: s, Events: s, Temporal: sig})
	const phone = "+15005550101"
	if err := s.RecordOutboundSMS(ctx, phone, "reminder/appt-old", "appt-old"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if err := s.RecordOutboundSMS(ctx, phone, "reminder/appt-w1", "appt-w1"); err != nil {
		t.Fatal(err)
	}

	// Forged: signed with another token, or with the right token over
	// other parameters.
	if rec := postTwilio(t, h, twilioForm("SMf1", phone, "X"), "attacker-token"); rec.Code != http.StatusForbidden {
		t.Errorf("wrong token: got %d, want 403", rec.Code)
	}
	f := twilioForm("SMf2", phone, "C")
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": notify.TwilioSignature("test-auth-token", twilioURL, f)}
	f.Set("Body", "X")
	if rec := post(t, h, f.Encode(), hdr); rec.Code != http.StatusForbidden {
		t.Errorf("tampered: got %d, want 403", rec.Code)
	}
	if n := len(sig.all()); n != 0 {
		t.Fatalf("forged replies signalled %d times", n)
	}

	// A correctly signed "c." confirms, to the latest thread; a replay
	// of the same MessageSid changes nothing.
	for i := 0; i < 2; i++ {
		rec := postTwilio(t, h, twilioForm("SM1", phone, " c. "), "test-auth-token")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Response>") {
			t.Fatalf("got %d %q", rec.Code, rec.Body.String())
		}
	}
	calls := sig.all()
	want := workflows.PatientReply{Ref: "appt-w1", Action: workflows.ReplyConfirm, MessageID: "SM1", Channel: "sms"}
	if len(calls) != 1 || calls[0].WorkflowID != "reminder/appt-w1" || calls[0].Signal != workflows.SignalPatientReply || calls[0].Arg != want {
		t.Fatalf("got %+v", calls)
	}

	// STOP records the opt-out and tells the workflow; START undoes it.
	postTwilio(t, h, twilioForm("SM2", phone, "STOP"), "test-auth-token")
	if out, _ := s.SMSOptedOut(ctx, phone); !out {
		t.Error("STOP not recorded")
	}
	postTwilio(t, h, twilioForm("SM3", phone, "Start"), "test-auth-token")
	if out, _ := s.SMSOptedOut(ctx, phone); out {
		t.Error("START not recorded")
	}
	if calls = sig.all(); len(calls) != 3 || calls[1].Arg.(workflows.PatientReply).Action != workflows.ReplyStop {
		t.Errorf("got %+v", calls)
	}

	// Unknown senders and unrecognised words are acknowledged only.
	postTwilio(t, h, twilioForm("SM4", "+15005550999", "X"), "test-auth-token")
	postTwilio(t, h, twilioForm("SM5", phone, "what time is it?"), "test-auth-token")
	if n := len(sig.all()); n != 3 {
		t.Errorf("got %d signals, want 3", n)
	}
	// Without PublicURL the request's own URL is what Twilio signed.
	own := webhooks.Twilio(webhooks.TwilioOptions{ValidSignature: notify.ValidTwilioSignature, AuthToken: "test-auth-token", Threads: s, Events: s, Temporal: sig})
	form := twilioForm("SM6", phone, "C")
	req := httptest.NewRequest(http.MethodPost, "http://hooks.example.invalid/twilio?tenant=1", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", notify.TwilioSignature("test-auth-token", "http://hooks.example.invalid/twilio?tenant=1", form))
	rec0 := httptest.NewRecorder()
	own.ServeHTTP(rec0, req)
	if rec0.Code != http.StatusOK || len(sig.all()) != 4 {
		t.Errorf("own URL: got %d with %d signals", rec0.Code, len(sig.all()))
	}
	// No auth token configured: everything is refused.
	closed := webhooks.Twilio(webhooks.TwilioOptions{ValidSignature: notify.ValidTwilioSignature, PublicURL: twilioURL, Threads: s, Events: s, Temporal: sig})
	if rec := postTwilio(t, closed, twilioForm("SM7", phone, "C"), ""); rec.Code != http.StatusForbidden {
		t.Errorf("no token: got %d, want 403", rec.Code)
	}
	// The newest thread's workflow has finished: the reply goes to the
	// next one still running.
	if err := s.RecordOutboundSMS(ctx, phone, "waitlist/done", "wl-done"); err != nil {
		t.Fatal(err)
	}
	sig.mu.Lock()
	sig.gone = map[string]bool{"waitlist/done": true}
	sig.mu.Unlock()
	before := len(sig.all())
	if rec := postTwilio(t, h, twilioForm("SM8", phone, "X"), "test-auth-token"); rec.Code != http.StatusOK {
		t.Fatalf("fallback: got %d", rec.Code)
	}
	if calls = sig.all(); len(calls) != before+1 || calls[len(calls)-1].WorkflowID != "reminder/appt-w1" {
		t.Errorf("fallback: got %+v", calls[before:])
	}
	// Only POST.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: got %d", rec.Code)
	}
}

func TestParseReply(t *testing.T) {
	for in, want := range map[string]string{
		"C": workflows.ReplyConfirm, "yes": workflows.ReplyConfirm, " Confirm!": workflows.ReplyConfirm, "Y": workflows.ReplyConfirm,
		"x": workflows.ReplyCancel, "No thanks": workflows.ReplyCancel,
		"STOP": workflows.ReplyStop, "cancel": workflows.ReplyStop, "Unsubscribe": workflows.ReplyStop,
		"start": workflows.ReplyStart, "hello": "", "": "", "🙂": "",
	} {
		if got := webhooks.ParseReply(in); got != want {
			t.Errorf("ParseReply(%q): got %q, want %q", in, got, want)
		}
	}
}
