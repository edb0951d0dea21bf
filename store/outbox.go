package store

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
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
		rows, err := tx.Query(ctx, q("PendingOutbox"), limit)
		if err != nil {
			return err
		}
		var intents []WorkflowIntent
		for rows.Next() {
			var w WorkflowIntent
			var raw, sig []byte
			if err := rows.Scan(&w.ID, &w.WorkflowType, &w.WorkflowID, &raw, &w.Kind, &w.SignalName, &sig); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal(raw, &w.Input); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal(sig, &w.SignalInput); err != nil {
				rows.Close()
				return err
			}
			intents = append(intents, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, w := range intents {
			if err := start(ctx, w); err != nil {
				msg := err.Error()
				if len(msg) > 500 {
					msg = msg[:500]
				}
				if _, err := tx.Exec(ctx, q("MarkOutboxFailed"), w.ID, msg); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, q("MarkOutboxDispatched"), w.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
