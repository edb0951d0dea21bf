package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/rcm"
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

// SendStatementNotice emails the patient what a paper statement shows: the
// practice, the dates of service and the balance, with a payment link
// whose token names the statement only to claimflow (no services, codes or
// statement number in the message).
func (e *Engagement) SendStatementNotice(ctx context.Context, n StatementNotice) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	if e.Statements == nil || e.PayLinks == nil {
		return SendResult{}, notWired("statement details and payment links")
	}
	c, err := e.Scheduling.PatientContact(ctx, n.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	v, err := e.Statements.StatementView(ctx, rcm.System, n.StatementID)
	if err != nil {
		return SendResult{}, lookupErr("statement", err)
	}
	token, err := e.PayLinks.Mint(ctx, n.StatementID)
	if err != nil {
		return SendResult{}, err
	}
	m := StatementMessage(c.FirstName, v, n.BalanceCents, n.Step, e.PayURL+"?t="+token, e.OfficePhone)
	return e.deliver(ctx, ChannelEmail, c, "", n.StatementID, fmt.Sprintf("statement.%s.%d", n.StatementID, n.Step), m)
}

// StatementMessage composes a statement email: greeting, practice, dates
// of service, balance and the payment link.
func StatementMessage(firstName string, v rcm.StatementView, balanceCents int64, step int, link, officePhone string) Message {
	greet := "Hello"
	if firstName != "" {
		greet = "Hi " + firstName
	}
	practice := v.PracticeName
	if practice == "" {
		practice = "your provider"
	}
	subject := "Your statement from " + practice
	if step > 0 {
		subject = "Reminder: your statement from " + practice + " is unpaid"
	}
	call := ""
	if officePhone != "" {
		call = "\nQuestions? Call " + officePhone + ".\n"
	}
	return Message{Subject: subject, Email: fmt.Sprintf("%s,\n\nyou have a balance of %s with %s%s.\n\nPay securely at %s\n(no sign-in needed).\n%s",
		greet, Dollars(balanceCents), practice, ServiceDatesPhrase(v.ServiceDates), link, call)}
}

// Dollars formats cents as $1,234.56.
func Dollars(cents int64) string {
	neg := ""
	if cents < 0 {
		neg, cents = "-", -cents
	}
	whole := fmt.Sprint(cents / 100)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", neg, whole, cents%100)
}

// ServiceDatesPhrase is " for services on 3 Mar 2030" (or "... on 3 Mar
// 2030 and 5 Mar 2030"); empty without dates.
func ServiceDatesPhrase(dates []time.Time) string {
	if len(dates) == 0 {
		return ""
	}
	parts := make([]string, len(dates))
	for i, d := range dates {
		parts[i] = d.UTC().Format("2 Jan 2006")
	}
	if len(parts) == 1 {
		return " for services on " + parts[0]
	}
	return " for services on " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
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
