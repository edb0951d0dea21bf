package api

import (
	"errors"
	"net/http"
	"slices"

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
	valid := []string{workflows.ActionResubmit, workflows.ActionCorrect, workflows.ActionAppeal, workflows.ActionWriteOff}
	if !slices.Contains(valid, in.Action) {
		return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
			Fields: []FieldError{{Pointer: "/action", Detail: "must be resubmit, correct, appeal or write_off"}}}
	}
	if len(in.Note) > 2000 {
		return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
			Fields: []FieldError{{Pointer: "/note", Detail: "must be at most 2000 characters"}}}
	}
	ctx := r.Context()
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if ok, err := h.s.records.CanWriteClaim(ctx, a, c.OrgID); err != nil || !ok {
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "deciding needs the claim:write permission at the claim's organisation"}
	}
	if h.d.Workflows == nil {
		return 0, nil, &Error{Status: http.StatusServiceUnavailable, Code: "workflows-unavailable", Title: "Workflows unavailable", Detail: "the workflow service is not connected"}
	}
	_, err = h.d.Workflows.DecideClaim(ctx, c.ID, workflows.Decision{Action: in.Action, Note: in.Note, User: a.UserID})
	var refused *DecisionRefused
	switch {
	case errors.As(err, &refused):
		return 0, nil, &Error{Status: http.StatusConflict, Code: "decision-refused", Title: "Decision refused", Detail: refused.Reason}
	case errors.Is(err, ErrNoWorkflow):
		return 0, nil, &Error{Status: http.StatusConflict, Code: "decision-refused", Title: "Decision refused", Detail: "the claim's workflow is not running"}
	case err != nil:
		return 0, nil, err
	}
	if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionUpdate,
		Resource: "claim_decision", ResourceID: c.ID, Fields: []string{in.Action}}); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, DecisionOut{ClaimID: c.ID, Action: in.Action, Status: "accepted"}, nil
}
