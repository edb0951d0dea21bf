package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Booking is the hottest write path, and on a small machine most of its
// cost is per transaction, not per row: BEGIN, the audit chain head (lock,
// update), the WAL flush at COMMIT, and the round trips. Concurrent Book
// calls therefore queue, and a few runners each take the waiting bookings
// (oldest first) and book them together in one transaction:
//
//	round trip 1: BEGIN; per booking its scope, availability and the first
//	              clash with an existing appointment; one audit chain head;
//	round trip 2: per booking that passed, its insert; their audit rows
//	              (each with its own caller's actor, address and request ID);
//	              the head; COMMIT.
//
// Each caller gets its own answer: a booking that fails a check (scope,
// availability, a clash) is left out of the transaction with its error.
// Bookings of one batch that overlap each other go to the next batch, so
// the later one sees the earlier one. Postgres still enforces the
// exclusion constraint: when a batch's transaction fails (a booking raced
// by another transaction, a lost connection), every booking in it is
// retried on its own, with exactly the single-booking semantics. A lone
// booking (no queue) takes that single path directly, so light load pays
// no batching at all.
//
// Inserts within a batch go in (provider, start) order, so two batches
// that wait on each other's uncommitted slots cannot deadlock.

// BookingBatches tunes the batching of concurrent bookings.
type BookingBatches struct {
	// Runners is how many booking transactions may run at once (default a
	// quarter of the pool's connections, 1 to 8).
	Runners int
	// Max is the most bookings in one transaction (default 32); 1 turns
	// batching off.
	Max int
}

// UseBookingBatches sets how concurrent bookings are batched. Call it
// before the store serves requests.
func (s *Store) UseBookingBatches(b BookingBatches) { s.bookings.conf = b }

type bookingQueue struct {
	conf    BookingBatches
	mu      sync.Mutex
	queue   []*bookRequest
	running int

	transactions, bookings, fallbacks, largest atomic.Int64
}

// BookingStats counts what the booking path did since the store opened
// (the API exports them as Prometheus counters).
type BookingStats struct {
	// Transactions is how many booking transactions ran (batches and
	// single bookings, retries included); Bookings how many bookings they
	// carried.
	Transactions, Bookings int64
	// Fallbacks is how many batch transactions failed as a whole, their
	// bookings then retried one by one.
	Fallbacks int64
	// Largest is the most bookings one transaction carried.
	Largest int64
}

// BookingStats reports the booking path's counters.
func (s *Store) BookingStats() BookingStats {
	q := &s.bookings
	return BookingStats{Transactions: q.transactions.Load(), Bookings: q.bookings.Load(), Fallbacks: q.fallbacks.Load(), Largest: q.largest.Load()}
}

func (q *bookingQueue) count(n int) {
	q.transactions.Add(1)
	q.bookings.Add(int64(n))
	for {
		l := q.largest.Load()
		if int64(n) <= l || q.largest.CompareAndSwap(l, int64(n)) {
			return
		}
	}
}

type bookRequest struct {
	ctx   context.Context
	a     Actor
	x     Appointment
	taken bool // a runner has it: the caller must wait for its outcome
	err   error
	done  chan struct{}
}

// bookingLimits resolves the defaults: a quarter of the pool's connections
// as runners (1 to 8), so batches never crowd out other queries, and 32
// bookings a batch.
func (s *Store) bookingLimits() (runners, most int) {
	runners, most = s.bookings.conf.Runners, s.bookings.conf.Max
	if runners <= 0 {
		runners = min(max(int(s.Pool.Config().MaxConns)/4, 1), 8)
	}
	if most <= 0 {
		most = 32
	}
	return runners, most
}

// bookQueued queues one booking and waits for its outcome. A caller whose
// context ends while the booking still waits in the queue withdraws it;
// once a runner holds it, the caller waits for the transaction's outcome
// (bounded by bookBatchTimeout), so an answer never hides a commit.
func (s *Store) bookQueued(ctx context.Context, a Actor, x Appointment) (Appointment, error) {
	q := &s.bookings
	runners, most := s.bookingLimits()
	if most == 1 {
		return s.bookOne(ctx, a, x)
	}
	r := &bookRequest{ctx: ctx, a: a, x: x, done: make(chan struct{})}
	q.mu.Lock()
	if q.running < runners && len(q.queue) == 0 {
		// Nothing waits: book at once on the caller's goroutine, holding a
		// runner slot so queued bookings know the transactions in flight.
		q.running++
		q.mu.Unlock()
		x, err := s.bookOne(ctx, a, x)
		q.mu.Lock()
		q.running--
		start := len(q.queue) > 0 && q.running < runners
		if start {
			q.running++
		}
		q.mu.Unlock()
		if start {
			go s.runBookings()
		}
		return x, err
	}
	q.queue = append(q.queue, r)
	start := q.running < runners
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go s.runBookings()
	}
	select {
	case <-r.done:
		return r.x, r.err
	case <-ctx.Done():
		q.mu.Lock()
		if !r.taken {
			q.queue = slices.DeleteFunc(q.queue, func(o *bookRequest) bool { return o == r })
			q.mu.Unlock()
			return Appointment{}, ctx.Err()
		}
		q.mu.Unlock()
		<-r.done
		return r.x, r.err
	}
}

// bookBatchTimeout bounds one batch transaction; it does not follow any
// one caller's context, since it books for all of them.
const bookBatchTimeout = 30 * time.Second

