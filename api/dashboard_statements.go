package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// StatementRecords are the patient statements staff review and release
// (package store's *Store provides them).
type StatementRecords interface {
	// StatementsAwaitingRelease lists the actor's organisations' statements
	// not yet released, oldest first (audited).
	StatementsAwaitingRelease(ctx context.Context, a rcm.Actor) ([]rcm.StatementView, error)
	// AuthorizeStatementRelease answers rcm.ErrNotFound unless the actor
	// holds claim:write where the statement is, and audits the release.
	AuthorizeStatementRelease(ctx context.Context, a rcm.Actor, id string) (rcm.StatementView, error)
}

// StatementWorkflows releases statements (workflow statement/<id>).
type StatementWorkflows interface {
	// ReleaseStatement sends UpdateStatementRelease and waits for it; a
	// statement without a running workflow is ErrNoWorkflow.
	ReleaseStatement(ctx context.Context, statementID, by string) error
}

// ReleaseStatement implements StatementWorkflows.
func (t TemporalClaims) ReleaseStatement(ctx context.Context, statementID, by string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.StatementIDPrefix + statementID,
		UpdateName: workflows.UpdateStatementRelease, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.ReleaseRequest{By: by}}})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ErrNoWorkflow
	}
	return err
}

// StatementOut is a statement awaiting release as the dashboard lists it:
// what the patient will see, and the claim it comes from.
type StatementOut struct {
	ID           string    `json:"id"`
	ClaimID      string    `json:"claim_id,omitempty"`
	PatientID    string    `json:"patient_id"`
	PracticeName string    `json:"practice_name"`
	ServiceDates []string  `json:"service_dates"`
	AmountCents  int64     `json:"amount_cents"`
	CreatedAt    time.Time `json:"created_at"`
}

func statementOut(v rcm.StatementView) StatementOut {
	o := StatementOut{ID: v.ID, PatientID: v.PatientID, PracticeName: v.PracticeName, AmountCents: v.AmountCents,
		CreatedAt: v.CreatedAt, ServiceDates: []string{}}
	if len(v.ID) > 36 && v.ID[36] == '-' {
		o.ClaimID = v.ID[:36]
	}
	for _, d := range v.ServiceDates {
		o.ServiceDates = append(o.ServiceDates, d.Format(time.DateOnly))
	}
	return o
}

// statementsAwaiting lists the statements staff have not released.
func (h *dashboard) statementsAwaiting(r *http.Request, a rcm.Actor) (int, any, error) {
	vs, err := h.s.records.StatementsAwaitingRelease(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	out := make([]StatementOut, len(vs))
	for i, v := range vs {
		out[i] = statementOut(v)
	}
	return http.StatusOK, List[StatementOut]{Items: out}, nil
}

// releaseStatement is staff's "review and release": the statement
// workflow then creates the payment intent and emails the patient. A
// second release answers the same.
func (h *dashboard) releaseStatement(r *http.Request, a rcm.Actor) (int, any, error) {
	ctx := r.Context()
	v, err := h.s.records.AuthorizeStatementRelease(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if h.d.Statements == nil {
		return 0, nil, &Error{Status: http.StatusConflict, Code: "workflows-unavailable", Title: "Workflows unavailable", Detail: "the workflow service is not connected"}
	}
	switch err := h.d.Statements.ReleaseStatement(ctx, v.ID, a.UserID); {
	case errors.Is(err, ErrNoWorkflow):
		return 0, nil, &Error{Status: http.StatusConflict, Code: "release-refused", Title: "Release refused", Detail: "the statement's workflow is not running"}
	case err != nil:
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"id": v.ID, "status": "released"}, nil
}
