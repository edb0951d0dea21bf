package store

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Patient engagement (issue 8): what the reminder, waitlist and statement
// workflows and the Twilio and Stripe webhooks keep. Phone numbers are
// looked up by blind index only (domain "sms.phone").

const phoneDomain = "sms.phone"

func (s *Store) phoneIndex(phone string) ([]byte, error) {
	if s.keys == nil {
		return nil, errors.New("store: engagement needs keys (UseKeys)")
	}
	idx := s.bidx(phoneDomain, phone)
	if idx == nil {
		return nil, errors.New("store: empty phone number")
	}
	return idx, nil
}

// RecordOutboundSMS remembers that phone was last messaged by workflowID
// about ref, so the reply reaches that workflow.
func (s *Store) RecordOutboundSMS(ctx context.Context, phone, workflowID, ref string) error {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return err
	}
	return pgq.New(s.Pool).UpsertSMSThread(ctx, pgq.UpsertSMSThreadParams{PhoneIndex: idx, WorkflowID: workflowID, Ref: ref})
}

// RecentSMSThreads lists the workflows that messaged phone, newest first
// (at most limit).
func (s *Store) RecentSMSThreads(ctx context.Context, phone string, limit int) ([]SMSThread, error) {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return nil, err
	}
	rows, err := pgq.New(s.Pool).RecentSMSThreads(ctx, pgq.RecentSMSThreadsParams{PhoneIndex: idx, Limit: int32(min(limit, math.MaxInt32))})
	if err != nil {
		return nil, err
	}
	out := make([]SMSThread, len(rows))
	for i, r := range rows {
		out[i] = SMSThread(r)
	}
	return out, nil
}

// SMSOptedOut reports whether phone replied STOP (and not START since).
func (s *Store) SMSOptedOut(ctx context.Context, phone string) (bool, error) {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return false, err
	}
	return pgq.New(s.Pool).SMSOptedOut(ctx, idx)
}

// SetSMSOptOut records a STOP (true) or START (false) reply.
func (s *Store) SetSMSOptOut(ctx context.Context, phone string, optedOut bool) error {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return err
	}
	return pgq.New(s.Pool).SetSMSOptOut(ctx, pgq.SetSMSOptOutParams{PhoneIndex: idx, OptedOut: optedOut})
}

// ClaimWebhookEvent records a webhook delivery and reports whether it is
// the first; a replay answers false and must change nothing.
func (s *Store) ClaimWebhookEvent(ctx context.Context, provider, eventID string) (bool, error) {
	n, err := pgq.New(s.Pool).ClaimWebhookEvent(ctx, pgq.ClaimWebhookEventParams{Provider: provider, EventID: eventID})
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// ReleaseWebhookEvent forgets a delivery that could not be handed on, so
// the provider's retry is processed.
func (s *Store) ReleaseWebhookEvent(ctx context.Context, provider, eventID string) error {
	return pgq.New(s.Pool).ReleaseWebhookEvent(ctx, pgq.ReleaseWebhookEventParams{Provider: provider, EventID: eventID})
}

// ConfirmAppointment records the patient's confirmation (idempotent).
func (s *Store) ConfirmAppointment(ctx context.Context, appointmentID string) error {
	if !validID(appointmentID) {
		return ErrNotFound
	}
	err := pgq.New(s.Pool).ConfirmAppointment(ctx, appointmentID)
	if _, fk := isPgCode(err, "23503"); fk {
		return ErrNotFound
	}
	return err
}

// AppointmentConfirmed reports whether the patient confirmed.
func (s *Store) AppointmentConfirmed(ctx context.Context, appointmentID string) (bool, error) {
	return pgq.New(s.Pool).AppointmentConfirmed(ctx, appointmentID)
}

// AppointmentContext is what patients are told about where and in which
// zone: the provider's template zone (empty when it has none) and the
// appointment's organisation name.
func (s *Store) AppointmentContext(ctx context.Context, appointmentID string) (timeZone, location string, err error) {
	if !validID(appointmentID) {
		return "", "", ErrNotFound
	}
	r, err := pgq.New(s.Pool).EngagementAppointmentContext(ctx, appointmentID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return r.TimeZone, r.Name, err
}

// FindActiveAppointment finds the patient's non-cancelled appointment with
// the provider at start (ErrNotFound when none): it makes a retried
// booking idempotent.
func (s *Store) FindActiveAppointment(ctx context.Context, providerID, patientID string, start time.Time) (string, error) {
	if !validID(providerID) || !validID(patientID) {
		return "", ErrNotFound
	}
	id, err := pgq.New(s.Pool).FindActiveAppointment(ctx, pgq.FindActiveAppointmentParams{ProviderID: providerID, PatientID: patientID,
		StartsAt: start.UTC().Truncate(time.Microsecond)})
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return id, err
}

// WaitlistMatches lists waiting entries matching a freed slot: the
// provider (or no provider named, within the provider's organisation
// tree), the visit type, and the entry's date range, weekdays and time of
// day in the slot's zone; highest priority first, then oldest. The read is
// audited as the system.
func (s *Store) WaitlistMatches(ctx context.Context, providerID, visitType string, start, end time.Time, loc *time.Location) ([]WaitlistEntry, error) {
	if !validID(providerID) {
		return nil, nil
	}
	var out []WaitlistEntry
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).EngagementWaitlist(ctx, pgq.EngagementWaitlistParams{ProviderID: providerID, VisitType: visitType})
		if err != nil {
			return err
		}
		all := make([]WaitlistEntry, len(rows))
		for i, r := range rows {
			all[i] = waitlistEntry(pgq.GetWaitlistRow(r))
		}
		ls, le := start.In(loc), end.In(loc)
		day, clockFrom, clockTo := ls.Format(time.DateOnly), ls.Format("15:04"), le.Format("15:04")
		var entries []AuditEntry
		for _, w := range all {
			if (w.Earliest != "" && day < w.Earliest) || (w.Latest != "" && day > w.Latest) ||
				(len(w.Weekdays) > 0 && !slices.Contains(w.Weekdays, int(ls.Weekday()))) ||
				(w.TimeFrom != "" && clockFrom < w.TimeFrom) || (w.TimeTo != "" && clockTo > w.TimeTo) {
				continue
			}
			out = append(out, w)
			entries = append(entries, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionList, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields})
		}
		return s.audit(ctx, tx, System, entries...)
	})
	return out, err
}

