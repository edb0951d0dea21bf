// Package webhooks holds the HTTP handlers that outside services call:
// Twilio's inbound SMS (patients' replies to reminders and waitlist
// offers) and Stripe's events (patient payments and refunds). Each
// verifies the sender's signature, records the delivery so a replay
// changes nothing, and signals the workflow concerned. The lead mounts
// them (e.g. POST /webhooks/twilio/sms and POST /webhooks/stripe).
package webhooks

import (
	"context"
	"errors"
	"log/slog"

	"go.temporal.io/api/serviceerror"
)

// Signaler is the part of the Temporal client the handlers use.
type Signaler interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg interface{}) error
}

// EventLog records accepted deliveries (rcm.Store implements it).
type EventLog interface {
	// ClaimWebhookEvent reports whether this is the first delivery of the
	// event; a replay answers false.
	ClaimWebhookEvent(ctx context.Context, provider, eventID string) (bool, error)
	// ReleaseWebhookEvent forgets a delivery that could not be handed on.
	ReleaseWebhookEvent(ctx context.Context, provider, eventID string) error
}

// Providers as recorded in the event log.
const (
	ProviderTwilio = "twilio"
	ProviderStripe = "stripe"
)

func workflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
