package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/payments"
)

// runStatement runs the statement, released by staff a second after it
// opens.
func runStatement(t *testing.T, e *engagementEnv, in StatementInput) StatementResult {
	t.Helper()
	e.releaseAt(time.Second)
	return runHeld(t, e, in)
}

// runHeld runs the statement with only the releases the test registered.
func runHeld(t *testing.T, e *engagementEnv, in StatementInput) StatementResult {
	t.Helper()
	e.ExecuteWorkflow(StatementWorkflowName, in)
	require.True(t, e.IsWorkflowCompleted())
	require.NoError(t, e.GetWorkflowError())
	var res StatementResult
	require.NoError(t, e.GetWorkflowResult(&res))
	return res
}

func (e *engagementEnv) seedPatient(id string) {
	e.sched.mu.Lock()
	defer e.sched.mu.Unlock()
	e.sched.contacts[id] = activities.Contact{FirstName: "Billa", Email: id + "@example.invalid", Phone: "+15005550199"}
}

func paid(id, pi string, cents int64) StripeEvent {
	return StripeEvent{EventID: id, Type: payments.EventPaymentSucceeded, PaymentIntentID: pi, AmountCents: cents}
}

func TestStatementPaidOnceDespiteReplays(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	pi := "pi_test_stmt-1"
	e.signalAt(3*day, SignalStripeEvent, paid("evt_1", pi, 4250))
	e.signalAt(3*day+time.Minute, SignalStripeEvent, paid("evt_1", pi, 4250))   // replayed delivery
	e.signalAt(3*day+2*time.Minute, SignalStripeEvent, paid("evt_2", pi, 4250)) // a second event for the same intent
	e.signalAt(3*day+3*time.Minute, SignalStripeEvent, StripeEvent{EventID: "evt_3", Type: payments.EventPaymentFailed, PaymentIntentID: pi})
	res := runStatement(t, e, StatementInput{StatementID: "stmt-1", PatientID: "pat-b", AmountCents: 4250})

	require.Equal(t, activities.StatementClosed, res.Status, "paid, then closed after the linger period")
	require.Equal(t, int64(4250), res.PaidCents)
	require.Equal(t, pi, res.PaymentIntentID)
	require.Equal(t, 1, res.NoticesSent, "only the day-0 notice went out")
	require.Equal(t, 3, res.Events, "evt_1, evt_2 and evt_3; the replay of evt_1 is dropped")
	require.Equal(t, 1, e.ledger.postCalls, "posted once")
	require.Len(t, e.ledger.payments, 1)
	require.Len(t, e.pay.intents, 1)
	require.Equal(t, "claimflow/statement/stmt-1/intent", e.pay.intents[0].IdempotencyKey)
	mails := e.mail.all()
	require.Len(t, mails, 1)
	require.Contains(t, mails[0].Body, "$42.50")
	require.Contains(t, mails[0].Body, "https://pay.example.invalid/statement?t=tok0001")
	require.Contains(t, mails[0].Body, "Test Practice")
	require.Contains(t, mails[0].Body, "for services on 3 Mar 2030")
	require.NotContains(t, mails[0].Body, "stmt-1", "no raw statement ID in the link or text")
	require.NotContains(t, mails[0].Subject, "stmt-1")
}

func TestStatementCadenceThenCollections(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	var statusAt []string
	e.RegisterDelayedCallback(func() { statusAt = append(statusAt, e.ledger.status["stmt-2"]) }, 44*day)
	e.RegisterDelayedCallback(func() { statusAt = append(statusAt, e.ledger.status["stmt-2"]) }, 46*day)
	res := runStatement(t, e, StatementInput{StatementID: "stmt-2", PatientID: "pat-b", AmountCents: 10000})
	require.Equal(t, activities.StatementCollections, res.Status)
	require.Equal(t, 3, res.NoticesSent)
	require.Equal(t, []string{activities.StatementOpen, activities.StatementCollections}, statusAt)
	mails := e.mail.all()
	require.Len(t, mails, 3)
	require.Equal(t, "Your statement from Test Practice", mails[0].Subject)
	require.Equal(t, "Reminder: your statement from Test Practice is unpaid", mails[2].Subject)
	require.Equal(t, "statement.stmt-2.2@claimflow.invalid", mails[2].MessageID)
}

func TestStatementPaymentAfterCollections(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	e.signalAt(50*day, SignalStripeEvent, paid("evt_late", "pi_test_stmt-3", 500))
	res := runStatement(t, e, StatementInput{StatementID: "stmt-3", PatientID: "pat-b", AmountCents: 500})
	require.Equal(t, activities.StatementClosed, res.Status)
	require.Equal(t, int64(500), res.PaidCents)
}