// OpenStatement records a statement once; a repeat changes nothing.
func (s *Store) OpenStatement(ctx context.Context, st Statement) error {
	cur := st.Currency
	if cur == "" {
		cur = "usd"
	}
	return pgq.New(s.Pool).OpenStatement(ctx, pgq.OpenStatementParams{ID: st.ID, PatientID: st.PatientID, AmountCents: st.AmountCents, Currency: cur})
}

// GetStatement reads a statement with its posted totals.
func (s *Store) GetStatement(ctx context.Context, id string) (Statement, error) {
	r, err := pgq.New(s.Pool).GetStatement(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return Statement(r), err
}

// SetStatementIntent records the statement's Stripe PaymentIntent.
func (s *Store) SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error {
	return statementUpdated(pgq.New(s.Pool).SetStatementIntent(ctx, pgq.SetStatementIntentParams{ID: statementID, PaymentIntentID: paymentIntentID}))
}

// SetStatementStatus sets open, paid, collections or closed.
func (s *Store) SetStatementStatus(ctx context.Context, statementID, status string) error {
	return statementUpdated(pgq.New(s.Pool).SetStatementStatus(ctx, pgq.SetStatementStatusParams{ID: statementID, Status: status}))
}

func statementUpdated(n int64, err error) error {
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}

// StatementForPaymentIntent finds the statement a payment intent pays.
func (s *Store) StatementForPaymentIntent(ctx context.Context, paymentIntentID string) (string, error) {
	id, err := pgq.New(s.Pool).StatementForPaymentIntent(ctx, paymentIntentID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return id, err
}

// PostPatientPayment posts a payment once per payment intent and reports
// whether this call posted it.
func (s *Store) PostPatientPayment(ctx context.Context, statementID, paymentIntentID, eventID string, cents int64) (bool, error) {
	n, err := pgq.New(s.Pool).InsertPatientPayment(ctx, pgq.InsertPatientPaymentParams{PaymentIntentID: paymentIntentID,
		StatementID: statementID, EventID: eventID, AmountCents: cents})
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// PostPatientRefund posts a refund once per refund ID.
func (s *Store) PostPatientRefund(ctx context.Context, statementID, paymentIntentID, refundID string, cents int64) (bool, error) {
	n, err := pgq.New(s.Pool).InsertPatientRefund(ctx, pgq.InsertPatientRefundParams{RefundID: refundID,
		StatementID: statementID, PaymentIntentID: paymentIntentID, AmountCents: cents})
	if err != nil {
		return false, err
	}
	return n == 1, nil
}
