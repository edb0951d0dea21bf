package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// TestDispatchOutboxConcurrentInOrder: intents of different workflows are
// started at the same time, those of one workflow in their order, and a
// workflow whose start failed gets no signal until the start succeeds.
func TestDispatchOutboxConcurrentInOrder(t *testing.T) {
	s, _ := testenv.Store(t)
	ctx := context.Background()
	const workflows = 12
	for i := range workflows {
		id := fmt.Sprintf("test/%d", i)
		if _, err := s.Pool.Exec(ctx, `INSERT INTO workflow_outbox (workflow_type, workflow_id, input) VALUES ('Test', $1, '{}')`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool.Exec(ctx, `INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input) VALUES ('Test', $1, '{}', 'signal', 'poke', '{}')`, id); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string][]string{}
	var now, most atomic.Int64
	failStart := "test/3"
	start := func(_ context.Context, w store.WorkflowIntent) error {
		n := now.Add(1)
		defer now.Add(-1)
		mu.Lock()
		if n > most.Load() {
			most.Store(n)
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // a round trip to Temporal
		mu.Lock()
		defer mu.Unlock()
		seen[w.WorkflowID] = append(seen[w.WorkflowID], w.Kind)
		if w.WorkflowID == failStart && w.Kind == "start" {
			return errors.New("temporal unavailable")
		}
		return nil
	}
	n, err := s.DispatchOutbox(ctx, 100, start)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n, 2*workflows-2; got != want {
		t.Errorf("dispatched %d, want %d (all but the failed workflow's two)", got, want)
	}
	if most.Load() < 2 {
		t.Errorf("at most %d starts at once, want them concurrent", most.Load())
	}
	for i := range workflows {
		id := fmt.Sprintf("test/%d", i)
		want := "[start signal]"
		if id == failStart {
			want = "[start]" // its signal waits for the start
		}
		if got := fmt.Sprint(seen[id]); got != want {
			t.Errorf("%s: calls %s, want %s", id, got, want)
		}
	}
	var failed int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM workflow_outbox WHERE dispatched_at IS NULL AND attempts = 1 AND last_error = 'temporal unavailable'`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 2 {
		t.Errorf("%d rows left pending with the error, want 2", failed)
	}

	// Next time both go, in order.
	failStart = ""
	seen = map[string][]string{}
	if n, err := s.DispatchOutbox(ctx, 100, start); err != nil || n != 2 {
		t.Fatalf("second dispatch: %d, %v; want 2", n, err)
	}
	if got := fmt.Sprint(seen["test/3"]); got != "[start signal]" {
		t.Errorf("retry: calls %s, want [start signal]", got)
	}
}
