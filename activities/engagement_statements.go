package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/payments"
)

// Patient statements: opening, payment intents, notices, payments and
// refunds posted exactly once.

// Statement statuses.
const (
	StatementOpen        = "open"
	StatementPaid        = "paid"
	StatementCollections = "collections"
	StatementClosed      = "closed"
)

// StatementRecord opens a statement.
type StatementRecord struct {
	ID          string
	PatientID   string
	AmountCents int64
	Currency    string
}

// PaymentPosting is one patient payment, posted once per payment intent.
type PaymentPosting struct {
	StatementID     string
	PaymentIntentID string
	EventID         string
	AmountCents     int64
}

// RefundPosting is one refund, posted once per refund ID.
type RefundPosting struct {
	StatementID     string
	PaymentIntentID string
	RefundID        string
	AmountCents     int64
}

// OpenStatement records the statement (idempotent).
func (e *Engagement) OpenStatement(ctx context.Context, s StatementRecord) error {
	if e.Ledger == nil {
		return notWired("engagement ledger")
	}
	if s.ID == "" || s.AmountCents <= 0 {
		return temporal.NewNonRetryableApplicationError("statement needs an ID and a positive amount", ErrTypeBadRequest, nil)
	}
	return e.Ledger.OpenStatement(ctx, s)
}

// StatementIntentRequest asks for the statement's payment intent.
type StatementIntentRequest struct {
	StatementID string
	AmountCents int64
	Currency    string
}

// CreateStatementIntent creates the statement's Stripe PaymentIntent (one
// per statement: the idempotency key is the statement's) and records its
// ID. Only the ID returns to the workflow; the client secret stays out of
// history.
func (e *Engagement) CreateStatementIntent(ctx context.Context, r StatementIntentRequest) (string, error) {
	if e.Payments == nil || e.Ledger == nil {
		return "", notWired("payments")
	}
	pi, err := e.Payments.CreatePaymentIntent(ctx, payments.IntentRequest{StatementID: r.StatementID, AmountCents: r.AmountCents,
		Currency: r.Currency, IdempotencyKey: "claimflow/statement/" + r.StatementID + "/intent"})
	if err != nil {
		return "", paymentErr(err)
	}
	if err := e.Ledger.SetStatementIntent(ctx, r.StatementID, pi.ID); err != nil {
		return "", err
	}
	return pi.ID, nil
}

// StatementNotice is one step of the unpaid-statement cadence.
type StatementNotice struct {
	StatementID  string
	PatientID    string
	Step         int
	BalanceCents int64
}

// SendStatementNotice emails the patient their balance and the payment
// link (amount and statement number only; no services or codes).
func (e *Engagement) SendStatementNotice(ctx context.Context, n StatementNotice) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	c, err := e.Scheduling.PatientContact(ctx, n.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	greet := "Hello"
	if c.FirstName != "" {
		greet = "Hi " + c.FirstName
	}
	amount := fmt.Sprintf("$%d.%02d", n.BalanceCents/100, n.BalanceCents%100)
	link := e.PayURL + "?statement=" + n.StatementID
	subject := "Your statement " + n.StatementID
	if n.Step > 0 {
		subject = "Reminder: statement " + n.StatementID + " is unpaid"
	}
	call := ""
	if e.OfficePhone != "" {
		call = " Questions? Call " + e.OfficePhone + "."
	}
	m := Message{Subject: subject,
		Email: fmt.Sprintf("%s,\n\nyour balance on statement %s is %s. Pay securely at %s .%s\n", greet, n.StatementID, amount, link, call)}
	return e.deliver(ctx, ChannelEmail, c, "", n.StatementID, fmt.Sprintf("statement.%s.%d", n.StatementID, n.Step), m)
}

// PostStatementPayment posts a payment exactly once.
func (e *Engagement) PostStatementPayment(ctx context.Context, p PaymentPosting) (bool, error) {
	if e.Ledger == nil {
		return false, notWired("engagement ledger")
	}
	return e.Ledger.PostPayment(ctx, p)
}

// StatementRefundRequest refunds part of a statement's payment.
type StatementRefundRequest struct {
	StatementID     string
	PaymentIntentID string
	AmountCents     int64
	RequestID       string // makes the Stripe call idempotent
}

// RefundStatementPayment refunds through Stripe and posts the refund once.
func (e *Engagement) RefundStatementPayment(ctx context.Context, r StatementRefundRequest) (RefundPosting, error) {
	if e.Payments == nil || e.Ledger == nil {
		return RefundPosting{}, notWired("payments")
	}
	rf, err := e.Payments.CreateRefund(ctx, payments.RefundRequest{StatementID: r.StatementID, PaymentIntentID: r.PaymentIntentID,
		AmountCents: r.AmountCents, IdempotencyKey: "claimflow/statement/" + r.StatementID + "/refund/" + r.RequestID})
	if err != nil {
		return RefundPosting{}, paymentErr(err)
	}
	amt := rf.AmountCents
	if amt == 0 {
		amt = r.AmountCents
	}
	p := RefundPosting{StatementID: r.StatementID, PaymentIntentID: r.PaymentIntentID, RefundID: rf.ID, AmountCents: amt}
	if _, err := e.Ledger.PostRefund(ctx, p); err != nil {
		return RefundPosting{}, err
	}
	return p, nil
}

// PostStatementRefund posts a refund Stripe reported (once per refund ID).
func (e *Engagement) PostStatementRefund(ctx context.Context, r RefundPosting) (bool, error) {
	if e.Ledger == nil {
		return false, notWired("engagement ledger")
	}
	return e.Ledger.PostRefund(ctx, r)
}

// StatementStatus sets a statement's status.
type StatementStatus struct {
	StatementID string
	Status      string
}

// SetStatementStatus records the statement's status (paid, collections, closed).
func (e *Engagement) SetStatementStatus(ctx context.Context, s StatementStatus) error {
	if e.Ledger == nil {
		return notWired("engagement ledger")
	}
	return e.Ledger.SetStatementStatus(ctx, s.StatementID, s.Status)
}

func paymentErr(err error) error {
	if errors.Is(err, payments.ErrPermanent) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypePaymentRejected, nil)
	}
	return err
}