func TestStatementRefunds(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	pi := "pi_test_stmt-4"
	e.signalAt(day, SignalStripeEvent, paid("evt_pay", pi, 6000))
	// Staff refund 1000, asked twice; Stripe then reports the charge's
	// refunded total (1000: nothing new), then 2500 after a refund made in
	// Stripe's dashboard (1500 new), and that event is replayed.
	e.signalAt(2*day, SignalStatementRefund, RefundRequest{RequestID: "rq-1", AmountCents: 1000})
	e.signalAt(2*day+time.Minute, SignalStatementRefund, RefundRequest{RequestID: "rq-1", AmountCents: 1000})
	e.signalAt(2*day+2*time.Minute, SignalStripeEvent, StripeEvent{EventID: "evt_r1", Type: payments.EventChargeRefunded, PaymentIntentID: pi, AmountCents: 1000})
	e.signalAt(3*day, SignalStripeEvent, StripeEvent{EventID: "evt_r2", Type: payments.EventChargeRefunded, PaymentIntentID: pi, AmountCents: 2500})
	e.signalAt(3*day+time.Minute, SignalStripeEvent, StripeEvent{EventID: "evt_r2", Type: payments.EventChargeRefunded, PaymentIntentID: pi, AmountCents: 2500})
	// More than what remains is capped at what remains.
	e.signalAt(4*day, SignalStatementRefund, RefundRequest{RequestID: "rq-2", AmountCents: 99999})
	e.signalAt(5*day, SignalStatementRefund, RefundRequest{RequestID: "rq-3", AmountCents: 1})
	res := runStatement(t, e, StatementInput{StatementID: "stmt-4", PatientID: "pat-b", AmountCents: 6000})

	require.Equal(t, int64(6000), res.RefundedCents)
	require.Len(t, e.pay.refunds, 2)
	require.Equal(t, int64(1000), e.pay.refunds[0].AmountCents)
	require.Equal(t, "claimflow/statement/stmt-4/refund/rq-1", e.pay.refunds[0].IdempotencyKey)
	require.Equal(t, int64(3500), e.pay.refunds[1].AmountCents)
	require.Len(t, e.ledger.refunds, 3)
	require.Equal(t, int64(1500), e.ledger.refunds["event:evt_r2"].AmountCents)
}

func TestStatementIgnoresEmptyAndFailedThings(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	pi := "pi_test_stmt-5"
	e.pay.refundErr = payments.ErrPermanent
	e.signalAt(day, SignalStripeEvent, StripeEvent{Type: payments.EventPaymentSucceeded, PaymentIntentID: pi, AmountCents: 700}) // no event ID
	e.signalAt(day+time.Minute, SignalStripeEvent, paid("evt_zero", pi, 0))
	e.signalAt(2*day, SignalStripeEvent, paid("evt_ok", pi, 700))
	e.signalAt(3*day, SignalStatementRefund, RefundRequest{AmountCents: 100})                                // no request ID
	e.signalAt(3*day+time.Minute, SignalStatementRefund, RefundRequest{RequestID: "rq-x", AmountCents: 100}) // Stripe refuses
	res := runStatement(t, e, StatementInput{StatementID: "stmt-5", PatientID: "pat-b", AmountCents: 700})
	require.Equal(t, int64(700), res.PaidCents)
	require.Equal(t, 2, res.Events, "the zero-amount event counts as seen but posts nothing")
	require.Zero(t, res.RefundedCents)
	require.Equal(t, 1, e.ledger.postCalls)
}

// Issue 16: statements went out before any staff review. Nothing reaches
// the patient, and no payment intent exists, until staff release it; the
// cadence then counts from the release.
func TestStatementWaitsForRelease(t *testing.T) {
	e := newEngagementEnv(t, reminderStart)
	e.seedPatient("pat-b")
	var before []int
	e.RegisterDelayedCallback(func() { before = append(before, len(e.mail.all()), len(e.pay.intents)) }, 20*day)
	e.releaseAt(20*day + time.Hour)
	e.releaseAt(20*day + 2*time.Hour) // a second click changes nothing
	var at21 int
	e.RegisterDelayedCallback(func() { at21 = len(e.mail.all()) }, 21*day)
	res := runHeld(t, e, StatementInput{StatementID: "stmt-r", PatientID: "pat-b", AmountCents: 1200})
	require.Equal(t, []int{0, 0}, before, "no email and no payment intent before release")
	require.Equal(t, 1, at21, "the first notice goes out on release")
	require.True(t, res.Released)
	require.Equal(t, "staff-1", res.ReleasedBy)
	require.True(t, reminderStart.Add(20*day+time.Hour).Equal(res.ReleasedAt), "released at %v", res.ReleasedAt)
	require.Equal(t, 3, res.NoticesSent, "day 0, 14 and 30 after the release")
	require.Len(t, e.pay.intents, 1)
	require.Equal(t, activities.StatementCollections, res.Status)
}