// runBookings takes batches off the queue until it is empty. The caller
// has counted it in running.
func (s *Store) runBookings() {
	q := &s.bookings
	_, most := s.bookingLimits()
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		var batch []*bookRequest
		rest := q.queue[:0:0]
		for _, r := range q.queue {
			switch {
			case r.ctx.Err() != nil: // the caller has gone: withdraw it
				r.taken, r.err = true, r.ctx.Err()
				close(r.done)
			case len(batch) < most && !overlapsAny(batch, r):
				r.taken = true
				batch = append(batch, r)
			default:
				rest = append(rest, r)
			}
		}
		q.queue = rest
		q.mu.Unlock()
		if len(batch) > 0 {
			s.bookBatch(batch)
		}
	}
}

// overlapsAny reports whether r's slot overlaps a booking of the same
// provider already in the batch.
func overlapsAny(batch []*bookRequest, r *bookRequest) bool {
	for _, o := range batch {
		if o.x.ProviderID == r.x.ProviderID && o.x.StartsAt.Before(r.x.EndsAt) && r.x.StartsAt.Before(o.x.EndsAt) {
			return true
		}
	}
	return false
}

func (s *Store) bookBatch(batch []*bookRequest) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	if len(batch) == 1 {
		r := batch[0]
		r.x, r.err = s.bookOne(r.ctx, r.a, r.x)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), bookBatchTimeout)
	defer cancel()
	slices.SortFunc(batch, func(a, b *bookRequest) int {
		if a.x.ProviderID != b.x.ProviderID {
			if a.x.ProviderID < b.x.ProviderID {
				return -1
			}
			return 1
		}
		return a.x.StartsAt.Compare(b.x.StartsAt)
	})
	type outcome struct {
		checks               bookingChecks
		clash                bool
		clashStart, clashEnd time.Time
		err                  error
	}
	out := make([]outcome, len(batch))
	var head auditHead
	err := s.pipelined(ctx, func(conn *pgxpool.Conn) (*pgx.Batch, error) {
		b1 := &pgx.Batch{}
		b1.Queue("BEGIN")
		for i, r := range batch {
			o := &out[i]
			o.checks.queueScope(b1, r.a, &r.x)
			b1.Queue(q("FindClash"), r.x.ProviderID, r.x.StartsAt, r.x.EndsAt).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					if err := rows.Scan(&o.clashStart, &o.clashEnd); err != nil {
						return err
					}
					o.clash = true
				}
				return rows.Err()
			})
		}
		head.queueLock(b1)
		if err := conn.SendBatch(ctx, b1).Close(); err != nil {
			return nil, err
		}
		b2 := &pgx.Batch{}
		var entries []AuditEntry
		for i, r := range batch {
			o := &out[i]
			if r.x.OrgID, o.err = o.checks.check(r.a); o.err != nil {
				continue
			}
			if o.clash {
				o.err = &SlotConflict{ProviderID: r.x.ProviderID, StartsAt: o.clashStart.UTC(), EndsAt: o.clashEnd.UTC()}
				continue
			}
			b2.Queue(q("InsertAppointment"), appointmentArgs(&r.x)...).QueryRow(func(row pgx.Row) error { return insertAppointment(row, &r.x) })
			entries = append(entries, AuditEntry{OrgID: r.x.OrgID, PatientID: r.x.PatientID, Action: ActionCreate, Resource: "appointment",
				ResourceID: r.x.ID, Fields: apptFields, ActorID: r.a.UserID, SourceIP: r.a.SourceIP, RequestID: r.a.RequestID})
		}
		if len(entries) == 0 {
			return b2, nil // nothing to write: COMMIT ends the read-only transaction
		}
		return b2, s.queueAuditRows(ctx, conn, b2, &head, entries...)
	})
	s.bookings.count(len(batch))
	if err != nil {
		s.bookings.fallbacks.Add(1)
		// The transaction wrote nothing. Book each on its own: a raced slot
		// then answers its own conflict, and the rest succeed.
		for _, r := range batch {
			r.x, r.err = s.bookOne(r.ctx, r.a, r.x)
		}
		return
	}
	for i, r := range batch {
		r.err = out[i].err
	}
}

// bookOne books one appointment in its own transaction (two pipelined
// round trips).
func (s *Store) bookOne(ctx context.Context, a Actor, x Appointment) (Appointment, error) {
	s.bookings.count(1)
	err := s.pipelined(ctx, func(conn *pgxpool.Conn) (*pgx.Batch, error) {
		// Round trip 1: BEGIN, scope, availability and the audit chain lock.
		var c bookingChecks
		b1 := &pgx.Batch{}
		b1.Queue("BEGIN")
		c.queue(b1, a, &x)
		if err := conn.SendBatch(ctx, b1).Close(); err != nil {
			return nil, err
		}
		var err error
		if x.OrgID, err = c.check(a); err != nil {
			return nil, err
		}
		if err := c.head.ensure(ctx, conn); err != nil {
			return nil, err
		}
		// Round trip 2: the insert, its audit row, COMMIT.
		b2 := &pgx.Batch{}
		b2.Queue(q("InsertAppointment"), appointmentArgs(&x)...).QueryRow(func(r pgx.Row) error { return insertAppointment(r, &x) })
		err = s.queueAudit(ctx, conn, b2, &c.head, a, AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionCreate, Resource: "appointment", ResourceID: x.ID, Fields: apptFields})
		return b2, err
	})
	var sc *SlotConflict
	if errors.As(err, &sc) && sc.StartsAt.IsZero() {
		err = s.fillConflict(ctx, err, x.StartsAt, x.EndsAt)
	}
	return x, err
}
