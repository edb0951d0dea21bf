package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// StatementInput bills a patient's responsibility after remittance posting.
type StatementInput struct {
	StatementID string
	PatientID   string
	AmountCents int64
	Currency    string
	// Cadence lists when notices go out, from the statement's opening
	// (default day 0, 14 and 30).
	Cadence []time.Duration
	// CollectionsAfter is when an unpaid statement goes to collections
	// status (default day 45).
	CollectionsAfter time.Duration
	// Linger keeps the workflow open after it is paid or in collections, to
	// take late payments, refunds and Stripe events (default 90 days).
	Linger time.Duration
}

// StripeEvent is a verified Stripe webhook event for a statement.
type StripeEvent struct {
	EventID         string
	Type            string
	PaymentIntentID string
	// AmountCents: received (payment) or refunded so far on the charge
	// (charge.refunded).
	AmountCents int64
}

// RefundRequest asks the statement workflow to refund.
type RefundRequest struct {
	RequestID   string // idempotency: a repeated request refunds once
	AmountCents int64  // 0 refunds everything refundable
}

// ReleaseRequest is staff's release of a reviewed statement.
type ReleaseRequest struct {
	By string // the staff member's user ID (audited in the store too)
}

// StatementResult is the statement's final state.
type StatementResult struct {
	StatementID string
	Status      string
	// Released says staff released it (nothing is sent before);
	// ReleasedBy and ReleasedAt say who and when.
	Released        bool
	ReleasedBy      string
	ReleasedAt      time.Time
	PaymentIntentID string
	PaidCents       int64
	RefundedCents   int64
	NoticesSent     int
	Events          int // distinct Stripe events applied
}

// StatementState answers QueryStatementState.
type StatementState = StatementResult

func (in *StatementInput) defaults() {
	if len(in.Cadence) == 0 {
		in.Cadence = []time.Duration{0, 14 * 24 * time.Hour, 30 * 24 * time.Hour}
	}
	if in.CollectionsAfter <= 0 {
		in.CollectionsAfter = 45 * 24 * time.Hour
	}
	if in.Linger <= 0 {
		in.Linger = 90 * 24 * time.Hour
	}
	if in.Currency == "" {
		in.Currency = "usd"
	}
}

