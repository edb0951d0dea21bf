package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// StatementFinder finds the statement a payment intent pays (store.Store
// implements it), for events whose object carries no statement metadata.
type StatementFinder interface {
	StatementForPaymentIntent(ctx context.Context, paymentIntentID string) (string, error)
}

// StripeOptions configure the Stripe webhook handler.
type StripeOptions struct {
	// Secret is the endpoint's signing secret (whsec_...).
	Secret string
	// ParseEvent verifies a payload's Stripe-Signature header against the
	// secret and reads the event (payments.ParseEvent); without it every
	// delivery is refused.
	ParseEvent func(payload []byte, sigHeader, secret string) (rcm.PaymentEvent, error)
	Statements StatementFinder
	Events     EventLog
	Temporal   Signaler
	Logger     *slog.Logger
}

// Stripe returns the handler for Stripe's webhook. A payload whose
// Stripe-Signature does not verify with the secret (forged, tampered,
// older than the 5-minute tolerance, or signed more than
// payments.FutureSkew ahead, as payments.ParseEvent checks it) gets 400 and changes nothing; a
// replayed event ID gets 200 and changes nothing. Payment and refund
// events signal statement/<id> with a workflows.StripeEvent; other types
// are acknowledged and ignored.
func Stripe(o StripeOptions) http.Handler {
	log := logger(o.Logger).With("webhook", ProviderStripe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ev, err := parseEvent(o.ParseEvent, payload, r.Header.Get("Stripe-Signature"), o.Secret)
		if err != nil {
			if errors.Is(err, rcm.ErrBadSignature) {
				log.Warn("rejected: invalid signature")
			} else {
				log.Warn("rejected: unreadable event", "error", err.Error())
			}
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch ev.Type {
		case rcm.PaymentEventSucceeded, rcm.PaymentEventFailed, rcm.PaymentEventRefunded:
		default:
			w.WriteHeader(http.StatusOK)
			return
		}
		ctx := r.Context()
		stmt := ev.StatementID
		if stmt == "" && ev.PaymentIntentID != "" {
			stmt, err = o.Statements.StatementForPaymentIntent(ctx, ev.PaymentIntentID)
			if errors.Is(err, rcm.ErrNotFound) {
				log.Info("event for no statement", "event", ev.ID, "type", ev.Type)
				w.WriteHeader(http.StatusOK)
				return
			}
			if err != nil {
				log.Error("statement lookup", "event", ev.ID, "error", err.Error())
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
		}
		if stmt == "" {
			w.WriteHeader(http.StatusOK)
			return
		}
		first, err := o.Events.ClaimWebhookEvent(ctx, ProviderStripe, ev.ID)
		if err != nil {
			log.Error("event log", "event", ev.ID, "error", err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if !first {
			log.Info("replayed event ignored", "event", ev.ID)
			w.WriteHeader(http.StatusOK)
			return
		}
		sig := workflows.StripeEvent{EventID: ev.ID, Type: ev.Type, PaymentIntentID: ev.PaymentIntentID, AmountCents: ev.AmountCents}
		if err := o.Temporal.SignalWorkflow(ctx, workflows.StatementIDPrefix+stmt, "", workflows.SignalStripeEvent, sig); err != nil {
			if workflowGone(err) {
				// Retrying cannot help; keep the event recorded and say so loudly.
				log.Error("event for a finished statement workflow", "event", ev.ID, "type", ev.Type, "statement", stmt)
				w.WriteHeader(http.StatusOK)
				return
			}
			log.Error("signal", "event", ev.ID, "error", err.Error())
			_ = o.Events.ReleaseWebhookEvent(ctx, ProviderStripe, ev.ID)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		log.Info("event routed", "event", ev.ID, "type", ev.Type, "statement", stmt)
		w.WriteHeader(http.StatusOK)
	})
}

// parseEvent refuses every delivery when no verifier is configured (fail
// closed), like an empty secret does.
func parseEvent(parse func([]byte, string, string) (rcm.PaymentEvent, error), payload []byte, sig, secret string) (rcm.PaymentEvent, error) {
	if parse == nil {
		return rcm.PaymentEvent{}, rcm.ErrBadSignature
	}
	return parse(payload, sig, secret)
}
