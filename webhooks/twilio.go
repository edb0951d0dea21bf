package webhooks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// SMSThreads finds who messaged a phone, newest first, and records
// opt-outs (store.Store implements it).
type SMSThreads interface {
	RecentSMSThreads(ctx context.Context, phone string, limit int) ([]rcm.SMSThread, error)
	SetSMSOptOut(ctx context.Context, phone string, optedOut bool) error
}

// threadsTried bounds how many of a number's threads a reply may try.
const threadsTried = 5

// TwilioOptions configure the inbound SMS handler.
type TwilioOptions struct {
	// AuthToken is the Twilio account's auth token (signature key).
	AuthToken string
	// PublicURL is this endpoint's URL exactly as configured in Twilio
	// (scheme, host, path, query): the signature covers it, and behind a
	// proxy the request's own URL differs. Empty: the request's own URL
	// (https when it came over TLS, else http).
	PublicURL string
	// ValidSignature checks X-Twilio-Signature (notify.ValidTwilioSignature);
	// without it every delivery is refused.
	ValidSignature func(authToken, fullURL string, params url.Values, signature string) bool
	Threads        SMSThreads
	Events         EventLog
	Temporal       Signaler
	Logger         *slog.Logger
}

// ParseReply maps an SMS body to a reply action ("" when unrecognised).
// CANCEL, END and QUIT are carrier opt-out keywords (Twilio blocks further
// messages after them), so they mean stop, and messages ask for X to
// cancel an appointment.
func ParseReply(body string) string {
	word := strings.ToUpper(strings.TrimFunc(strings.TrimSpace(body), func(r rune) bool { return !unicode.IsLetter(r) }))
	if i := strings.IndexFunc(word, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		word = word[:i]
	}
	switch word {
	case "C", "CONFIRM", "CONFIRMED", "Y", "YES":
		return workflows.ReplyConfirm
	case "X", "N", "NO":
		return workflows.ReplyCancel
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE":
		return workflows.ReplyStop
	case "START", "UNSTOP":
		return workflows.ReplyStart
	}
	return ""
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Twilio returns the handler for Twilio's inbound-message webhook. It
// answers 403 to a request without a valid X-Twilio-Signature, 200 (empty
// TwiML) to a replayed MessageSid without doing anything, and otherwise
// records STOP/START, then signals the newest still-running workflow that
// messaged the sender with a workflows.PatientReply. Message bodies and numbers are
// never logged.
func Twilio(o TwilioOptions) http.Handler {
	log := logger(o.Logger).With("webhook", ProviderTwilio)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		u := o.PublicURL
		if u == "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			u = scheme + "://" + r.Host + r.URL.RequestURI()
		}
		if o.ValidSignature == nil || !o.ValidSignature(o.AuthToken, u, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
			log.Warn("rejected: invalid signature")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		sid, from := r.PostForm.Get("MessageSid"), r.PostForm.Get("From")
		if sid == "" || from == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ok := func() {
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, emptyTwiML)
		}
		ctx := r.Context()
		first, err := o.Events.ClaimWebhookEvent(ctx, ProviderTwilio, sid)
		if err != nil {
			log.Error("event log", "error", err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if !first {
			log.Info("replayed delivery ignored", "message_sid", sid)
			ok()
			return
		}
		fail := func(what string, err error) {
			log.Error(what, "message_sid", sid, "error", err.Error())
			_ = o.Events.ReleaseWebhookEvent(ctx, ProviderTwilio, sid)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
		action := ParseReply(r.PostForm.Get("Body"))
		if action == workflows.ReplyStop || action == workflows.ReplyStart {
			if err := o.Threads.SetSMSOptOut(ctx, from, action == workflows.ReplyStop); err != nil {
				fail("record opt-out", err)
				return
			}
		}
		if action == "" {
			log.Info("unrecognised reply", "message_sid", sid)
			ok()
			return
		}
		// The newest thread whose workflow is still running gets the reply
		// (a finished waitlist offer must not swallow a reminder's answer).
		threads, err := o.Threads.RecentSMSThreads(ctx, from, threadsTried)
		if err != nil {
			fail("thread lookup", err)
			return
		}
		wfID := ""
		for _, th := range threads {
			reply := workflows.PatientReply{Ref: th.Ref, Action: action, MessageID: sid, Channel: activities.ChannelSMS}
			err := o.Temporal.SignalWorkflow(ctx, th.WorkflowID, "", workflows.SignalPatientReply, reply)
			if err == nil {
				wfID = th.WorkflowID
				break
			}
			if !workflowGone(err) {
				fail("signal", err)
				return
			}
		}
		if wfID == "" {
			log.Info("reply with no running workflow to take it", "message_sid", sid, "threads", len(threads))
			ok()
			return
		}
		log.Info("reply routed", "message_sid", sid, "workflow", wfID, "action", action)
		ok()
	})
}
