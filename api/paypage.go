package api

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// PayPage is the patient payment page (GET and POST /pay?t=<token>): no
// login; the link's sealed token is the authority, for one statement until
// it expires. The page shows what a paper statement shows (practice, dates
// of service, amount due) and nothing else; every view and payment attempt
// is audited with the request's address.
type PayPage struct {
	// Links opens payment-link tokens (paylink.Links).
	Links interface {
		Open(ctx context.Context, token string) (statementID string, err error)
	}
	// Statements reads and audits the statement (store.Store).
	Statements interface {
		StatementView(ctx context.Context, a rcm.Actor, id string) (rcm.StatementView, error)
	}
	// Confirm confirms the statement's PaymentIntent with a payment method
	// through Stripe (payments.Stripe.ConfirmPaymentIntent): the intent's
	// status and the amount received. The idempotency key makes a
	// resubmitted page return the first answer instead of charging twice.
	Confirm func(ctx context.Context, paymentIntentID, paymentMethod, idempotencyKey string) (status string, receivedCents int64, err error)
	// Temporal signals the statement workflow (client.Client).
	Temporal interface {
		SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	}
	// TestPaymentMethod, in Stripe test mode, is the method the page pays
	// with (pm_card_visa). Empty: the form must carry a pm_... ID that
	// Stripe.js made in the patient's browser (card data never reaches
	// claimflow).
	TestPaymentMethod string
	// OfficePhone is printed for patients whose link has expired.
	OfficePhone string
	// IsExpired says Links.Open refused an expired token (paylink.ErrExpired).
	IsExpired func(error) bool
}

// MountPayPage serves the payment page at /pay.
func (s *Server) MountPayPage(p PayPage) {
	h := &payPage{s: s, p: p}
	s.router.Get("/pay", h.serve)
	s.router.Post("/pay", h.serve)
}

type payPage struct {
	s *Server
	p PayPage
}

// payView is what the template shows.
type payView struct {
	Token        string
	Practice     string
	ServiceDates []string
	Due          string
	State        string // due, paid, processing, thanks, expired, invalid, unavailable, failed
	TestMode     bool
	OfficePhone  string
}

