package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Payer enrollment (issue 16; the ground for issue 19): per provider,
// payer and transaction, read and set per organisation.

// Enrollments is the store's payer enrollment.
type Enrollments interface {
	ListEnrollments(ctx context.Context, a rcm.Actor, orgID string) ([]rcm.Enrollment, error)
	PutEnrollment(ctx context.Context, a rcm.Actor, orgID string, in rcm.EnrollmentSet) (rcm.Enrollment, error)
}

// EnrollmentList answers GET /v1/orgs/{id}/enrollments.
type EnrollmentList struct {
	Items []rcm.Enrollment `json:"items"`
	// KnownClearinghouses are the ones an enrollment may name (empty when
	// this server is not configured with any: then none is checked).
	KnownClearinghouses []string `json:"known_clearinghouses"`
}

// mountEnrollment adds the enrollment endpoints to the /v1 group.
func (s *Server) mountEnrollment(r chi.Router) {
	r.Get("/v1/orgs/{id}/enrollments", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		items, err := s.records.ListEnrollments(r.Context(), a, id(r))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, EnrollmentList{Items: items, KnownClearinghouses: s.knownClearinghouses()}, nil
	}))
	r.Put("/v1/orgs/{id}/enrollments", s.handle(rcm.PermPayerWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in rcm.EnrollmentSet
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		// The clearinghouse must be one this installation is configured
		// with, as a payer's route must (checkClearinghouse).
		if err := in.Validate(s.clearinghouses); err != nil {
			return 0, nil, err
		}
		return one[rcm.Enrollment](http.StatusOK)(s.records.PutEnrollment(r.Context(), a, id(r), in))
	}))
}
