package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// GetEligibilityBundle reads it in one transaction, as one audited PHI
// read. ErrNotFound when the appointment or a coverage is missing.
func (s *Store) GetEligibilityBundle(ctx context.Context, a Actor, appointmentID string) (EligibilityBundle, error) {
	var b EligibilityBundle
	if !validID(appointmentID) {
		return b, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if b.Appointment, err = getAppointment(ctx, tx, appointmentID); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermAppointmentRead, b.Appointment.OrgID); err != nil {
			return err
		}
		covID, err := pgq.New(tx).PrimaryCoverageForPatient(ctx, pgq.PrimaryCoverageForPatientParams{PatientID: b.Appointment.PatientID, OnDate: b.Appointment.StartsAt})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoCoverage
		}
		if err != nil {
			return err
		}
		sp, err := getSealedPatient(ctx, tx, b.Appointment.PatientID)
		if err != nil {
			return err
		}
		if b.Patient, _, err = s.openPatient(ctx, sp); err != nil {
			return err
		}
		if b.Coverage, err = s.getCoverage(ctx, tx, covID); err != nil {
			return err
		}
		if b.Payer, err = getPayer(ctx, tx, b.Coverage.PayerID); err != nil {
			return err
		}
		if b.Provider, err = getProvider(ctx, tx, b.Appointment.ProviderID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: b.Appointment.OrgID, PatientID: b.Appointment.PatientID, Action: ActionRead,
			Resource: "eligibility_bundle", ResourceID: appointmentID, Fields: append(append([]string{}, patientPHI...), coveragePHI...)})
	})
	return b, err
}

// PutEligibility records (or updates) a check by its trace number, the
// benefits sealed under a fresh data key.
func (s *Store) PutEligibility(ctx context.Context, c EligibilityCheck) error {
	var dek, sealed []byte
	if c.Benefits != nil {
		raw, err := json.Marshal(c.Benefits)
		if err != nil {
			return err
		}
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return err
		}
		dek, sealed = wrapped, dk.Seal(raw, []byte("eligibility_checks/"+c.TraceNumber+"/benefits"))
	}
	codes := c.RejectCodes
	if codes == nil {
		codes = []string{}
	}
	return pgq.New(s.Pool).UpsertEligibility(ctx, pgq.UpsertEligibilityParams{
		TraceNumber: c.TraceNumber, AppointmentID: c.AppointmentID, CoverageID: nullText(c.CoverageID),
		WorkflowID: c.WorkflowID, Mode: c.Mode, Status: c.Status, RejectCodes: codes,
		Dek: dek, Benefits: sealed, RequestKey: c.RequestKey, ResponseKey: c.ResponseKey,
	})
}

// EligibilityByTrace finds the appointment and workflow waiting for a
// batch 271 with this trace number, received through the trading-partner
// account partner (the check's payer's clearinghouse).
func (s *Store) EligibilityByTrace(ctx context.Context, partner, trace string) (appointmentID, workflowID string, err error) {
	r, err := pgq.New(s.Pool).EligibilityByTrace(ctx, pgq.EligibilityByTraceParams{TraceNumber: trace, Clearinghouse: partner})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return r.AppointmentID, r.WorkflowID, err
}

// LatestEligibility returns the appointment's latest check with its
// benefits opened (into out when not nil), as an audited PHI read.
func (s *Store) LatestEligibility(ctx context.Context, a Actor, appointmentID string, out any) (EligibilityCheck, error) {
	var c EligibilityCheck
	if !validID(appointmentID) {
		return c, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		appt, err := getAppointment(ctx, tx, appointmentID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermAppointmentRead, appt.OrgID); err != nil {
			return err
		}
		e, err := pgq.New(tx).LatestEligibility(ctx, appointmentID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		c = EligibilityCheck{TraceNumber: e.TraceNumber, AppointmentID: e.AppointmentID, Mode: e.Mode, Status: e.Status,
			RejectCodes: e.RejectCodes, CheckedAt: e.CheckedAt}
		dek, sealed := e.Dek, e.Benefits
		if sealed != nil && out != nil {
			dk, err := s.keys.DataKey(ctx, dek)
			if err != nil {
				return err
			}
			raw, err := dk.Open(sealed, []byte("eligibility_checks/"+c.TraceNumber+"/benefits"))
			if err != nil {
				return err
			}
			if err := json.Unmarshal(raw, out); err != nil {
				return err
			}
			c.Benefits = out
		}
		if c.Deviations, err = eligibilityDeviations(ctx, tx, a, c.TraceNumber); err != nil {
			return err
		}
		fields := []string{"benefits"}
		if len(c.Deviations) > 0 {
			fields = append(fields, "deviations")
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: appt.OrgID, PatientID: appt.PatientID, Action: ActionRead,
			Resource: "eligibility", ResourceID: c.TraceNumber, Fields: fields})
	})
	return c, err
}

// UpcomingAppointments lists booked appointments starting in [from, to).
func (s *Store) UpcomingAppointments(ctx context.Context, from, to time.Time) ([]string, error) {
	return pgq.New(s.Pool).UpcomingAppointments(ctx, pgq.UpcomingAppointmentsParams{FromTime: from, ToTime: to})
}
