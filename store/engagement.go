package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
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
	_, err = s.Pool.Exec(ctx, q("UpsertSMSThread"), idx, workflowID, ref)
	return err
}

// RecentSMSThreads lists the workflows that messaged phone, newest first
// (at most limit).
func (s *Store) RecentSMSThreads(ctx context.Context, phone string, limit int) ([]SMSThread, error) {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return nil, err
	}
	rows, err := s.Pool.Query(ctx, q("RecentSMSThreads"), idx, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SMSThread, error) {
		var t SMSThread
		err := r.Scan(&t.WorkflowID, &t.Ref)
		return t, err
	})
}

// SMSOptedOut reports whether phone replied STOP (and not START since).
func (s *Store) SMSOptedOut(ctx context.Context, phone string) (bool, error) {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return false, err
	}
	var out bool
	err = s.Pool.QueryRow(ctx, q("SMSOptedOut"), idx).Scan(&out)
	return out, err
}

// SetSMSOptOut records a STOP (true) or START (false) reply.
func (s *Store) SetSMSOptOut(ctx context.Context, phone string, optedOut bool) error {
	idx, err := s.phoneIndex(phone)
	if err != nil {
		return err
	}
	_, err = s.Pool.Exec(ctx, q("SetSMSOptOut"), idx, optedOut)
	return err
}

// ClaimWebhookEvent records a webhook delivery and reports whether it is
// the first; a replay answers false and must change nothing.
func (s *Store) ClaimWebhookEvent(ctx context.Context, provider, eventID string) (bool, error) {
	tag, err := s.Pool.Exec(ctx, q("ClaimWebhookEvent"), provider, eventID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseWebhookEvent forgets a delivery that could not be handed on, so
// the provider's retry is processed.
func (s *Store) ReleaseWebhookEvent(ctx context.Context, provider, eventID string) error {
	_, err := s.Pool.Exec(ctx, q("ReleaseWebhookEvent"), provider, eventID)
	return err
}

// ConfirmAppointment records the patient's confirmation (idempotent).
func (s *Store) ConfirmAppointment(ctx context.Context, appointmentID string) error {
	if !validID(appointmentID) {
		return ErrNotFound
	}
	_, err := s.Pool.Exec(ctx, q("ConfirmAppointment"), appointmentID)
	if _, fk := isPgCode(err, "23503"); fk {
		return ErrNotFound
	}
	return err
}

// AppointmentConfirmed reports whether the patient confirmed.
func (s *Store) AppointmentConfirmed(ctx context.Context, appointmentID string) (bool, error) {
	var ok bool
	err := s.Pool.QueryRow(ctx, q("AppointmentConfirmed"), appointmentID).Scan(&ok)
	return ok, err
}

// AppointmentContext is what patients are told about where and in which
// zone: the provider's template zone (empty when it has none) and the
// appointment's organisation name.
func (s *Store) AppointmentContext(ctx context.Context, appointmentID string) (timeZone, location string, err error) {
	if !validID(appointmentID) {
		return "", "", ErrNotFound
	}
	err = s.Pool.QueryRow(ctx, q("EngagementAppointmentContext"), appointmentID).Scan(&timeZone, &location)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return timeZone, location, err
}

// FindActiveAppointment finds the patient's non-cancelled appointment with
// the provider at start (ErrNotFound when none): it makes a retried
// booking idempotent.
func (s *Store) FindActiveAppointment(ctx context.Context, providerID, patientID string, start time.Time) (string, error) {
	if !validID(providerID) || !validID(patientID) {
		return "", ErrNotFound
	}
	var id string
	err := s.Pool.QueryRow(ctx, q("FindActiveAppointment"), providerID, patientID, start.UTC().Truncate(time.Microsecond)).Scan(&id)
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
		rows, err := tx.Query(ctx, q("EngagementWaitlist"), providerID, visitType)
		if err != nil {
			return err
		}
		all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitlistEntry, error) { return scanWaitlist(r) })
		if err != nil {
			return err
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
	_, err := s.Pool.Exec(ctx, q("OpenStatement"), st.ID, st.PatientID, st.AmountCents, cur)
	return err
}

// GetStatement reads a statement with its posted totals.
func (s *Store) GetStatement(ctx context.Context, id string) (Statement, error) {
	var st Statement
	err := s.Pool.QueryRow(ctx, q("GetStatement"), id).Scan(&st.ID, &st.PatientID, &st.AmountCents, &st.Currency,
		&st.PaymentIntentID, &st.Status, &st.PaidCents, &st.RefundedCents)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return st, err
}

// SetStatementIntent records the statement's Stripe PaymentIntent.
func (s *Store) SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error {
	return s.updateStatement(ctx, q("SetStatementIntent"), statementID, paymentIntentID)
}

// SetStatementStatus sets open, paid, collections or closed.
func (s *Store) SetStatementStatus(ctx context.Context, statementID, status string) error {
	return s.updateStatement(ctx, q("SetStatementStatus"), statementID, status)
}

func (s *Store) updateStatement(ctx context.Context, sql, id, v string) error {
	tag, err := s.Pool.Exec(ctx, sql, id, v)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return err
}

// StatementForPaymentIntent finds the statement a payment intent pays.
func (s *Store) StatementForPaymentIntent(ctx context.Context, paymentIntentID string) (string, error) {
	var id string
	err := s.Pool.QueryRow(ctx, q("StatementForPaymentIntent"), paymentIntentID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return id, err
}

// PostPatientPayment posts a payment once per payment intent and reports
// whether this call posted it.
func (s *Store) PostPatientPayment(ctx context.Context, statementID, paymentIntentID, eventID string, cents int64) (bool, error) {
	tag, err := s.Pool.Exec(ctx, q("InsertPatientPayment"), paymentIntentID, statementID, eventID, cents)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// PostPatientRefund posts a refund once per refund ID.
func (s *Store) PostPatientRefund(ctx context.Context, statementID, paymentIntentID, refundID string, cents int64) (bool, error) {
	tag, err := s.Pool.Exec(ctx, q("InsertPatientRefund"), refundID, statementID, paymentIntentID, cents)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}
