package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var apptFields = []string{"provider_id", "visit_type", "starts_at", "ends_at", "status"}

func scanAppointment(r pgx.Row) (Appointment, error) {
	var x Appointment
	err := r.Scan(&x.ID, &x.OrgID, &x.ProviderID, &x.PatientID, &x.SeriesID, &x.VisitType, &x.StartsAt, &x.EndsAt,
		&x.Status, &x.CancelReason, &x.CreatedAt, &x.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	x.StartsAt, x.EndsAt = x.StartsAt.UTC(), x.EndsAt.UTC()
	return x, err
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
		if _, err := tx.Exec(ctx, q("InsertSeries"), sr.ID, org, sr.First.ProviderID, sr.First.PatientID, rule); err != nil {
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
	var x Appointment
	if !validID(id) {
		return x, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if x, err = scanAppointment(tx.QueryRow(ctx, q("GetAppointment"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermAppointmentRead, x.OrgID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: x.OrgID, PatientID: x.PatientID, Action: ActionRead, Resource: "appointment", ResourceID: x.ID, Fields: apptFields})
	})
	return x, err
}

// ListAppointments lists visible appointments matching f.
func (s *Store) ListAppointments(ctx context.Context, a Actor, f AppointmentFilter, p Page) ([]Appointment, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []Appointment
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListAppointments"), nullable(a.UserID), PermAppointmentRead, after, p.Size(),
			nullable(f.ProviderID), nullable(f.PatientID), nullable(f.Status), f.From, f.To)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Appointment, error) { return scanAppointment(r) }); err != nil {
			return err
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
		if x, err = scanAppointment(tx.QueryRow(ctx, q("GetAppointmentForUpdate"), id)); err != nil {
			return err
		}
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
		err := tx.QueryRow(ctx, q("RescheduleAppointment"), x.ID, start, end).Scan(&x.UpdatedAt)
		if _, clash := isPgCode(err, "23P01"); clash {
			return &SlotConflict{ProviderID: x.ProviderID}
		}
		x.StartsAt, x.EndsAt = start, end
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
		return tx.QueryRow(ctx, q("UpdateAppointmentVisitType"), x.ID, x.VisitType).Scan(&x.UpdatedAt)
	})
}

// Cancel cancels a booked appointment and frees its slot.
func (s *Store) Cancel(ctx context.Context, a Actor, id, reason string) (Appointment, error) {
	return s.changeAppointment(ctx, a, id, []string{"status", "cancel_reason"}, func(tx pgx.Tx, x *Appointment) error {
		x.Status, x.CancelReason = "cancelled", reason
		return tx.QueryRow(ctx, q("CancelAppointment"), x.ID, reason).Scan(&x.UpdatedAt)
	})
}

var waitlistFields = []string{"provider_id", "visit_type", "priority", "preferences"}

func scanWaitlist(r pgx.Row) (WaitlistEntry, error) {
	var w WaitlistEntry
	var earliest, latest *time.Time
	err := r.Scan(&w.ID, &w.OrgID, &w.PatientID, &w.ProviderID, &w.VisitType, &w.Priority, &earliest, &latest,
		&w.Weekdays, &w.TimeFrom, &w.TimeTo, &w.Status, &w.AppointmentID, &w.CreatedAt, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, ErrNotFound
	}
	if earliest != nil {
		w.Earliest = earliest.Format(time.DateOnly)
	}
	if latest != nil {
		w.Latest = latest.Format(time.DateOnly)
	}
	return w, err
}

// JoinWaitlist adds an entry. The patient (and provider, when named) must
// be visible to the actor.
func (s *Store) JoinWaitlist(ctx context.Context, a Actor, w WaitlistEntry) (WaitlistEntry, error) {
	if err := w.Validate(); err != nil {
		return w, err
	}
	w.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermWaitlistWrite, w.OrgID); err != nil {
			return orgMissing()
		}
		if err := s.visibleTo(ctx, tx, a, "GetPatientOrg", w.PatientID, PermWaitlistWrite, "/patient_id"); err != nil {
			return err
		}
		if w.ProviderID != "" {
			if err := s.visibleTo(ctx, tx, a, "GetProviderOrg", w.ProviderID, PermWaitlistWrite, "/provider_id"); err != nil {
				return err
			}
		}
		err := tx.QueryRow(ctx, q("InsertWaitlist"), w.ID, w.OrgID, w.PatientID, nullable(w.ProviderID), w.VisitType, w.Priority,
			nullable(w.Earliest), nullable(w.Latest), w.Weekdays, nullable(w.TimeFrom), nullable(w.TimeTo)).Scan(&w.Status, &w.CreatedAt, &w.UpdatedAt)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionCreate, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields})
	})
	return w, err
}

