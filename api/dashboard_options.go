package api

import (
	"context"
	"errors"

	"github.com/claimflow/claimflow/workflows"
)

// Dashboard holds what the billing dashboard's endpoints need beyond the
// records store: the claim workflows (query and update), the EDI archive,
// and where the Temporal UI is for links. MountDashboard adds the routes.
type Dashboard struct {
	Workflows ClaimWorkflows
	Archive   EDIArchive
	// Statements releases reviewed patient statements.
	Statements StatementWorkflows
	// TemporalUIURL and Namespace build each claim's workflow link.
	TemporalUIURL string
	Namespace     string
	// Runs starts the batch and inbound schedules now ("Submit now",
	// "Check status now"); those routes answer 503 without it.
	Runs Runs
}

// ClaimWorkflows reads and steers claim workflows (workflow ID
// claim/<claim-id>).
type ClaimWorkflows interface {
	// ClaimState answers the QueryClaimState query.
	ClaimState(ctx context.Context, claimID string) (workflows.ClaimState, error)
	// DecideClaim sends UpdateClaimDecide and waits for it to complete. A
	// refusal by the workflow's validator is a *DecisionRefused; a claim
	// without a running workflow is ErrNoWorkflow.
	DecideClaim(ctx context.Context, claimID string, d workflows.Decision) (string, error)
}

// EDIArchive reads archived EDI files by key (archive.Archive.Get).
type EDIArchive interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// ArchiveFunc adapts a function to EDIArchive.
type ArchiveFunc func(ctx context.Context, key string) ([]byte, error)

// Get calls f.
func (f ArchiveFunc) Get(ctx context.Context, key string) ([]byte, error) { return f(ctx, key) }

// DecisionRefused is the workflow validator's refusal of a decision.
type DecisionRefused struct{ Reason string }

func (e *DecisionRefused) Error() string { return "decision refused: " + e.Reason }

// ErrNoWorkflow: the claim has no running workflow to decide on.
var ErrNoWorkflow = errors.New("the claim has no running workflow")
