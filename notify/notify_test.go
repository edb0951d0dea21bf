package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/notify/notifytest"
)

// Twilio is a SaaS without a local server: these tests run against an
// httptest fake that checks the exact request shape of Twilio's Messages
// API and answers as Twilio documents.
func TestTwilioSendSMS_FakeTwilio(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		from      string
		wantSID   string
		wantErr   error
		permanent bool
	}{
		{name: "queued", status: 201, body: `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`, from: "+15005550006", wantSID: "SM0123456789abcdef0123456789abcdef"},
		{name: "messaging service", status: 201, body: `{"sid":"SMaaaa","status":"accepted"}`, from: "MG0000000000000000000000000000000", wantSID: "SMaaaa"},
		{name: "unsubscribed", status: 400, body: `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`, from: "+15005550006", wantErr: notify.ErrOptedOut, permanent: true},
		{name: "invalid number", status: 400, body: `{"code":21211,"message":"Invalid 'To' Phone Number","status":400}`, from: "+15005550006", wantErr: notify.ErrPermanent, permanent: true},
		{name: "rate limited", status: 429, body: `{"code":20429,"message":"Too Many Requests","status":429}`, from: "+15005550006"},
		{name: "server error", status: 503, body: `oops`, from: "+15005550006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got, want := r.Method, http.MethodPost; got != want {
					t.Errorf("method: got %s, want %s", got, want)
				}
				if got, want := r.URL.Path, "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json"; got != want {
					t.Errorf("path: got %s, want %s", got, want)
				}
				user, pass, ok := r.BasicAuth()
				if !ok || user != "AC00000000000000000000000000000001" || pass != "test-auth-token" {
					t.Errorf("basic auth: got %q/%q (%v)", user, pass, ok)
				}
				if got, want := r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
					t.Errorf("content type: got %q, want %q", got, want)
				}
				b, _ := io.ReadAll(r.Body)
				form, err := url.ParseQuery(string(b))
				if err != nil {
					t.Fatal(err)
				}
				if got, want := form.Get("To"), "+15005550001"; got != want {
					t.Errorf("To: got %q, want %q", got, want)
				}
				if strings.HasPrefix(tt.from, "MG") {
					if got := form.Get("MessagingServiceSid"); got != tt.from {
						t.Errorf("MessagingServiceSid: got %q, want %q", got, tt.from)
					}
				} else if got := form.Get("From"); got != tt.from {
					t.Errorf("From: got %q, want %q", got, tt.from)
				}
				if got, want := form.Get("Body"), "Hi A., reminder: Tue 3 Mar 10:00"; got != want {
					t.Errorf("Body: got %q, want %q", got, want)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			tw := &notify.Twilio{BaseURL: srv.URL, AccountSID: "AC00000000000000000000000000000001", AuthToken: "test-auth-token", From: tt.from}
			sid, err := tw.SendSMS(context.Background(), notify.SMS{To: "+15005550001", Body: "Hi A., reminder: Tue 3 Mar 10:00"})
			if tt.wantSID != "" {
				if err != nil || sid != tt.wantSID {
					t.Fatalf("got %q, %v; want %q", sid, err, tt.wantSID)
				}
				return
			}
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent: got %v, want %v (%v)", got, tt.permanent, err)
			}
			if strings.Contains(err.Error(), "+15005550001") {
				t.Errorf("error leaks the number: %v", err)
			}
		})
	}
}

// The worked example of Twilio's webhook security documentation.
func TestTwilioSignatureDocumentedVector(t *testing.T) {
	u := "https://mycompany.com/myapp.php?foo=1&bar=2"
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675310"},
		"Digits":  {"1234"},
		"From":    {"+14158675310"},
		"To":      {"+18005551212"},
	}
	const want = "GvWf1cFY/Q7PnoempGyD5oXAezc="
	if got := notify.TwilioSignature("12345", u, params); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if !notify.ValidTwilioSignature("12345", u, params, want) {
		t.Error("documented signature rejected")
	}
	tampered := url.Values{}
	for k, v := range params {
		tampered[k] = v
	}
	tampered.Set("Digits", "9999")
	for name, ok := range map[string]bool{
		"tampered param": notify.ValidTwilioSignature("12345", u, tampered, want),
		"other url":      notify.ValidTwilioSignature("12345", strings.Replace(u, "https", "http", 1), params, want),
		"other token":    notify.ValidTwilioSignature("54321", u, params, want),
		"empty token":    notify.ValidTwilioSignature("", u, params, want),
		"empty sig":      notify.ValidTwilioSignature("12345", u, params, ""),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The SMTP client against a real mailpit.
func TestSMTPMailpit(t *testing.T) {
	mp := notifytest.StartMailpit(t)
	m := &notify.SMTP{Addr: mp.SMTPAddr, From: "reminders@claimflow.invalid",
		Now: func() time.Time { return time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC) }}
	err := m.SendEmail(context.Background(), notify.Email{
		To: "patient-a@example.invalid", Subject: "Your appointment on Tue 5 Mar",
		Body: "Hi A.,\nsee you Tue 5 Mar at 10:00.\n", MessageID: "reminder.appt-1.72h@claimflow.invalid",
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.Subject != "Your appointment on Tue 5 Mar" || len(got.To) != 1 || got.To[0] != "patient-a@example.invalid" {
		t.Errorf("got %+v", got)
	}
	if got.MessageID != "reminder.appt-1.72h@claimflow.invalid" {
		t.Errorf("message id: got %q", got.MessageID)
	}
	if !strings.Contains(got.Text, "see you Tue 5 Mar at 10:00.") {
		t.Errorf("text: got %q", got.Text)
	}
	if err := m.SendEmail(context.Background(), notify.Email{To: "a@example.invalid\r\nBcc: x@example.invalid", Subject: "x"}); !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("header injection: got %v, want ErrPermanent", err)
	}
}
