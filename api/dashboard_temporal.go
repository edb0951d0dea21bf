package api

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/workflows"
)

// TemporalClaims implements ClaimWorkflows with a Temporal client: the
// claim's state by query, staff decisions by update. The claim's files are
// read from Postgres (claim_events), never from workflow history.
type TemporalClaims struct {
	Client client.Client
}

// ClaimState queries the claim's workflow (its latest run).
func (t TemporalClaims) ClaimState(ctx context.Context, claimID string) (workflows.ClaimState, error) {
	var st workflows.ClaimState
	v, err := t.Client.QueryWorkflow(ctx, workflows.ClaimIDPrefix+claimID, "", workflows.QueryClaimState)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, ErrNoWorkflow
		}
		return st, err
	}
	return st, v.Get(&st)
}

// DecideClaim sends the decision as an update and waits for its result.
func (t TemporalClaims) DecideClaim(ctx context.Context, claimID string, d workflows.Decision) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ClaimIDPrefix + claimID,
		UpdateName: workflows.UpdateClaimDecide, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{d}})
	var status string
	if err == nil {
		err = h.Get(ctx, &status)
	}
	var nf *serviceerror.NotFound
	var ae *temporal.ApplicationError
	switch {
	case err == nil:
		return status, nil
	case errors.As(err, &nf):
		return "", ErrNoWorkflow
	case errors.As(err, &ae):
		return "", &DecisionRefused{Reason: ae.Message()}
	}
	return "", err
}