// GetWaitlistEntry reads one entry.
func (s *Store) GetWaitlistEntry(ctx context.Context, a Actor, id string) (WaitlistEntry, error) {
	var w WaitlistEntry
	if !validID(id) {
		return w, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if w, err = scanWaitlist(tx.QueryRow(ctx, q("GetWaitlist"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermWaitlistRead, w.OrgID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionRead, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields})
	})
	return w, err
}

// ListWaitlist lists visible entries matching f, in id order (pages).
func (s *Store) ListWaitlist(ctx context.Context, a Actor, f WaitlistFilter, p Page) ([]WaitlistEntry, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []WaitlistEntry
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("ListWaitlist"), nullable(a.UserID), PermWaitlistRead, after, p.Size(),
			nullable(f.OrgID), nullable(f.ProviderID), nullable(f.Status), nullable(f.VisitType))
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitlistEntry, error) { return scanWaitlist(r) }); err != nil {
			return err
		}
		entries := make([]AuditEntry, len(out))
		for i, w := range out {
			entries[i] = AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionList, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// UpdateWaitlistEntry applies a patch to a waiting entry.
func (s *Store) UpdateWaitlistEntry(ctx context.Context, a Actor, id string, ch WaitlistPatch) (WaitlistEntry, error) {
	var w WaitlistEntry
	if !validID(id) {
		return w, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if w, err = scanWaitlist(tx.QueryRow(ctx, q("GetWaitlistForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermWaitlistWrite, w.OrgID); err != nil {
			return err
		}
		if w.Status != "waiting" {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "the entry is " + w.Status}}}
		}
		set(&w.ProviderID, ch.ProviderID)
		set(&w.VisitType, ch.VisitType)
		set(&w.Priority, ch.Priority)
		set(&w.Earliest, ch.Earliest)
		set(&w.Latest, ch.Latest)
		set(&w.Weekdays, ch.Weekdays)
		set(&w.TimeFrom, ch.TimeFrom)
		set(&w.TimeTo, ch.TimeTo)
		if err := w.Validate(); err != nil {
			return err
		}
		if ch.ProviderID != nil && w.ProviderID != "" {
			if err := s.visibleTo(ctx, tx, a, "GetProviderOrg", w.ProviderID, PermWaitlistWrite, "/provider_id"); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, q("UpdateWaitlist"), w.ID, nullable(w.ProviderID), w.VisitType, w.Priority, nullable(w.Earliest), nullable(w.Latest),
			w.Weekdays, nullable(w.TimeFrom), nullable(w.TimeTo)).Scan(&w.UpdatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionUpdate, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields})
	})
	return w, err
}

// LeaveWaitlist ends a waiting entry (status left).
func (s *Store) LeaveWaitlist(ctx context.Context, a Actor, id string) (WaitlistEntry, error) {
	return s.closeWaitlist(ctx, a, id, "left", "")
}

// MarkWaitlistBooked ends a waiting entry because it got an appointment
// (the waitlist backfill workflow calls it after Book succeeds).
func (s *Store) MarkWaitlistBooked(ctx context.Context, a Actor, id, appointmentID string) (WaitlistEntry, error) {
	if !validID(appointmentID) {
		return WaitlistEntry{}, &ValidationError{Fields: []FieldProblem{{Pointer: "/appointment_id", Detail: "is required"}}}
	}
	return s.closeWaitlist(ctx, a, id, "booked", appointmentID)
}

func (s *Store) closeWaitlist(ctx context.Context, a Actor, id, status, apptID string) (WaitlistEntry, error) {
	var w WaitlistEntry
	if !validID(id) {
		return w, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if w, err = scanWaitlist(tx.QueryRow(ctx, q("GetWaitlistForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermWaitlistWrite, w.OrgID); err != nil {
			return err
		}
		if w.Status != "waiting" {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "the entry is " + w.Status}}}
		}
		w.Status, w.AppointmentID = status, apptID
		if err := tx.QueryRow(ctx, q("CloseWaitlist"), w.ID, status, nullable(apptID)).Scan(&w.UpdatedAt); err != nil {
			return refError(err, map[string]string{"appointment_id": "/appointment_id"})
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionUpdate, Resource: "waitlist_entry", ResourceID: w.ID, Fields: []string{"status"}})
	})
	return w, err
}