var payTemplate = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Pay your statement</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{color:#57606a}dd{margin:0}
button{font-size:1.1rem;padding:.6rem 1.4rem;background:#1f6feb;color:#fff;border:0;border-radius:6px}
.note{color:#57606a;font-size:.9rem}</style></head><body>
{{if eq .State "invalid"}}<h1>This link is not valid</h1><p>Please use the link in your most recent statement email{{if .OfficePhone}}, or call the office at {{.OfficePhone}}{{end}}.</p>
{{else if eq .State "expired"}}<h1>This link has expired</h1><p>Please use the link in your most recent statement email{{if .OfficePhone}}, or call the office at {{.OfficePhone}}{{end}}.</p>
{{else if eq .State "unavailable"}}<h1>This statement is not ready</h1><p>Please try again later{{if .OfficePhone}}, or call the office at {{.OfficePhone}}{{end}}.</p>
{{else}}<h1>{{.Practice}}</h1>
<dl><dt>Date{{if gt (len .ServiceDates) 1}}s{{end}} of service</dt><dd>{{range $i, $d := .ServiceDates}}{{if $i}}, {{end}}{{$d}}{{end}}</dd>
<dt>Amount due</dt><dd id="amount-due">{{.Due}}</dd></dl>
{{if eq .State "paid"}}<p id="pay-state">This statement is paid. Thank you.</p>
{{else if eq .State "thanks"}}<p id="pay-state">Thank you: your payment was received.</p>
{{else if eq .State "processing"}}<p id="pay-state">Your payment is processing. You will receive a receipt by email.</p>
{{else}}{{if eq .State "failed"}}<p id="pay-state">The payment did not go through. Please try again{{if .OfficePhone}} or call the office at {{.OfficePhone}}{{end}}.</p>{{end}}
<form method="post" action="/pay"><input type="hidden" name="t" value="{{.Token}}">
{{if .TestMode}}<p class="note">Test mode: Stripe's test card pays.</p>{{end}}
<button type="submit" id="pay">Pay {{.Due}}</button></form>{{end}}
<p class="note">Payments are processed by Stripe.{{if .OfficePhone}} Questions? Call {{.OfficePhone}}.{{end}}</p>{{end}}
</body></html>`))

func (h *payPage) render(w http.ResponseWriter, status int, v payView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = payTemplate.Execute(w, v)
}

func (h *payPage) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := payView{OfficePhone: h.p.OfficePhone, TestMode: h.p.TestPaymentMethod != ""}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if err := r.ParseForm(); err != nil {
			v.State = "invalid"
			h.render(w, http.StatusBadRequest, v)
			return
		}
	}
	v.Token = r.FormValue("t")
	id, err := h.p.Links.Open(ctx, v.Token)
	if err != nil {
		v.State, v.Token = "invalid", ""
		status := http.StatusNotFound
		if h.p.IsExpired != nil && h.p.IsExpired(err) {
			v.State, status = "expired", http.StatusGone
		}
		h.render(w, status, v)
		return
	}
	// The patient has no user: the audit row carries the request's address
	// and ID, and the token stands for the authorisation.
	a := rcm.Actor{SourceIP: h.s.clientIP(r), RequestID: logging.RequestID(ctx)}
	st, err := h.p.Statements.StatementView(ctx, a, id)
	if errors.Is(err, rcm.ErrNotFound) || err == nil && st.AwaitingRelease() {
		v.State, v.Token = "unavailable", ""
		h.render(w, http.StatusNotFound, v)
		return
	}
	if err != nil {
		h.s.log.ErrorContext(ctx, "payment page: statement", logging.Err(err))
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	v.Practice = st.PracticeName
	for _, d := range st.ServiceDates {
		v.ServiceDates = append(v.ServiceDates, d.Format("January 2, 2006"))
	}
	v.Due = dollars(st.DueCents())
	v.State = "due"
	if st.DueCents() == 0 || st.Status == "paid" || st.Status == "closed" {
		v.State = "paid"
		h.render(w, http.StatusOK, v)
		return
	}
	if r.Method != http.MethodPost {
		h.render(w, http.StatusOK, v)
		return
	}
	v.State = h.pay(ctx, a, st, r.PostFormValue("payment_method"))
	h.render(w, http.StatusOK, v)
}

// pay confirms the statement's intent once per payment method (a
// resubmitted form gets Stripe's first answer) and, when Stripe says it
// succeeded, signals the workflow as the webhook would: the workflow posts
// once per payment intent, so this and any number of webhook deliveries of
// payment_intent.succeeded post one payment.
func (h *payPage) pay(ctx context.Context, a rcm.Actor, st rcm.StatementView, method string) string {
	if h.p.TestPaymentMethod != "" {
		method = h.p.TestPaymentMethod
	}
	if !strings.HasPrefix(method, "pm_") || len(method) > 255 || h.p.Confirm == nil {
		return "failed"
	}
	if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: st.OrgID, PatientID: st.PatientID, Action: rcm.ActionUpdate,
		Resource: "statement_payment", ResourceID: st.ID, Fields: []string{"payment_method"}}); err != nil {
		h.s.log.ErrorContext(ctx, "payment page: audit", logging.Err(err))
		return "failed"
	}
	status, received, err := h.p.Confirm(ctx, st.PaymentIntentID, method, "claimflow/statement/"+st.ID+"/confirm/"+method)
	if err != nil {
		h.s.log.WarnContext(ctx, "payment page: confirm refused", logging.Err(err))
		return "failed"
	}
	switch status {
	case "succeeded":
		if received <= 0 || h.p.Temporal == nil {
			return "processing" // the webhook posts it
		}
		ev := workflows.StripeEvent{EventID: "confirm:" + st.PaymentIntentID, Type: rcm.PaymentEventSucceeded,
			PaymentIntentID: st.PaymentIntentID, AmountCents: received}
		if err := h.p.Temporal.SignalWorkflow(ctx, workflows.StatementIDPrefix+st.ID, "", workflows.SignalStripeEvent, ev); err != nil {
			// Paid at Stripe: the webhook will post it.
			h.s.log.WarnContext(ctx, "payment page: signal", logging.Err(err))
		}
		return "thanks"
	case "processing", "requires_capture":
		return "processing"
	}
	return "failed"
}

// dollars formats cents as $1,234.56.
func dollars(cents int64) string {
	digits := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return fmt.Sprintf("$%s.%02d", b.String(), cents%100)
}
