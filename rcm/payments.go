package rcm

import "errors"

// Payment event kinds the statement workflow acts on (the card processor's
// event type names).
const (
	PaymentEventSucceeded = "payment_intent.succeeded"
	PaymentEventFailed    = "payment_intent.payment_failed"
	PaymentEventRefunded  = "charge.refunded"
)

// ErrBadSignature means a webhook payload was not signed with the
// endpoint's secret, or its timestamp is outside the tolerance (a replay of
// an old delivery, or one signed for the future).
var ErrBadSignature = errors.New("payments: webhook signature invalid")

// PaymentEvent is a verified card-processor event reduced to references and
// amounts.
type PaymentEvent struct {
	ID              string // evt_...: idempotency key of the delivery
	Type            string
	PaymentIntentID string
	StatementID     string // from metadata; empty when the processor did not carry it
	// AmountCents is the amount received (payment) or the charge's total
	// refunded so far (charge.refunded).
	AmountCents int64
	Currency    string
	Livemode    bool
}
