package payments

import (
	"context"

	"github.com/stripe/stripe-go/v76"
)

// ConfirmRequest confirms a statement's PaymentIntent with a payment
// method the patient's payment page collected (a pm_... ID from Stripe.js,
// or a Stripe test method such as pm_card_visa in test mode): card data
// never reaches claimflow.
type ConfirmRequest struct {
	PaymentIntentID string
	PaymentMethod   string
	// ReturnURL is where Stripe sends the patient after a redirect-based
	// method (3-D Secure).
	ReturnURL string
	// IdempotencyKey makes a repeated submission return the first answer
	// instead of charging twice.
	IdempotencyKey string
}

// ConfirmPaymentIntent confirms the intent and returns its state
// (succeeded, processing, requires_action, ...).
func (s *Stripe) ConfirmPaymentIntent(ctx context.Context, r ConfirmRequest) (Intent, error) {
	p := &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String(r.PaymentMethod)}
	if r.ReturnURL != "" {
		p.ReturnURL = stripe.String(r.ReturnURL)
	}
	p.Context = ctx
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	pi, err := s.api.PaymentIntents.Confirm(r.PaymentIntentID, p)
	if err != nil {
		return Intent{}, classify("confirm payment intent", err)
	}
	return Intent{ID: pi.ID, Status: string(pi.Status), AmountCents: pi.AmountReceived}, nil
}

// GetPaymentIntent reads an intent's state and amounts.
func (s *Stripe) GetPaymentIntent(ctx context.Context, id string) (Intent, error) {
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	pi, err := s.api.PaymentIntents.Get(id, p)
	if err != nil {
		return Intent{}, classify("get payment intent", err)
	}
	return Intent{ID: pi.ID, Status: string(pi.Status), AmountCents: pi.Amount}, nil
}
