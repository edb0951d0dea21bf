package api

import (
	"errors"
	"net/http"

	"github.com/claimflow/claimflow/rcm"
)

// The claim editor: POST /v1/claims/{id}/versions stores a staff
// correction (diagnoses, charges, member ID, rendering provider) as the
// claim's next version while the claim waits for a correction
// (needs_correction, rejected, scrub_failed); the next attempt's 837 is
// built from it once staff decide correct or resubmit
// (POST /v1/claims/{id}/decisions). GET lists every version with the
// editor's name and note.

// editClaim answers POST /v1/claims/{id}/versions.
func (s *Server) editClaim(r *http.Request, a rcm.Actor) (int, any, error) {
	var in rcm.ClaimEdit
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := s.records.EditClaim(r.Context(), a, id(r), in)
	var nc *rcm.NotCorrectableError
	if errors.As(err, &nc) {
		return 0, nil, &Error{Status: http.StatusConflict, Code: "claim-not-correctable", Title: "Claim not correctable", Detail: nc.Error(),
			Extra: map[string]any{"claim_status": string(nc.Status)}}
	}
	return one[rcm.ClaimVersion](http.StatusCreated)(v, err)
}

// listClaimVersions answers GET /v1/claims/{id}/versions.
func (s *Server) listClaimVersions(r *http.Request, a rcm.Actor) (int, any, error) {
	vs, err := s.records.ListClaimVersions(r.Context(), a, id(r))
	return list(vs, "", err)
}
