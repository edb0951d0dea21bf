package sim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Faults switches on misbehaviour, each as a probability between 0 and 1.
// The zero value is a well-behaved clearinghouse.
type Faults struct {
	// Drop closes the client's connection on an SFTP request (half the
	// time before doing the operation, half after it, so the reply is lost)
	// or an HTTP request (before or after answering).
	Drop float64
	// Slow delays a request by up to SlowBy.
	Slow   float64
	SlowBy time.Duration
	// Duplicate delivers a response file twice, under two names.
	Duplicate float64
	// Malformed corrupts a response file (truncated, no IEA) or an HTTP
	// response body.
	Malformed float64
	// Reorder holds response files back and releases them in shuffled order
	// once this many are waiting, ReorderWait after the first one was held,
	// or on Flush; 0 or 1 delivers in order.
	Reorder     int
	ReorderWait time.Duration // default 250ms
	// Seed makes the fault sequence repeatable (0: random).
	Seed uint64
}

type dice struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newDice(seed uint64) *dice {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &dice{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (d *dice) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.Float64() < p
}

func (d *dice) n(limit int64) int64 {
	if limit <= 0 {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.Int64N(limit)
}

func (d *dice) shuffle(n int, swap func(i, j int)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.r.Shuffle(n, swap)
}

// Counts tells how many faults were injected.
type Counts struct {
	Drops, Slows, Duplicates, Malformed, Reordered int64
}
