package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// refused reports whether err is a refusal a tenant boundary or a role
// produces: a record the caller may not see (404, answered exactly as for
// an ID that names nothing) or may not act on (403).
func refused(err error) bool {
	var ae *Error
	return errors.Is(err, rcm.ErrNotFound) || errors.Is(err, rcm.ErrNoClaimWrite) ||
		errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusForbidden)
}

// auditRefusal records a refused request in the caller's organisation
// (issue 14: denied cross-organisation attempts are audited). The answer
// the caller gets does not change, and made-up IDs are audited as other
// tenants' are, so neither the answer nor its timing tells them apart.
func (s *Server) auditRefusal(r *http.Request, a rcm.Actor) {
	route := r.Method + " "
	if rc := chi.RouteContext(r.Context()); rc != nil {
		route += rc.RoutePattern()
	}
	id := chi.URLParam(r, "id")
	if t := chi.URLParam(r, "token_id"); t != "" {
		id = t
	}
	if err := s.records.AuditDenial(context.WithoutCancel(r.Context()), a, route, id); err != nil {
		s.log.ErrorContext(r.Context(), "audit a refused request", "err", err.Error(), "route", route)
	}
}
