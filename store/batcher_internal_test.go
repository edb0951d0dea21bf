package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// testBatcher has one runner and batches of up to 8 ints; many answers
// each value doubled unless it is told to panic, and blocks on gate so a
// test can let a queue form.
func testBatcher(gate chan struct{}, batches *[][]int, mu *sync.Mutex) *batcher[int, int] {
	return &batcher[int, int]{
		limits: func() (int, int) { return 1, 8 },
		fits: func(batch []*call[int, int], c *call[int, int]) bool {
			for _, o := range batch { // equal values never share a batch
				if o.in == c.in {
					return false
				}
			}
			return true
		},
		single: func(ctx context.Context, in int) (int, error) {
			<-gate
			if in < 0 {
				panic("single panicked")
			}
			return 2 * in, nil
		},
		many: func(ctx context.Context, batch []*call[int, int]) {
			<-gate
			var got []int
			for _, c := range batch {
				if c.in == 666 {
					panic("many panicked")
				}
				got = append(got, c.in)
				c.out = 2 * c.in
			}
			mu.Lock()
			*batches = append(*batches, got)
			mu.Unlock()
		},
	}
}

func TestBatcherQueuesBatchesAndWithdraws(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var batches [][]int
	b := testBatcher(gate, &batches, &mu)
	ctx := context.Background()

	// The first call runs at once and holds the only runner on the gate.
	first := make(chan int)
	go func() { v, _ := b.do(ctx, 1); first <- v }()
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.running == 1 })

	// Five more queue: 2, 3, 3 (equal: next batch), 4, and one whose caller gives up.
	type res struct {
		in, out int
		err     error
	}
	results := make(chan res, 8)
	for i, v := range []int{2, 3, 3, 4} {
		go func() { out, err := b.do(ctx, v); results <- res{v, out, err} }()
		waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == i+1 })
	}
	gone, cancel := context.WithCancel(ctx)
	go func() { out, err := b.do(gone, 9); results <- res{9, out, err} }()
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == 5 })
	cancel()
	if r := <-results; r.in != 9 || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("withdrawn call: %+v", r)
	}
	close(gate) // let everything run
	if v := <-first; v != 2 {
		t.Fatalf("first = %d", v)
	}
	for i := 0; i < 4; i++ {
		r := <-results
		if r.err != nil || r.out != 2*r.in {
			t.Fatalf("call %d: %+v", r.in, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != 1 || len(batches[0]) != 3 || batches[0][0] != 2 || batches[0][1] != 3 || batches[0][2] != 4 {
		t.Fatalf("batches %v, want [[2 3 4]] then a lone 3 (run on its own)", batches)
	}
}

func TestBatcherSurvivesPanics(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	var mu sync.Mutex
	var batches [][]int
	b := testBatcher(gate, &batches, &mu)
	ctx := context.Background()
	// A panic on the fast path reaches the caller (the HTTP recoverer
	// answers it) and gives the runner slot back.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("single's panic was swallowed")
			}
		}()
		_, _ = b.do(ctx, -1)
	}()
	if b.running != 0 {
		t.Fatalf("running = %d after a panic, want 0", b.running)
	}
	// A panic in a batch becomes each caller's error, and the batcher
	// goes on working.
	batch := []*call[int, int]{{ctx: ctx, in: 5, done: make(chan struct{})}, {ctx: ctx, in: 666, done: make(chan struct{})}}
	b.runBatch(batch)
	for _, c := range batch {
		<-c.done
		if c.err == nil || !strings.Contains(c.err.Error(), "many panicked") {
			t.Fatalf("call %d: err %v", c.in, c.err)
		}
	}
	if v, err := b.do(ctx, 7); err != nil || v != 14 {
		t.Fatalf("after the panics: %d %v", v, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}
