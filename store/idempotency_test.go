package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// TestConcurrentIdempotencyKeys: 40 keys, each sent three times at once
// (twice with the same request, once with a different body). Whatever the
// batching of the claims, each key is claimed exactly once, a repeat
// answers "in progress" and a different body "reused"; after the
// responses are stored (concurrently too), every key replays its own.
func TestConcurrentIdempotencyKeys(t *testing.T) {
	f := newFixture(t)
	f.s.UseBookingBatches(store.BookingBatches{Runners: 1}) // the rest queue and batch
	ctx := context.Background()
	const keys = 40
	type result struct {
		key    int
		same   bool
		stored *store.StoredResponse
		err    error
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	for k := 0; k < keys; k++ {
		for _, body := range []string{"a", "a", "b"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stored, err := f.s.BeginIdempotent(ctx, f.deskA, fmt.Sprint("key-", k), []byte(fmt.Sprint(k, body)))
				mu.Lock()
				results = append(results, result{k, body == "a", stored, err})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	claimedBy := map[int]bool{} // key -> claimed by an "a" request
	claims := map[int]int{}
	for _, r := range results {
		switch {
		case r.err == nil && r.stored == nil:
			claims[r.key]++
			claimedBy[r.key] = r.same
		case errors.Is(r.err, store.ErrInProgress), errors.Is(r.err, store.ErrIdempotencyBody):
		default:
			t.Fatalf("key %d: %+v %v", r.key, r.stored, r.err)
		}
	}
	for k := 0; k < keys; k++ {
		if claims[k] != 1 {
			t.Fatalf("key %d claimed %d times, want once", k, claims[k])
		}
	}
	for k := 0; k < keys; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.s.FinishIdempotent(ctx, f.deskA.UserID, fmt.Sprint("key-", k), store.StoredResponse{Status: 201, Body: []byte(fmt.Sprintf(`{"n":%d}`, k))}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for k := 0; k < keys; k++ {
		body := "a"
		if !claimedBy[k] {
			body = "b"
		}
		stored, err := f.s.BeginIdempotent(ctx, f.deskA, fmt.Sprint("key-", k), []byte(fmt.Sprint(k, body)))
		if err != nil || stored == nil || stored.Status != 201 || string(stored.Body) != fmt.Sprintf(`{"n":%d}`, k) {
			t.Fatalf("replay of key %d: %+v %v", k, stored, err)
		}
	}
}
