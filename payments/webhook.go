package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/claimflow/claimflow/rcm"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Event kinds the statement workflow acts on (rcm holds them so that the
// workflows and the webhook handler need not import this adapter).
const (
	EventPaymentSucceeded = rcm.PaymentEventSucceeded
	EventPaymentFailed    = rcm.PaymentEventFailed
	EventChargeRefunded   = rcm.PaymentEventRefunded
)

// ErrBadSignature means the payload was not signed with the webhook
// secret, or its timestamp is outside the tolerance.
var ErrBadSignature = rcm.ErrBadSignature

// Event is a verified Stripe event reduced to references and amounts.
type Event = rcm.PaymentEvent

// FutureSkew is how far ahead of this machine's clock a webhook's signed
// timestamp may be (clock skew); later ones are refused.
const FutureSkew = time.Minute

// signedAt reads the t= timestamp of a Stripe-Signature header.
func signedAt(header string) (time.Time, bool) {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(sec, 0), true
		}
	}
	return time.Time{}, false
}

// ParseEvent verifies the Stripe-Signature header against secret
// (webhook.ConstructEvent: HMAC-SHA256, 5-minute tolerance, API version
// match; a timestamp more than FutureSkew ahead is refused too) and extracts the fields claimflow uses. Other event types come
// back with only ID and Type set.
func ParseEvent(payload []byte, sigHeader, secret string) (Event, error) {
	if secret == "" {
		return Event{}, ErrBadSignature // fail closed: an empty key would verify anyone's HMAC
	}
	// stripe-go refuses timestamps older than its tolerance but accepts any
	// in the future; allow only clock skew.
	if ts, ok := signedAt(sigHeader); ok && ts.After(time.Now().Add(FutureSkew)) {
		return Event{}, ErrBadSignature
	}
	ev, err := webhook.ConstructEvent(payload, sigHeader, secret)
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrNoValidSignature) ||
			errors.Is(err, webhook.ErrInvalidHeader) || errors.Is(err, webhook.ErrTooOld) {
			return Event{}, ErrBadSignature
		}
		return Event{}, fmt.Errorf("payments: webhook: %w", err)
	}
	out := Event{ID: ev.ID, Type: string(ev.Type), Livemode: ev.Livemode}
	if ev.Data == nil {
		return out, nil
	}
	switch out.Type {
	case EventPaymentSucceeded, EventPaymentFailed:
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return Event{}, fmt.Errorf("payments: webhook %s: %w", out.Type, err)
		}
		out.PaymentIntentID = pi.ID
		out.StatementID = pi.Metadata[MetadataStatementID]
		out.AmountCents = pi.AmountReceived
		out.Currency = string(pi.Currency)
	case EventChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return Event{}, fmt.Errorf("payments: webhook %s: %w", out.Type, err)
		}
		if ch.PaymentIntent != nil {
			out.PaymentIntentID = ch.PaymentIntent.ID
		}
		out.StatementID = ch.Metadata[MetadataStatementID]
		out.AmountCents = ch.AmountRefunded
		out.Currency = string(ch.Currency)
	}
	return out, nil
}
