package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// batcher is group commit for one kind of write. On a small machine most
// of a short write's cost is per transaction (BEGIN, COMMIT and its WAL
// flush, round trips), so concurrent calls queue and a few runners each
// take the waiting calls, oldest first, and write them in one transaction.
// A call that finds a runner free and nothing waiting runs at once on its
// own goroutine (single), so light load pays nothing for batching.
//
// A caller whose context ends while its call still waits withdraws it;
// once a runner holds the call, the caller waits for the outcome (bounded
// by batchTimeout), so an answer never hides a commit.
type batcher[In, Out any] struct {
	// limits answers how many transactions may run at once and the most
	// calls in one; most 1 turns batching off.
	limits func() (runners, most int)
	// fits reports whether c may join batch (nil: always); a call that
	// does not fit waits for a later batch, keeping its place in line.
	fits func(batch []*call[In, Out], c *call[In, Out]) bool
	// single runs one call on its own.
	single func(ctx context.Context, in In) (Out, error)
	// many runs two or more calls, setting each one's out and err; ctx is
	// the batch's own (batchTimeout), not any caller's.
	many func(ctx context.Context, batch []*call[In, Out])

	mu      sync.Mutex
	queue   []*call[In, Out]
	running int
}

type call[In, Out any] struct {
	ctx   context.Context
	in    In
	out   Out
	err   error
	taken bool // a runner holds it: the caller waits for its outcome
	done  chan struct{}
}

// batchTimeout bounds one batch transaction.
const batchTimeout = 30 * time.Second

func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	runners, most := b.limits()
	if most <= 1 {
		return b.single(ctx, in)
	}
	b.mu.Lock()
	if b.running < runners && len(b.queue) == 0 {
		b.running++
		b.mu.Unlock()
		defer b.release(runners) // even if single panics: a lost slot would strand the queue
		return b.single(ctx, in)
	}
	c := &call[In, Out]{ctx: ctx, in: in, done: make(chan struct{})}
	b.queue = append(b.queue, c)
	start := b.running < runners
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.run()
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		b.mu.Lock()
		if !c.taken {
			b.queue = slices.DeleteFunc(b.queue, func(o *call[In, Out]) bool { return o == c })
			b.mu.Unlock()
			var zero Out
			return zero, ctx.Err()
		}
		b.mu.Unlock()
		<-c.done
	}
	return c.out, c.err
}

// release gives back the slot of a call that ran at once, starting a
// runner when calls queued meanwhile.
func (b *batcher[In, Out]) release(runners int) {
	b.mu.Lock()
	b.running--
	start := len(b.queue) > 0 && b.running < runners
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.run()
	}
}

// run takes batches off the queue until it is empty; the caller has
// counted it in running.
func (b *batcher[In, Out]) run() {
	_, most := b.limits()
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		var batch []*call[In, Out]
		rest := b.queue[:0:0]
		for _, c := range b.queue {
			switch {
			case c.ctx.Err() != nil: // the caller has gone: withdraw it
				c.taken, c.err = true, c.ctx.Err()
				close(c.done)
			case len(batch) < most && (b.fits == nil || b.fits(batch, c)):
				c.taken = true
				batch = append(batch, c)
			default:
				rest = append(rest, c)
			}
		}
		b.queue = rest
		b.mu.Unlock()
		if len(batch) > 0 {
			b.runBatch(batch)
		}
	}
}

func (b *batcher[In, Out]) runBatch(batch []*call[In, Out]) {
	defer func() {
		// A runner is no request's goroutine: a panic here would end the
		// process, so it becomes every waiting caller's error instead.
		if v := recover(); v != nil {
			for _, c := range batch {
				c.err = fmt.Errorf("store: batched write failed: %v", v)
			}
		}
		for _, c := range batch {
			close(c.done)
		}
	}()
	if len(batch) == 1 {
		c := batch[0]
		c.out, c.err = b.single(c.ctx, c.in)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	b.many(ctx, batch)
}
