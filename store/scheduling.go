package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

var apptFields = []string{"provider_id", "visit_type", "starts_at", "ends_at", "status"}

// appointment is a generated appointment row as the store's type (times
// in UTC).
func appointment(r pgq.GetAppointmentRow) Appointment {
	x := Appointment(r)
	x.StartsAt, x.EndsAt = x.StartsAt.UTC(), x.EndsAt.UTC()
	return x
}

// getAppointment reads one appointment (ErrNotFound when there is none).
func getAppointment(ctx context.Context, db pgq.DBTX, id string) (Appointment, error) {
	r, err := pgq.New(db).GetAppointment(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Appointment{}, ErrNotFound
	}
	return appointment(r), err
}

// bookingChecks queues, in one round trip: the provider's organisation
// (where the appointment lives) and the patient's, whether the actor may
// write appointments at both, whether the slot fits the provider's
// availability, and the audit chain lock. check then reads the answers.
type bookingChecks struct {
	provOrg, patOrg *string
	provOK, patOK   bool
	available       bool
	head            auditHead
}

func (c *bookingChecks) queue(b *pgx.Batch, a Actor, x *Appointment) {
	c.queueScope(b, a, x)
	c.head.queueLock(b)
}

// queueScope queues the checks without the audit chain lock.
func (c *bookingChecks) queueScope(b *pgx.Batch, a Actor, x *Appointment) {
	b.Queue(q("BookingScope"), nullable(a.UserID), PermAppointmentWrite, x.ProviderID, x.PatientID).QueryRow(func(r pgx.Row) error {
		return r.Scan(&c.provOrg, &c.patOrg, &c.provOK, &c.patOK)
	})
	b.Queue(q("SlotAvailable"), x.ProviderID, x.StartsAt, x.EndsAt).QueryRow(func(r pgx.Row) error {
		return r.Scan(&c.available)
	})
}

func (c *bookingChecks) check(a Actor) (string, error) {
	system := a == System
	var pr problems
	if c.provOrg == nil || !c.provOK && !system {
		pr.Add("/provider_id", "does not exist")
	}
	if c.patOrg == nil || !c.patOK && !system {
		pr.Add("/patient_id", "does not exist")
	}
	if err := pr.Err(); err != nil {
		return "", err
	}
	if !c.available {
		return "", &ValidationError{Fields: []FieldProblem{{Pointer: "/starts_at", Detail: "the provider is not available at this time"}}}
	}
	return *c.provOrg, nil
}

// bookingScope checks scope and availability of one booking (series).
func bookingScope(ctx context.Context, tx pgx.Tx, a Actor, x *Appointment) (string, auditHead, error) {
	var c bookingChecks
	b := &pgx.Batch{}
	c.queue(b, a, x)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return "", c.head, err
	}
	org, err := c.check(a)
	if err == nil {
		err = c.head.ensure(ctx, tx)
	}
	return org, c.head, err
}

// book inserts one appointment inside tx after checking availability; an
// overlap becomes *SlotConflict.
func (s *Store) book(ctx context.Context, tx pgx.Tx, x *Appointment) error {
	var ok bool
	if err := tx.QueryRow(ctx, q("SlotAvailable"), x.ProviderID, x.StartsAt, x.EndsAt).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: []FieldProblem{{Pointer: "/starts_at", Detail: "the provider is not available at this time"}}}
	}
	return insertAppointment(tx.QueryRow(ctx, q("InsertAppointment"), appointmentArgs(x)...), x)
}

func appointmentArgs(x *Appointment) []any {
	return []any{x.ID, x.OrgID, x.ProviderID, x.PatientID, nullable(x.SeriesID), x.VisitType, x.StartsAt, x.EndsAt}
}

func insertAppointment(r pgx.Row, x *Appointment) error {
	err := r.Scan(&x.Status, &x.CreatedAt, &x.UpdatedAt)
	if _, clash := isPgCode(err, "23P01"); clash {
		return &SlotConflict{ProviderID: x.ProviderID}
	}
	return err
}

// fillConflict finds the appointment times a failed booking clashed with
// (after the failed transaction ended).
func (s *Store) fillConflict(ctx context.Context, err error, start, end time.Time) error {
	var sc *SlotConflict
	if !errors.As(err, &sc) {
		return err
	}
	e := s.Pool.QueryRow(ctx, q("FindClash"), sc.ProviderID, start, end).Scan(&sc.StartsAt, &sc.EndsAt)
	if e == nil {
		sc.StartsAt, sc.EndsAt = sc.StartsAt.UTC(), sc.EndsAt.UTC()
	}
	return sc
}

