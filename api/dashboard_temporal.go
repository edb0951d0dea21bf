package api

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/workflows"
)

// TemporalClaims implements ClaimWorkflows with a Temporal client. The data
// converter (the payload codec's) decodes the signals read from history.
type TemporalClaims struct {
	Client    client.Client
	Converter converter.DataConverter
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

// ClaimFiles reads the acknowledgment signals of every run of the claim's
// workflow (a resubmission continues as new), oldest first, from history.
func (t TemporalClaims) ClaimFiles(ctx context.Context, claimID string) ([]ClaimFile, error) {
	var runs [][]ClaimFile
	runID := ""
	for range 50 {
		files, prev, err := t.runFiles(ctx, workflows.ClaimIDPrefix+claimID, runID)
		if err != nil {
			if len(runs) > 0 && errors.Is(err, ErrNoWorkflow) {
				break // an older run already deleted by retention
			}
			return nil, err
		}
		runs = append(runs, files)
		if prev == "" {
			break
		}
		runID = prev
	}
	var out []ClaimFile
	for i := len(runs) - 1; i >= 0; i-- {
		out = append(out, runs[i]...)
	}
	return out, nil
}

// runFiles reads one run's acknowledgment signals and the run it
// continued from.
func (t TemporalClaims) runFiles(ctx context.Context, workflowID, runID string) (files []ClaimFile, prev string, err error) {
	it := t.Client.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	dc := t.Converter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	attempt := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				return nil, "", ErrNoWorkflow
			}
			return nil, "", err
		}
		if st := ev.GetWorkflowExecutionStartedEventAttributes(); st != nil {
			prev = st.GetContinuedExecutionRunId()
			if in := st.GetInput().GetPayloads(); len(in) > 0 {
				var ci workflows.ClaimInput
				if dc.FromPayload(in[0], &ci) == nil {
					attempt = ci.Attempt
				}
			}
			continue
		}
		sig := ev.GetWorkflowExecutionSignaledEventAttributes()
		if sig == nil || len(sig.GetInput().GetPayloads()) == 0 {
			continue
		}
		at := ev.GetEventTime().AsTime()
		p := sig.GetInput().GetPayloads()[0]
		switch sig.GetSignalName() {
		case workflows.SignalClaimAck:
			var a activities.AckSignal
			if err := dc.FromPayload(p, &a); err != nil {
				return nil, "", err
			}
			files = append(files, ClaimFile{Kind: a.Source, FileKey: a.FileKey, At: at, Accepted: a.Accepted, Codes: a.Codes, Attempt: attempt})
		case workflows.SignalClaimAck277CA:
			var a activities.ClaimAckSignal
			if err := dc.FromPayload(p, &a); err != nil {
				return nil, "", err
			}
			files = append(files, ClaimFile{Kind: "277CA", FileKey: a.FileKey, At: at, Accepted: a.Accepted, Codes: a.StatusCodes, Attempt: attempt})
		}
	}
	return files, prev, nil
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