// PatientStatement opens a statement for the patient's responsibility and
// waits for staff to review and release it (UpdateStatementRelease; until
// then nothing reaches the patient and no payment intent exists). On
// release it creates its Stripe PaymentIntent, sends notices on the
// cadence (counted from the release) while it is unpaid, and hands it to collections status after the last one. Stripe
// events arrive as signals from the verified webhook: each payment is
// posted exactly once (by event ID here, by payment intent ID in the
// ledger), so a replayed event changes nothing. Refunds go through Stripe
// and are posted once by refund ID.
func PatientStatement(ctx workflow.Context, in StatementInput) (StatementResult, error) {
	in.defaults()
	log := workflow.GetLogger(ctx)
	actx := engagementCtx(ctx)
	var e *activities.Engagement
	res := StatementResult{StatementID: in.StatementID, Status: activities.StatementOpen}
	if err := workflow.SetQueryHandler(ctx, QueryStatementState, func() (StatementState, error) { return res, nil }); err != nil {
		return res, err
	}
	opened := workflow.Now(ctx)
	if err := workflow.ExecuteActivity(actx, e.OpenStatement, activities.StatementRecord{
		ID: in.StatementID, PatientID: in.PatientID, AmountCents: in.AmountCents, Currency: in.Currency,
	}).Get(ctx, nil); err != nil {
		return res, err
	}
	released := false
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateStatementRelease,
		func(ctx workflow.Context, r ReleaseRequest) (string, error) {
			if !released {
				released = true
				res.ReleasedBy = r.By
				res.ReleasedAt = workflow.Now(ctx)
			}
			return res.Status, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(r ReleaseRequest) error {
			if r.By == "" {
				return temporal.NewApplicationError("a release names who released it", "BadRelease")
			}
			return nil
		}},
	); err != nil {
		return res, err
	}
	// Statements started before the release step (version DefaultVersion)
	// went out at once, as they did then.
	if workflow.GetVersion(ctx, "statement-release", workflow.DefaultVersion, 1) == 1 {
		if err := workflow.Await(ctx, func() bool { return released }); err != nil {
			return res, err
		}
		opened = workflow.Now(ctx)
	}
	res.Released = true
	if err := workflow.ExecuteActivity(actx, e.CreateStatementIntent, activities.StatementIntentRequest{
		StatementID: in.StatementID, AmountCents: in.AmountCents, Currency: in.Currency,
	}).Get(ctx, &res.PaymentIntentID); err != nil {
		return res, err
	}

	events := workflow.GetSignalChannel(ctx, SignalStripeEvent)
	refunds := workflow.GetSignalChannel(ctx, SignalStatementRefund)
	seenEvents := map[string]bool{}
	seenRefunds := map[string]bool{}
	paidByIntent := map[string]int64{}
	refundedByIntent := map[string]int64{}
	step := 0
	var settledAt time.Time // when it became paid or went to collections

	setStatus := func(status string) error {
		if err := workflow.ExecuteActivity(actx, e.SetStatementStatus, activities.StatementStatus{StatementID: in.StatementID, Status: status}).Get(ctx, nil); err != nil {
			return err
		}
		res.Status = status
		return nil
	}

	for {
		now := workflow.Now(ctx)
		var wake time.Time
		switch {
		case !settledAt.IsZero():
			wake = settledAt.Add(in.Linger)
		case step < len(in.Cadence):
			wake = opened.Add(in.Cadence[step])
		default:
			wake = opened.Add(in.CollectionsAfter)
		}
		if !now.Before(wake) {
			switch {
			case !settledAt.IsZero():
				if res.Status == activities.StatementPaid {
					if err := setStatus(activities.StatementClosed); err != nil {
						return res, err
					}
				}
				return res, nil
			case step < len(in.Cadence):
				var sr activities.SendResult
				err := workflow.ExecuteActivity(actx, e.SendStatementNotice, activities.StatementNotice{
					StatementID: in.StatementID, PatientID: in.PatientID, Step: step, BalanceCents: in.AmountCents - res.PaidCents,
				}).Get(ctx, &sr)
				if err != nil {
					log.Warn("statement notice not delivered", "statement", in.StatementID, "step", step, "error", err.Error())
				} else if sr.Sent {
					res.NoticesSent++
				}
				step++
			default:
				if err := setStatus(activities.StatementCollections); err != nil {
					return res, err
				}
				settledAt = workflow.Now(ctx)
			}
			continue
		}

		tctx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(tctx, wake.Sub(now))
		var (
			ev  *StripeEvent
			ref *RefundRequest
		)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) {})
		sel.AddReceive(events, func(c workflow.ReceiveChannel, _ bool) {
			var x StripeEvent
			c.Receive(ctx, &x)
			ev = &x
		})
		sel.AddReceive(refunds, func(c workflow.ReceiveChannel, _ bool) {
			var x RefundRequest
			c.Receive(ctx, &x)
			ref = &x
		})
		sel.Select(ctx)
		cancelTimer()

		switch {
		case ev != nil:
			if ev.EventID == "" || seenEvents[ev.EventID] {
				continue // a replayed delivery changes nothing
			}
			seenEvents[ev.EventID] = true
			res.Events++
			switch ev.Type {
			case rcm.PaymentEventSucceeded:
				if _, done := paidByIntent[ev.PaymentIntentID]; done || ev.AmountCents <= 0 {
					continue
				}
				if err := workflow.ExecuteActivity(actx, e.PostStatementPayment, activities.PaymentPosting{
					StatementID: in.StatementID, PaymentIntentID: ev.PaymentIntentID, EventID: ev.EventID, AmountCents: ev.AmountCents,
				}).Get(ctx, nil); err != nil {
					return res, err
				}
				paidByIntent[ev.PaymentIntentID] = ev.AmountCents
				res.PaidCents += ev.AmountCents
				if res.PaidCents >= in.AmountCents && res.Status != activities.StatementPaid {
					if err := setStatus(activities.StatementPaid); err != nil {
						return res, err
					}
					settledAt = workflow.Now(ctx)
				}
			case rcm.PaymentEventRefunded:
				// Stripe reports the charge's refunded total; post only what
				// claimflow has not posted yet (refunds made outside it).
				delta := ev.AmountCents - refundedByIntent[ev.PaymentIntentID]
				if delta <= 0 {
					continue
				}
				if err := workflow.ExecuteActivity(actx, e.PostStatementRefund, activities.RefundPosting{
					StatementID: in.StatementID, PaymentIntentID: ev.PaymentIntentID, RefundID: "event:" + ev.EventID, AmountCents: delta,
				}).Get(ctx, nil); err != nil {
					return res, err
				}
				refundedByIntent[ev.PaymentIntentID] += delta
				res.RefundedCents += delta
			default:
				log.Info("stripe event noted", "statement", in.StatementID, "type", ev.Type)
			}
		case ref != nil:
			if ref.RequestID == "" || seenRefunds[ref.RequestID] {
				continue
			}
			seenRefunds[ref.RequestID] = true
			pi := res.PaymentIntentID
			refundable := paidByIntent[pi] - refundedByIntent[pi]
			amt := ref.AmountCents
			if amt <= 0 || amt > refundable {
				amt = refundable
			}
			if amt <= 0 {
				log.Info("refund requested with nothing refundable", "statement", in.StatementID)
				continue
			}
			var posted activities.RefundPosting
			if err := workflow.ExecuteActivity(actx, e.RefundStatementPayment, activities.StatementRefundRequest{
				StatementID: in.StatementID, PaymentIntentID: pi, AmountCents: amt, RequestID: ref.RequestID,
			}).Get(ctx, &posted); err != nil {
				log.Warn("refund failed", "statement", in.StatementID, "error", err.Error())
				continue
			}
			refundedByIntent[pi] += posted.AmountCents
			res.RefundedCents += posted.AmountCents
		}
	}
}