// Book books an appointment. It never double-books: an overlap with the
// provider's other non-cancelled appointments answers *SlotConflict (which
// wraps ErrConflict) naming the clashing slot. Concurrent bookings share
// transactions (bookbatch.go); each still gets its own answer and audit row.
func (s *Store) Book(ctx context.Context, a Actor, b Booking) (Appointment, error) {
	b.StartsAt, b.EndsAt = b.StartsAt.UTC().Truncate(time.Microsecond), b.EndsAt.UTC().Truncate(time.Microsecond)
	if err := b.Validate(); err != nil {
		return Appointment{}, err
	}
	x := Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt, EndsAt: b.EndsAt}
	return s.bookQueued(ctx, a, x)
}

// pipelined runs one transaction as pipelined batches on one connection:
// fn sends BEGIN and its reads itself and returns the final batch, to which
// COMMIT is appended. Any error rolls back. It saves the separate BEGIN and
// COMMIT round trips of the hottest path (booking).
func (s *Store) pipelined(ctx context.Context, fn func(conn *pgxpool.Conn) (*pgx.Batch, error)) error {
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // the pool closes a connection left inside a transaction
	last, err := fn(conn)
	if err == nil {
		last.Queue("COMMIT")
		err = conn.SendBatch(ctx, last).Close()
	}
	if err != nil && conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return err
}

// BookSeries books every occurrence of a series in one transaction: all of
// them, or none (a clash answers *SlotConflict naming the first one).
func (s *Store) BookSeries(ctx context.Context, a Actor, sr Series) (Series, error) {
	sr.First.StartsAt, sr.First.EndsAt = sr.First.StartsAt.UTC().Truncate(time.Microsecond), sr.First.EndsAt.UTC().Truncate(time.Microsecond)
	var pr problems
	if err := sr.First.Validate(); err != nil {
		for _, f := range err.(*ValidationError).Fields {
			pr.Add("/first"+f.Pointer, f.Detail)
		}
	}
	if sr.IntervalWeeks < 1 || sr.IntervalWeeks > 52 {
		pr.Add("/interval_weeks", "must be 1 to 52")
	}
	if sr.Count < 2 || sr.Count > 52 {
		pr.Add("/count", "must be 2 to 52")
	}
	if err := pr.Err(); err != nil {
		return sr, err
	}
	sr.ID = newID()
	var clashStart, clashEnd time.Time
	err := s.tx(ctx, func(tx pgx.Tx) error {
		first := Appointment{ProviderID: sr.First.ProviderID, PatientID: sr.First.PatientID, StartsAt: sr.First.StartsAt, EndsAt: sr.First.EndsAt}
		org, h, err := bookingScope(ctx, tx, a, &first)
		if err != nil {
			return prefixFields(err, "/first")
		}
		rule := fmt.Sprintf("FREQ=WEEKLY;INTERVAL=%d;COUNT=%d", sr.IntervalWeeks, sr.Count)
		if err := pgq.New(tx).InsertSeries(ctx, pgq.InsertSeriesParams{ID: sr.ID, OrgID: org, ProviderID: sr.First.ProviderID,
			PatientID: sr.First.PatientID, Rule: rule}); err != nil {
			return err
		}
		sr.Appointments = nil
		var entries []AuditEntry
		for i := 0; i < sr.Count; i++ {
			shift := time.Duration(i*sr.IntervalWeeks) * 7 * 24 * time.Hour
			x := Appointment{ID: newID(), OrgID: org, ProviderID: sr.First.ProviderID, PatientID: sr.First.PatientID, SeriesID: sr.ID,
				VisitType: sr.First.VisitType, StartsAt: sr.First.StartsAt.Add(shift), EndsAt: sr.First.EndsAt.Add(shift)}
			if err := s.book(ctx, tx, &x); err != nil {
				clashStart, clashEnd = x.StartsAt, x.EndsAt
				return err
			}
			sr.Appointments = append(sr.Appointments, x)
			entries = append(entries, AuditEntry{OrgID: org, PatientID: x.PatientID, Action: ActionCreate, Resource: "appointment", ResourceID: x.ID, Fields: apptFields})
		}
		b := &pgx.Batch{}
		if err := s.queueAudit(ctx, tx, b, &h, a, entries...); err != nil {
			return err
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return sr, s.fillConflict(ctx, err, clashStart, clashEnd)
}

func prefixFields(err error, prefix string) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &ValidationError{}
	for _, f := range ve.Fields {
		out.Fields = append(out.Fields, FieldProblem{Pointer: prefix + f.Pointer, Detail: f.Detail})
	}
	return out
}

// GetAppointment reads an appointment (an audited PHI read).
func (s *Store) GetAppointment(ctx context.Context, a Actor, id string) (Appointment, error) {
	return readScoped(ctx, s, a, id, scopedRead[Appointment]{
		perm: PermAppointmentRead,
		get: func(ctx context.Context, tx pgx.Tx) (Appointment, error) {
			return getAppointment(ctx, tx, id)
		},
		org: func(x Appointment) string { return x.OrgID },
		audit: func(x Appointment) AuditEntry {
			return AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionRead, Resource: "appointment", ResourceID: x.ID, Fields: apptFields}
		},
	})
}

// ListAppointments lists visible appointments matching f.
func (s *Store) ListAppointments(ctx context.Context, a Actor, f AppointmentFilter, p Page) ([]Appointment, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Appointment
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListAppointments(ctx, pgq.ListAppointmentsParams{Actor: nullText(a.UserID), Perm: PermAppointmentRead,
			After: after, RowLimit: int32(p.Size()), ProviderID: nullText(f.ProviderID), PatientID: nullText(f.PatientID),
			Status: nullText(f.Status), EndsAfter: f.From, StartsBefore: f.To})
		if err != nil {
			return err
		}
		out = make([]Appointment, len(rows))
		for i, r := range rows {
			out[i] = appointment(pgq.GetAppointmentRow(r))
		}
		entries := make([]AuditEntry, len(out))
		for i, x := range out {
			entries[i] = AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionList, Resource: "appointment", ResourceID: x.ID, Fields: apptFields}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// changeAppointment locks a booked appointment, checks scope and runs fn.
func (s *Store) changeAppointment(ctx context.Context, a Actor, id string, fields []string, fn func(tx pgx.Tx, x *Appointment) error) (Appointment, error) {
	var x Appointment
	if !validID(id) {
		return x, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		r, err := pgq.New(tx).GetAppointmentForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		x = appointment(pgq.GetAppointmentRow(r))
		if err := requireScope(ctx, tx, a, PermAppointmentWrite, x.OrgID); err != nil {
			return err
		}
		if x.Status != "booked" {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "the appointment is " + x.Status}}}
		}
		// Take the audit chain before touching the slot, as Book does, so a
		// transaction never waits for a chain while holding a slot.
		var h auditHead
		b := &pgx.Batch{}
		h.queueLock(b)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := h.ensure(ctx, tx); err != nil {
			return err
		}
		if err := fn(tx, &x); err != nil {
			return err
		}
		b = &pgx.Batch{}
		if err := s.queueAudit(ctx, tx, b, &h, a, AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionUpdate, Resource: "appointment", ResourceID: x.ID, Fields: fields}); err != nil {
			return err
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return x, err
}

