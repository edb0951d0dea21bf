package store

import (
	"context"
	"encoding/json"
	"math"

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

// DispatchOutbox hands up to limit pending intents to start, each in the
// transaction that locks it (other dispatchers skip locked rows), and marks
// it dispatched when start succeeds or records the error when it does not
// (the row is tried again next time). It returns how many were dispatched.
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
		for _, w := range intents {
			if err := start(ctx, w); err != nil {
				msg := err.Error()
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
