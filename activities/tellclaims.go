package activities

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
)

// Signals to claim workflows sent from an activity through the worker's
// client (issue 20, "Throughput near the ceiling"): a SignalExternal
// command per claim cost the batch and remittance workflows two history
// events and about half a workflow task each (measured: 3.6 and 2.7 events
// and 0.51 and 0.23 workflow tasks per claim), and signalled their claims
// one workflow task at a time. A retried activity may signal a claim
// twice: the claim workflow ignores a submitted signal of a batch it was
// told of, and a payment of a file and trace it was told of.

// signalClaimSubmitted and signalClaimRemit mirror the workflows package's.
const (
	signalClaimSubmitted = "claim.submitted"
	signalClaimRemit     = "claim.remit"
)

// SubmittedSignal tells a claim workflow which 837 carried it.
type SubmittedSignal struct {
	BatchID            string
	InterchangeControl string // ISA13
	GroupControl       string // GS06
	TransactionControl string // ST02
}

// TellResult counts the claims told.
type TellResult struct {
	Claims    int // claims to tell
	Signalled int // claim workflows told
	NotFound  int // no running workflow (ended: written off, resubmitted...)
	// NotFoundIDs names the claims with no running workflow (for the log).
	NotFoundIDs []string
}

// ClaimSignaller is the part of the Temporal client telling uses; nil in
// Activities means the worker's (activity.GetClient).
type ClaimSignaller interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// tellInFlight is how many signals one activity has in flight.
const tellInFlight = 16

func (a *Activities) tell(ctx context.Context, n int, signal func(i int) (claimID string, name string, arg any)) (TellResult, error) {
	c := a.Signaller
	if c == nil {
		c = activity.GetClient(ctx)
	}
	res := TellResult{Claims: n}
	var next, signalled atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(tellInFlight, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				id, name, arg := signal(i)
				err := c.SignalWorkflow(ctx, claimIDPrefix+id, "", name, arg)
				var nf *serviceerror.NotFound
				switch {
				case err == nil:
					signalled.Add(1)
				case errors.As(err, &nf):
					mu.Lock()
					res.NotFoundIDs = append(res.NotFoundIDs, id)
					mu.Unlock()
				default:
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	res.Signalled, res.NotFound = int(signalled.Load()), len(res.NotFoundIDs)
	return res, first
}

// TellClaimsSubmitted signals each claim of the uploaded batches which 837
// carried it.
func (a *Activities) TellClaimsSubmitted(ctx context.Context, batches []Batch) (TellResult, error) {
	type one struct {
		id  string
		sig SubmittedSignal
	}
	var all []one
	for _, b := range batches {
		for _, c := range b.Claims {
			all = append(all, one{c.ClaimID, SubmittedSignal{BatchID: b.BatchID, InterchangeControl: b.InterchangeControl,
				GroupControl: b.GroupControl, TransactionControl: c.TransactionControl}})
		}
	}
	return a.tell(ctx, len(all), func(i int) (string, string, any) { return all[i].id, signalClaimSubmitted, all[i].sig })
}

// TellClaimsPaid signals each claim its posted payment.
func (a *Activities) TellClaimsPaid(ctx context.Context, pays []ClaimPayment) (TellResult, error) {
	return a.tell(ctx, len(pays), func(i int) (string, string, any) { return pays[i].ClaimID, signalClaimRemit, pays[i] })
}