// Reschedule moves a booked appointment; a clash answers *SlotConflict.
func (s *Store) Reschedule(ctx context.Context, a Actor, id string, start, end time.Time) (Appointment, error) {
	start, end = start.UTC().Truncate(time.Microsecond), end.UTC().Truncate(time.Microsecond)
	var pr problems
	if start.IsZero() {
		pr.Add("/starts_at", "is required")
	}
	if !end.After(start) {
		pr.Add("/ends_at", "must be after starts_at")
	}
	if err := pr.Err(); err != nil {
		return Appointment{}, err
	}
	x, err := s.changeAppointment(ctx, a, id, []string{"starts_at", "ends_at"}, func(tx pgx.Tx, x *Appointment) error {
		var ok bool
		if err := tx.QueryRow(ctx, q("SlotAvailable"), x.ProviderID, start, end).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/starts_at", Detail: "the provider is not available at this time"}}}
		}
		at, err := pgq.New(tx).RescheduleAppointment(ctx, pgq.RescheduleAppointmentParams{ID: x.ID, StartsAt: start, EndsAt: end})
		if _, clash := isPgCode(err, "23P01"); clash {
			return &SlotConflict{ProviderID: x.ProviderID}
		}
		x.StartsAt, x.EndsAt, x.UpdatedAt = start, end, at
		return err
	})
	return x, s.fillConflict(ctx, err, start, end)
}

// UpdateAppointment applies a patch to a booked appointment.
func (s *Store) UpdateAppointment(ctx context.Context, a Actor, id string, ch AppointmentPatch) (Appointment, error) {
	if ch.VisitType != nil && strings.TrimSpace(*ch.VisitType) == "" {
		return Appointment{}, &ValidationError{Fields: []FieldProblem{{Pointer: "/visit_type", Detail: "is required"}}}
	}
	return s.changeAppointment(ctx, a, id, []string{"visit_type"}, func(tx pgx.Tx, x *Appointment) error {
		set(&x.VisitType, ch.VisitType)
		var err error
		x.UpdatedAt, err = pgq.New(tx).UpdateAppointmentVisitType(ctx, pgq.UpdateAppointmentVisitTypeParams{ID: x.ID, VisitType: x.VisitType})
		return err
	})
}

// Cancel cancels a booked appointment and frees its slot.
func (s *Store) Cancel(ctx context.Context, a Actor, id, reason string) (Appointment, error) {
	return s.changeAppointment(ctx, a, id, []string{"status", "cancel_reason"}, func(tx pgx.Tx, x *Appointment) error {
		x.Status, x.CancelReason = "cancelled", reason
		var err error
		x.UpdatedAt, err = pgq.New(tx).CancelAppointment(ctx, pgq.CancelAppointmentParams{ID: x.ID, CancelReason: reason})
		return err
	})
}
