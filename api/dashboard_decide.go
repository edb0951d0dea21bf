package api

import (
	"fmt"
	"net/http"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// Decision request and answer.
type decisionIn struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

// DecisionOut is the accepted decision.
type DecisionOut struct {
	ClaimID string `json:"claim_id"`
	Action  string `json:"action"`
	Status  string `json:"status"`
}

// decide sends the staff decision to the claim's workflow as the acting
// user; the validator's refusal is a 409 problem.
func (h *dashboard) decide(r *http.Request, a rcm.Actor) (int, any, error) {
	var in decisionIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if !rcm.Decision(in.Action).Valid() {
		return 0, nil, fieldProblem("/action", (&rcm.UnknownDecisionError{Decision: in.Action}).Error())
	}
	if len(in.Note) > maxDecisionNote {
		return 0, nil, fieldProblem("/note", fmt.Sprintf("must be at most %d characters", maxDecisionNote))
	}
	ctx := r.Context()
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if err := h.s.decideClaim(ctx, a, c, workflows.Decision{Action: in.Action, Note: in.Note, User: a.UserID}); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, DecisionOut{ClaimID: c.ID, Action: in.Action, Status: "accepted"}, nil
}
