package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Prior authorization (issue 19): payer rules, authorizations, and the
// booking's warning when a required authorization is missing.

// PriorAuths is the store's prior authorization.
type PriorAuths interface {
	GetAuthRules(ctx context.Context, a rcm.Actor, payerID string) (rcm.AuthRules, error)
	PutAuthRules(ctx context.Context, a rcm.Actor, payerID string, in rcm.AuthRules) (rcm.AuthRules, error)
	RequestAuthorization(ctx context.Context, a rcm.Actor, in rcm.AuthRequest) (rcm.Authorization, error)
	GetAuthorization(ctx context.Context, a rcm.Actor, id string) (rcm.Authorization, error)
	ListAuthorizations(ctx context.Context, a rcm.Actor, patientID string) ([]rcm.Authorization, error)
	AuthWarnings(ctx context.Context, appt rcm.Appointment, codes []string) ([]string, error)
}

// BookedAppointment answers POST /v1/appointments: the appointment and,
// when the visit's planned procedure codes need a prior authorization the
// patient's payer has not approved for the day, warnings saying so (the
// booking stands).
type BookedAppointment struct {
	rcm.Appointment
	Warnings []string `json:"warnings,omitempty"`
}

// bookingIn is a booking with the procedure codes the visit is planned to
// bill (optional; only the authorization check reads them).
type bookingIn struct {
	rcm.Booking
	ProcedureCodes []string `json:"procedure_codes,omitempty"`
}

// book is POST /v1/appointments.
func (s *Server) book(r *http.Request, a rcm.Actor) (int, any, error) {
	var in bookingIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	var pr rcm.Problems
	for i, c := range in.ProcedureCodes {
		if !rcm.ValidProcedure(c) {
			pr.Add("/procedure_codes/"+strconv.Itoa(i), "must be a CPT or HCPCS code")
		}
	}
	if err := pr.Err(); err != nil {
		return 0, nil, err
	}
	appt, err := s.records.Book(r.Context(), a, in.Booking)
	if err != nil {
		return 0, nil, err
	}
	out := BookedAppointment{Appointment: appt}
	if pa, ok := s.records.(PriorAuths); ok && len(in.ProcedureCodes) > 0 {
		if out.Warnings, err = pa.AuthWarnings(r.Context(), appt, in.ProcedureCodes); err != nil {
			// The appointment is booked: a failed check is reported, not an error.
			out.Warnings = []string{"the prior authorization check could not run; check the payer's rules before the visit"}
		}
	}
	return http.StatusCreated, out, nil
}

// AuthorizationList answers GET /v1/authorizations.
type AuthorizationList struct {
	Items []rcm.Authorization `json:"items"`
}

// mountPriorAuth adds the prior authorization endpoints to the /v1 group
// when the records serve them.
func (s *Server) mountPriorAuth(r chi.Router) {
	pa, ok := s.records.(PriorAuths)
	if !ok {
		return
	}
	r.Get("/v1/payers/{id}/auth-rules", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.AuthRules](http.StatusOK)(pa.GetAuthRules(r.Context(), a, id(r)))
	}))
	r.Put("/v1/payers/{id}/auth-rules", s.handle(rcm.PermPayerWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in rcm.AuthRules
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		if in.Rules == nil {
			return 0, nil, rcm.Problems{{Pointer: "/rules", Detail: "is required (an empty list removes every rule)"}}.Err()
		}
		return one[rcm.AuthRules](http.StatusOK)(pa.PutAuthRules(r.Context(), a, id(r), in))
	}))
	r.Post("/v1/authorizations", s.handle(rcm.PermClaimWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in rcm.AuthRequest
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		return one[rcm.Authorization](http.StatusCreated)(pa.RequestAuthorization(r.Context(), a, in))
	}))
	r.Get("/v1/authorizations", s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		q := &queryReader{r: r}
		patient := q.id("patient_id")
		if err := q.err(); err != nil {
			return 0, nil, err
		}
		items, err := pa.ListAuthorizations(r.Context(), a, patient)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, AuthorizationList{Items: items}, nil
	}))
	r.Get("/v1/authorizations/{id}", s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.Authorization](http.StatusOK)(pa.GetAuthorization(r.Context(), a, id(r)))
	}))
}
