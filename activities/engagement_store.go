package activities

import (
	"context"
	"errors"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// SchedulingRecords is the records store as RecordsScheduling uses it
// (package store's *Store provides it).
type SchedulingRecords interface {
	GetAppointment(ctx context.Context, a rcm.Actor, id string) (rcm.Appointment, error)
	AppointmentContext(ctx context.Context, appointmentID string) (timeZone, location string, err error)
	AppointmentConfirmed(ctx context.Context, appointmentID string) (bool, error)
	GetPatient(ctx context.Context, a rcm.Actor, id string) (rcm.Patient, error)
	FindActiveAppointment(ctx context.Context, providerID, patientID string, start time.Time) (string, error)
	Book(ctx context.Context, a rcm.Actor, b rcm.Booking) (rcm.Appointment, error)
	MarkWaitlistBooked(ctx context.Context, a rcm.Actor, id, appointmentID string) (rcm.WaitlistEntry, error)
	Cancel(ctx context.Context, a rcm.Actor, id, reason string) (rcm.Appointment, error)
	ConfirmAppointment(ctx context.Context, appointmentID string) error
	WaitlistMatches(ctx context.Context, providerID, visitType string, start, end time.Time, loc *time.Location) ([]rcm.WaitlistEntry, error)
}

// RecordsScheduling implements Scheduling over the records store (issue 5)
// as the system actor: every read of an appointment, patient or waitlist
// entry is audited there.
type RecordsScheduling struct {
	Store SchedulingRecords
	// DefaultTimeZone is used when the provider has no weekly template
	// naming its zone (default UTC).
	DefaultTimeZone string
}

var _ Scheduling = (*RecordsScheduling)(nil)

func recordErr(err error) error {
	if errors.Is(err, rcm.ErrNotFound) {
		return ErrRecordNotFound
	}
	return err
}

// Appointment reads the appointment, its zone and location, and whether
// the patient confirmed it.
func (r *RecordsScheduling) Appointment(ctx context.Context, id string) (AppointmentView, error) {
	a, err := r.Store.GetAppointment(ctx, rcm.System, id)
	if err != nil {
		return AppointmentView{}, recordErr(err)
	}
	tz, location, err := r.Store.AppointmentContext(ctx, id)
	if err != nil {
		return AppointmentView{}, recordErr(err)
	}
	if tz == "" {
		tz = r.DefaultTimeZone
	}
	if tz == "" {
		tz = "UTC"
	}
	v := AppointmentView{ID: a.ID, OrgID: a.OrgID, PatientID: a.PatientID, ProviderID: a.ProviderID, VisitType: a.VisitType,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, TimeZone: tz, Location: location, Status: a.Status}
	if a.Status == AppointmentBooked {
		ok, err := r.Store.AppointmentConfirmed(ctx, id)
		if err != nil {
			return AppointmentView{}, err
		}
		if ok {
			v.Status = AppointmentConfirmed
		}
	}
	return v, nil
}

// PatientContact unseals the patient's first name, email and phone.
func (r *RecordsScheduling) PatientContact(ctx context.Context, patientID string) (Contact, error) {
	p, err := r.Store.GetPatient(ctx, rcm.System, patientID)
	if err != nil {
		return Contact{}, recordErr(err)
	}
	return Contact{FirstName: p.FirstName, Email: p.Email, Phone: p.Phone}, nil
}

// Book books through store.Book (the exclusion constraint). A retry finds
// the appointment its first attempt made; a clash with anyone else's is
// ErrSlotTaken; a booking the records refuse (provider unavailable,
// unknown patient) is ErrBookingRejected. A waitlist entry is then marked
// booked.
func (r *RecordsScheduling) Book(ctx context.Context, req BookRequest) (string, error) {
	id, err := r.Store.FindActiveAppointment(ctx, req.Slot.ProviderID, req.PatientID, req.Slot.StartsAt)
	switch {
	case errors.Is(err, rcm.ErrNotFound):
		a, berr := r.Store.Book(ctx, rcm.System, rcm.Booking{ProviderID: req.Slot.ProviderID, PatientID: req.PatientID,
			VisitType: req.Slot.VisitType, StartsAt: req.Slot.StartsAt, EndsAt: req.Slot.EndsAt})
		var ve *rcm.ValidationError
		switch {
		case errors.Is(berr, rcm.ErrConflict):
			return "", ErrSlotTaken
		case errors.As(berr, &ve):
			return "", ErrBookingRejected
		case berr != nil:
			return "", berr
		}
		id = a.ID
	case err != nil:
		return "", err
	}
	if req.WaitlistEntryID != "" {
		_, err := r.Store.MarkWaitlistBooked(ctx, rcm.System, req.WaitlistEntryID, id)
		var ve *rcm.ValidationError
		if err != nil && !errors.As(err, &ve) { // already marked by an earlier attempt
			return "", recordErr(err)
		}
	}
	return id, nil
}

// Cancel cancels through store.Cancel; an already cancelled appointment is
// left as it is.
func (r *RecordsScheduling) Cancel(ctx context.Context, appointmentID, reason string) error {
	a, err := r.Store.GetAppointment(ctx, rcm.System, appointmentID)
	if err != nil {
		return recordErr(err)
	}
	if a.Status == AppointmentCancelled {
		return nil
	}
	_, err = r.Store.Cancel(ctx, rcm.System, appointmentID, reason)
	return recordErr(err)
}

// Confirm records the confirmation.
func (r *RecordsScheduling) Confirm(ctx context.Context, appointmentID string) error {
	return recordErr(r.Store.ConfirmAppointment(ctx, appointmentID))
}

// WaitlistCandidates lists matching waiting entries in priority order.
func (r *RecordsScheduling) WaitlistCandidates(ctx context.Context, slot Slot) ([]WaitlistCandidate, error) {
	loc := time.UTC
	if slot.TimeZone != "" {
		l, err := time.LoadLocation(slot.TimeZone)
		if err != nil {
			return nil, err
		}
		loc = l
	}
	ws, err := r.Store.WaitlistMatches(ctx, slot.ProviderID, slot.VisitType, slot.StartsAt, slot.EndsAt, loc)
	if err != nil {
		return nil, err
	}
	out := make([]WaitlistCandidate, len(ws))
	for i, w := range ws {
		out[i] = WaitlistCandidate{EntryID: w.ID, PatientID: w.PatientID, Priority: w.Priority}
	}
	return out, nil
}

// StoreLedger implements EngagementLedger over the store's engagement
// tables (migration 00070).
type StoreLedger struct {
	Store LedgerRecords
}

// LedgerRecords is the store's engagement and statement tables as
// StoreLedger uses them (package store's *Store provides it).
type LedgerRecords interface {
	RecordOutboundSMS(ctx context.Context, phone, workflowID, ref string) error
	SMSOptedOut(ctx context.Context, phone string) (bool, error)
	OpenStatement(ctx context.Context, st rcm.Statement) error
	SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error
	PostPatientPayment(ctx context.Context, statementID, paymentIntentID, eventID string, cents int64) (bool, error)
	PostPatientRefund(ctx context.Context, statementID, paymentIntentID, refundID string, cents int64) (bool, error)
	SetStatementStatus(ctx context.Context, statementID, status string) error
}

var _ EngagementLedger = (*StoreLedger)(nil)

func (l *StoreLedger) RecordOutboundSMS(ctx context.Context, phone, workflowID, ref string) error {
	return l.Store.RecordOutboundSMS(ctx, phone, workflowID, ref)
}

func (l *StoreLedger) SMSOptedOut(ctx context.Context, phone string) (bool, error) {
	return l.Store.SMSOptedOut(ctx, phone)
}

func (l *StoreLedger) OpenStatement(ctx context.Context, s StatementRecord) error {
	return l.Store.OpenStatement(ctx, rcm.Statement{ID: s.ID, PatientID: s.PatientID, AmountCents: s.AmountCents, Currency: s.Currency})
}

func (l *StoreLedger) SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error {
	return l.Store.SetStatementIntent(ctx, statementID, paymentIntentID)
}

func (l *StoreLedger) PostPayment(ctx context.Context, p PaymentPosting) (bool, error) {
	return l.Store.PostPatientPayment(ctx, p.StatementID, p.PaymentIntentID, p.EventID, p.AmountCents)
}

func (l *StoreLedger) PostRefund(ctx context.Context, r RefundPosting) (bool, error) {
	return l.Store.PostPatientRefund(ctx, r.StatementID, r.PaymentIntentID, r.RefundID, r.AmountCents)
}

func (l *StoreLedger) SetStatementStatus(ctx context.Context, statementID, status string) error {
	return l.Store.SetStatementStatus(ctx, statementID, status)
}
