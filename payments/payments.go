// Package payments is claimflow's Stripe adapter (stripe-go v76): payment
// intents and checkout sessions for a patient statement, refunds, and
// verified webhook events reduced to what the statement workflow needs.
package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// MetadataStatementID is the metadata key that ties a Stripe object to a
// claimflow statement.
const MetadataStatementID = "claimflow_statement_id"

// ErrPermanent marks a Stripe failure that retrying cannot fix (invalid
// request, authentication, card errors).
var ErrPermanent = errors.New("payments: permanent failure")

// Stripe calls the Stripe API through a client of its own (no global
// backend), so tests and processes can point at different servers.
type Stripe struct {
	api *client.API
}

// Options configure New.
type Options struct {
	// APIBase is the API root; empty means Stripe itself (stripe-mock locally).
	APIBase   string
	SecretKey string
	// HTTPClient defaults to stripe-go's.
	HTTPClient *http.Client
	// MaxNetworkRetries is stripe-go's own retry count (default 0: Temporal retries).
	MaxNetworkRetries int64
}

// New builds a Stripe client.
func New(o Options) *Stripe {
	cfg := &stripe.BackendConfig{
		MaxNetworkRetries: stripe.Int64(o.MaxNetworkRetries),
		HTTPClient:        o.HTTPClient,
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if o.APIBase != "" {
		cfg.URL = stripe.String(o.APIBase)
	}
	api := &client.API{}
	api.Init(o.SecretKey, stripe.NewBackendsWithConfig(cfg))
	return &Stripe{api: api}
}

// IntentRequest asks for a PaymentIntent for a statement's balance.
type IntentRequest struct {
	StatementID string
	AmountCents int64
	Currency    string // ISO code, lower case; default "usd"
	// IdempotencyKey makes a retried create return the same intent.
	IdempotencyKey string
}

// Intent is the part of a PaymentIntent claimflow keeps. ClientSecret goes
// to the patient's payment page only; never into workflow history or logs.
type Intent struct {
	ID           string
	Status       string
	AmountCents  int64
	ClientSecret string
}

// CreatePaymentIntent creates (or, with the same idempotency key, returns)
// the intent for a statement.
func (s *Stripe) CreatePaymentIntent(ctx context.Context, r IntentRequest) (Intent, error) {
	cur := r.Currency
	if cur == "" {
		cur = string(stripe.CurrencyUSD)
	}
	p := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(r.AmountCents),
		Currency:                stripe.String(cur),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
		Description:             stripe.String("Statement " + r.StatementID),
	}
	p.Context = ctx
	p.AddMetadata(MetadataStatementID, r.StatementID)
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	pi, err := s.api.PaymentIntents.New(p)
	if err != nil {
		return Intent{}, classify("create payment intent", err)
	}
	return Intent{ID: pi.ID, Status: string(pi.Status), AmountCents: pi.Amount, ClientSecret: pi.ClientSecret}, nil
}

// CheckoutRequest asks for a hosted Checkout page for a statement.
type CheckoutRequest struct {
	StatementID    string
	AmountCents    int64
	Currency       string
	SuccessURL     string
	CancelURL      string
	IdempotencyKey string
}

// Checkout is a created Checkout session.
type Checkout struct {
	ID  string
	URL string
}

// CreateCheckoutSession creates a one-line Checkout session ("Statement
// <id>", no clinical detail) whose payment intent carries the statement ID.
func (s *Stripe) CreateCheckoutSession(ctx context.Context, r CheckoutRequest) (Checkout, error) {
	cur := r.Currency
	if cur == "" {
		cur = string(stripe.CurrencyUSD)
	}
	p := &stripe.CheckoutSessionParams{
		Mode:       stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL: stripe.String(r.SuccessURL),
		CancelURL:  stripe.String(r.CancelURL),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(cur),
				UnitAmount:  stripe.Int64(r.AmountCents),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Statement " + r.StatementID)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{MetadataStatementID: r.StatementID},
		},
	}
	p.Context = ctx
	p.AddMetadata(MetadataStatementID, r.StatementID)
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	cs, err := s.api.CheckoutSessions.New(p)
	if err != nil {
		return Checkout{}, classify("create checkout session", err)
	}
	return Checkout{ID: cs.ID, URL: cs.URL}, nil
}

// RefundRequest refunds part or all of a payment.
type RefundRequest struct {
	StatementID     string
	PaymentIntentID string
	AmountCents     int64 // 0 refunds what remains
	IdempotencyKey  string
}

// Refund is a created refund.
type Refund struct {
	ID          string
	Status      string
	AmountCents int64
}

// CreateRefund refunds a payment intent.
func (s *Stripe) CreateRefund(ctx context.Context, r RefundRequest) (Refund, error) {
	p := &stripe.RefundParams{PaymentIntent: stripe.String(r.PaymentIntentID)}
	if r.AmountCents > 0 {
		p.Amount = stripe.Int64(r.AmountCents)
	}
	p.Context = ctx
	p.AddMetadata(MetadataStatementID, r.StatementID)
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	rf, err := s.api.Refunds.New(p)
	if err != nil {
		return Refund{}, classify("create refund", err)
	}
	return Refund{ID: rf.ID, Status: string(rf.Status), AmountCents: rf.Amount}, nil
}

// classify marks 4xx answers other than 409 (idempotency in flight) and 429
// as permanent. Messages carry Stripe's code and request ID, no amounts or
// names.
func classify(op string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("payments: %s: %w", op, err)
	}
	msg := fmt.Sprintf("payments: %s: stripe %d %s %s (request %s)", op, se.HTTPStatusCode, se.Type, se.Code, se.RequestID)
	if se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != 409 && se.HTTPStatusCode != 429 {
		return fmt.Errorf("%w: %s", ErrPermanent, msg)
	}
	return errors.New(msg + " status " + strconv.Itoa(se.HTTPStatusCode))
}
