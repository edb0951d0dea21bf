package store

import (
	"context"
	"encoding/json"
	"math"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// WorkflowIntent is one outbox row: a workflow to start, or a signal to
// send (Kind "signal"), or both (Kind "signal_with_start").
type WorkflowIntent struct {
	ID           int64
	WorkflowType string
	WorkflowID   string
	Input        map[string]any
	Kind         string // start, signal, signal_with_start
	SignalName   string
	SignalInput  map[string]any
}

// dispatchConcurrency is how many intents DispatchOutbox hands to start at
// once. Each start is a round trip to Temporal; one at a time capped claim
// intake at about one workflow per round trip (issue 20: 300 claims waited
// 36 s on average before their workflow began, on a loaded machine).
const dispatchConcurrency = 16

// DispatchOutbox hands up to limit pending intents to start, in the
// transaction that locks them (other dispatchers skip locked rows), and
// marks each dispatched when start succeeds or records the error when it
// does not (the row is tried again next time). It returns how many were
// dispatched. Intents for different workflows are started concurrently
// (up to dispatchConcurrency); those for one workflow ID in their order
// (a start before the signal that follows it).
func (s *Store) DispatchOutbox(ctx context.Context, limit int, start func(context.Context, WorkflowIntent) error) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		pending, err := db.PendingOutbox(ctx, int32(min(limit, math.MaxInt32)))
		if err != nil {
			return err
		}
		intents := make([]WorkflowIntent, len(pending))
		for i, p := range pending {
			w := WorkflowIntent{ID: p.ID, WorkflowType: p.WorkflowType, WorkflowID: p.WorkflowID, Kind: p.Kind, SignalName: p.SignalName}
			if err := json.Unmarshal(p.Input, &w.Input); err != nil {
				return err
			}
			if err := json.Unmarshal(p.SignalInput, &w.SignalInput); err != nil {
				return err
			}
			intents[i] = w
		}
		errs := startConcurrently(ctx, intents, start)
		// The transaction is one connection: rows are marked one by one,
		// after the starts.
		for i, w := range intents {
			if errs[i] != nil {
				msg := errs[i].Error()
				if len(msg) > 500 {
					msg = msg[:500]
				}
				if err := db.MarkOutboxFailed(ctx, pgq.MarkOutboxFailedParams{ID: w.ID, LastError: msg}); err != nil {
					return err
				}
				continue
			}
			if err := db.MarkOutboxDispatched(ctx, w.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// startConcurrently calls start for every intent and returns each one's
// error: intents of one workflow ID in order, in one goroutine, and up to
// dispatchConcurrency workflow IDs at a time. Once an intent of a workflow
// fails, the later ones of that workflow are not tried (they fail with the
// same error and are retried in order next time).
func startConcurrently(ctx context.Context, intents []WorkflowIntent, start func(context.Context, WorkflowIntent) error) []error {
	errs := make([]error, len(intents))
	var order []string
	groups := map[string][]int{}
	for i, w := range intents {
		if _, ok := groups[w.WorkflowID]; !ok {
			order = append(order, w.WorkflowID)
		}
		groups[w.WorkflowID] = append(groups[w.WorkflowID], i)
	}
	sem := make(chan struct{}, dispatchConcurrency)
	var wg sync.WaitGroup
	for _, id := range order {
		idx := groups[id]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var failed error
			for _, i := range idx {
				if failed != nil {
					errs[i] = failed
					continue
				}
				if err := start(ctx, intents[i]); err != nil {
					errs[i], failed = err, err
				}
			}
		}()
	}
	wg.Wait()
	return errs
}