// A provider without templates is bookable any time (exceptions still
// block); with templates, a booking must fit one window or an available
// exception.

// AddAvailability adds a weekly template window for a provider.
func (s *Store) AddAvailability(ctx context.Context, a Actor, t AvailabilityTemplate) (AvailabilityTemplate, error) {
	var pr problems
	if !validID(t.ProviderID) {
		pr.Add("/provider_id", "is required")
	}
	if t.Weekday < 0 || t.Weekday > 6 {
		pr.Add("/weekday", "must be 0 (Sunday) to 6")
	}
	if !validClock(t.StartTime) {
		pr.Add("/start_time", "must be a time HH:MM")
	}
	if !validClock(t.EndTime) || t.EndTime <= t.StartTime {
		pr.Add("/end_time", "must be a time HH:MM after start_time")
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" {
		pr.Add("/time_zone", "must be an IANA time zone such as America/Chicago")
	}
	if t.ValidFrom != "" && !validDate(t.ValidFrom) {
		pr.Add("/valid_from", "must be a date YYYY-MM-DD")
	}
	if t.ValidTo != "" && !validDate(t.ValidTo) {
		pr.Add("/valid_to", "must be a date YYYY-MM-DD")
	}
	if err := pr.Err(); err != nil {
		return t, err
	}
	t.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetProviderOrg"), t.ProviderID).Scan(&t.OrgID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, t.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/provider_id", Detail: "does not exist"}}}
		}
		return tx.QueryRow(ctx, q("InsertAvailability"), t.ID, t.OrgID, t.ProviderID, t.Weekday, t.StartTime, t.EndTime,
			t.TimeZone, nullable(t.ValidFrom), nullable(t.ValidTo)).Scan(&t.CreatedAt)
	})
	return t, err
}

// AddAvailabilityException blocks or adds a stretch of a provider's time.
func (s *Store) AddAvailabilityException(ctx context.Context, a Actor, e AvailabilityException) (AvailabilityException, error) {
	var pr problems
	if !validID(e.ProviderID) {
		pr.Add("/provider_id", "is required")
	}
	if e.Kind != "available" && e.Kind != "unavailable" {
		pr.Add("/kind", "must be available or unavailable")
	}
	if e.StartsAt.IsZero() {
		pr.Add("/starts_at", "is required")
	}
	if !e.EndsAt.After(e.StartsAt) {
		pr.Add("/ends_at", "must be after starts_at")
	}
	if err := pr.Err(); err != nil {
		return e, err
	}
	e.ID = newID()
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetProviderOrg"), e.ProviderID).Scan(&e.OrgID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, e.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/provider_id", Detail: "does not exist"}}}
		}
		return tx.QueryRow(ctx, q("InsertAvailabilityException"), e.ID, e.OrgID, e.ProviderID, e.Kind, e.StartsAt, e.EndsAt).Scan(&e.CreatedAt)
	})
	return e, err
}

// GetAvailability lists a provider's templates and exceptions.
func (s *Store) GetAvailability(ctx context.Context, a Actor, providerID string) (ProviderAvailability, error) {
	out := ProviderAvailability{Templates: []AvailabilityTemplate{}, Exceptions: []AvailabilityException{}}
	if !validID(providerID) {
		return out, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var org string
		if err := tx.QueryRow(ctx, q("GetProviderOrg"), providerID).Scan(&org); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityRead, org); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q("ListAvailability"), providerID)
		if err != nil {
			return err
		}
		ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AvailabilityTemplate, error) {
			var t AvailabilityTemplate
			var from, to *time.Time
			err := r.Scan(&t.ID, &t.OrgID, &t.ProviderID, &t.Weekday, &t.StartTime, &t.EndTime, &t.TimeZone, &from, &to, &t.CreatedAt)
			if from != nil {
				t.ValidFrom = from.Format(time.DateOnly)
			}
			if to != nil {
				t.ValidTo = to.Format(time.DateOnly)
			}
			return t, err
		})
		if err != nil {
			return err
		}
		out.Templates = append(out.Templates, ts...)
		rows, err = tx.Query(ctx, q("ListAvailabilityExceptions"), providerID)
		if err != nil {
			return err
		}
		es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AvailabilityException, error) {
			var e AvailabilityException
			err := r.Scan(&e.ID, &e.OrgID, &e.ProviderID, &e.Kind, &e.StartsAt, &e.EndsAt, &e.CreatedAt)
			e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
			return e, err
		})
		out.Exceptions = append(out.Exceptions, es...)
		return err
	})
	return out, err
}
