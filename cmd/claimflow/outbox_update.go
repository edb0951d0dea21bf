package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/store"
)

// dispatchUpdate sends the workflow update an outbox row asks for (kind
// "update": signal_name is the update's name, signal_input its argument)
// and waits for its answer. Issue 19 writes these when staff record a
// provider's enrollment approval: each claim held for it is resubmitted
// through its workflow's staff decision. A workflow that no longer exists,
// or refuses the update because the claim moved on (staff resubmitted,
// voided or wrote it off meanwhile), has nothing left to do; a refusal
// because another decision is being applied is tried again.
func (m *Main) dispatchUpdate(ctx context.Context, w store.WorkflowIntent) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h, err := m.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: w.WorkflowID, UpdateName: w.SignalName,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{w.SignalInput}})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &nf):
		return nil
	case errors.As(err, &app) && !strings.Contains(app.Error(), "already being applied"):
		m.Log.Info("outbox update refused: nothing left to do", "workflow", w.WorkflowID, "update", w.SignalName, "reason", app.Error())
		return nil
	}
	return err
}
