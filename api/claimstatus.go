package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// Staff change a claim's status only through its workflow: both
// POST /v1/claims/{id}/status (a requested status) and
// POST /v1/claims/{id}/decisions (a named decision) send the claim.decide
// update, whose validator checks the decision against the claim's status
// (package rcm) and whose handler answers once the workflow has written the
// new status with the deciding user. The API never writes claims.status.
//
// A claim whose workflow has closed (paid, partially paid, patient billing,
// written off, voided: the final statuses) is over: the answer is 409
// claim-closed naming its status, and no follow-up run is started, because
// no staff decision leads anywhere from a final status. (A lapsed appeal's
// workflow stays open, waiting for the write-off staff expect to make.)

// setClaimStatus answers POST /v1/claims/{id}/status: the requested status
// becomes the decision leading there from the claim's stored status.
func (s *Server) setClaimStatus(r *http.Request, a rcm.Actor) (int, any, error) {
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	to, err := rcm.ParseClaimStatus(in.Status)
	if err != nil {
		return 0, nil, fieldProblem("/status", err.Error())
	}
	if len(in.Reason) > maxDecisionNote {
		return 0, nil, fieldProblem("/reason", fmt.Sprintf("must be at most %d characters", maxDecisionNote))
	}
	ctx := r.Context()
	c, err := s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	dec, err := rcm.DecisionFor(rcm.ClaimStatus(c.Status), to)
	if err != nil {
		return 0, nil, illegalTransition(rcm.ClaimStatus(c.Status), to, err)
	}
	if err := s.decideClaim(ctx, a, c, workflows.Decision{Action: string(dec), Status: string(to), Note: in.Reason, User: a.UserID}); err != nil {
		return 0, nil, err
	}
	return one[rcm.Claim](http.StatusOK)(s.records.GetClaim(ctx, a, c.ID))
}

const maxDecisionNote = 2000

// decideClaim sends the decision to the claim's workflow as the acting user
// (who needs the decision's permission at the claim's organisation) and
// audits it. Refusals are 409 problems naming the reason.
func (s *Server) decideClaim(ctx context.Context, a rcm.Actor, c rcm.Claim, d workflows.Decision) error {
	_, err := s.decideClaimStatus(ctx, a, c, d)
	return err
}

// decideClaimStatus is decideClaim answering the status the workflow wrote.
func (s *Server) decideClaimStatus(ctx context.Context, a rcm.Actor, c rcm.Claim, d workflows.Decision) (string, error) {
	if ok, err := s.records.CanWriteClaim(ctx, a, c.OrgID); err != nil || !ok {
		if err != nil {
			return "", err
		}
		return "", &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "deciding needs the " + rcm.PermClaimWrite + " permission at the claim's organisation"}
	}
	if s.claims == nil {
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "workflows-unavailable", Title: "Workflows unavailable", Detail: "the workflow service is not connected"}
	}
	status, err := s.claims.DecideClaim(ctx, c.ID, d)
	var refused *DecisionRefused
	switch {
	case errors.As(err, &refused):
		return "", &Error{Status: http.StatusConflict, Code: "decision-refused", Title: "Decision refused", Detail: refused.Reason,
			Extra: map[string]any{"claim_status": c.Status, "decision": d.Action}}
	case errors.Is(err, ErrNoWorkflow):
		st := rcm.ClaimStatus(c.Status)
		detail := fmt.Sprintf("the claim's lifecycle is over (status %s): no decision changes it", st)
		if !st.Final() {
			// Not started yet (its outbox intent is on the way), or ended
			// under the workflow version before rcm (a lapsed appeal).
			detail = fmt.Sprintf("the claim (status %s) has no running workflow to apply the decision: it has not started yet, or it ended before decisions on this status were possible", st)
		}
		return "", &Error{Status: http.StatusConflict, Code: "claim-closed", Title: "Claim closed", Detail: detail,
			Extra: map[string]any{"claim_status": c.Status}}
	case err != nil:
		return "", err
	}
	return status, s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionUpdate,
		Resource: "claim_decision", ResourceID: c.ID, Fields: []string{d.Action}})
}

// illegalTransition is the 409 for a status no staff decision reaches.
func illegalTransition(from, to rcm.ClaimStatus, err error) *Error {
	return &Error{Status: http.StatusConflict, Code: "illegal-transition", Title: "Illegal status change", Detail: err.Error(),
		Extra: map[string]any{"claim_status": string(from), "requested_status": string(to)}}
}

func fieldProblem(pointer, detail string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
		Fields: []FieldError{{Pointer: pointer, Detail: detail}}}
}
