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

// Booking is the hottest write path, so concurrent Book calls share
// transactions (batcher.go):
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
// retried on its own, with exactly the single-booking semantics.
//
// Inserts within a batch go in (provider, start) order, so two batches
// that wait on each other's uncommitted slots cannot deadlock.

// BookingBatches tunes the batching of concurrent bookings.
type BookingBatches struct {
	// Runners is how many booking transactions may run at once (default an
	// eighth of the pool's connections, 2 to 8).
	Runners int
	// Max is the most bookings in one transaction (default 32); 1 turns
	// batching off.
	Max int
}

// UseBookingBatches sets how concurrent bookings are batched. Call it
// before the store serves requests.
func (s *Store) UseBookingBatches(b BookingBatches) { s.bookings.conf = b }

type bookingQueue struct {
	conf BookingBatches
	b    batcher[bookIn, Appointment]
	once sync.Once

	transactions, bookings, fallbacks, largest atomic.Int64
}

type bookIn struct {
	a Actor
	x Appointment
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

// bookingLimits resolves the defaults: an eighth of the pool's connections
// as runners (2 to 8), so batches never crowd out other queries, and 32
// bookings a batch. Fewer, larger batches measured better than more,
// smaller ones on 2 cores (scripts/bench-booking.sh with -batch-runners).
func (s *Store) bookingLimits() (runners, most int) {
	runners, most = s.bookings.conf.Runners, s.bookings.conf.Max
	if runners <= 0 {
		runners = min(max(int(s.Pool.Config().MaxConns)/8, 2), 8)
	}
	if most <= 0 {
		most = 32
	}
	return runners, most
}

// bookQueued books through the batcher.
func (s *Store) bookQueued(ctx context.Context, a Actor, x Appointment) (Appointment, error) {
	q := &s.bookings
	q.once.Do(func() {
		q.b = batcher[bookIn, Appointment]{
			limits: s.bookingLimits,
			fits:   bookingFits,
			single: func(ctx context.Context, in bookIn) (Appointment, error) { return s.bookOne(ctx, in.a, in.x) },
			many:   s.bookBatch,
		}
	})
	return q.b.do(ctx, bookIn{a, x})
}

// bookingFits keeps bookings that overlap one of the batch (same provider)
// for a later batch.
func bookingFits(batch []*call[bookIn, Appointment], c *call[bookIn, Appointment]) bool {
	r := c.in.x
	for _, o := range batch {
		if o.in.x.ProviderID == r.ProviderID && o.in.x.StartsAt.Before(r.EndsAt) && r.StartsAt.Before(o.in.x.EndsAt) {
			return false
		}
	}
	return true
}

func (s *Store) bookBatch(ctx context.Context, batch []*call[bookIn, Appointment]) {
	slices.SortFunc(batch, func(a, b *call[bookIn, Appointment]) int {
		if a.in.x.ProviderID != b.in.x.ProviderID {
			if a.in.x.ProviderID < b.in.x.ProviderID {
				return -1
			}
			return 1
		}
		return a.in.x.StartsAt.Compare(b.in.x.StartsAt)
	})
	type outcome struct {
		checks               bookingChecks
		clash                bool
		clashStart, clashEnd time.Time
	}
	out := make([]outcome, len(batch))
	for _, c := range batch {
		c.out = c.in.x
	}
	var head auditHead
	err := s.pipelined(ctx, func(conn *pgxpool.Conn) (*pgx.Batch, error) {
		b1 := &pgx.Batch{}
		b1.Queue("BEGIN")
		for i, c := range batch {
			o := &out[i]
			o.checks.queueScope(b1, c.in.a, &c.out)
			b1.Queue(q("FindClash"), c.out.ProviderID, c.out.StartsAt, c.out.EndsAt).Query(func(rows pgx.Rows) error {
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
		for i, c := range batch {
			o, x, a := &out[i], &c.out, c.in.a
			if x.OrgID, c.err = o.checks.check(a); c.err != nil {
				continue
			}
			if o.clash {
				c.err = &SlotConflict{ProviderID: x.ProviderID, StartsAt: o.clashStart.UTC(), EndsAt: o.clashEnd.UTC()}
				continue
			}
			b2.Queue(q("InsertAppointment"), appointmentArgs(x)...).QueryRow(func(row pgx.Row) error { return insertAppointment(row, x) })
			entries = append(entries, AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionCreate, Resource: "appointment",
				ResourceID: x.ID, Fields: apptFields, ActorID: a.UserID, SourceIP: a.SourceIP, RequestID: a.RequestID})
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
		for _, c := range batch {
			c.out, c.err = s.bookOne(c.ctx, c.in.a, c.in.x)
		}
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
