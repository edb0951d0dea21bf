package store

// Waitlist: patients waiting for an earlier or any slot (types in scheduling.go).

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

var waitlistFields = []string{"provider_id", "visit_type", "priority", "preferences"}

// waitlistEntry is a generated waitlist row as the store's type (dates as
// YYYY-MM-DD, "" for none).
func waitlistEntry(r pgq.GetWaitlistRow) WaitlistEntry {
	w := WaitlistEntry{ID: r.ID, OrgID: r.OrgID, PatientID: r.PatientID, ProviderID: r.ProviderID, VisitType: r.VisitType,
		Priority: int(r.Priority), Weekdays: make([]int, len(r.Weekdays)), TimeFrom: r.TimeFrom, TimeTo: r.TimeTo,
		Status: r.Status, AppointmentID: r.AppointmentID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for i, d := range r.Weekdays {
		w.Weekdays[i] = int(d)
	}
	if r.Earliest != nil {
		w.Earliest = r.Earliest.Format(time.DateOnly)
	}
	if r.Latest != nil {
		w.Latest = r.Latest.Format(time.DateOnly)
	}
	return w
}

// waitlistForUpdate reads and locks one entry (ErrNotFound when none).
func waitlistForUpdate(ctx context.Context, tx pgx.Tx, id string) (WaitlistEntry, error) {
	r, err := pgq.New(tx).GetWaitlistForUpdate(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return WaitlistEntry{}, ErrNotFound
	}
	return waitlistEntry(pgq.GetWaitlistRow(r)), err
}

// dateParam is a validated YYYY-MM-DD as a nullable date parameter.
func dateParam(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &t
}

func int32s(xs []int) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
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
		if err := s.visibleTo(ctx, tx, a, (*pgq.Queries).GetPatientOrg, w.PatientID, PermWaitlistWrite, "/patient_id"); err != nil {
			return err
		}
		if w.ProviderID != "" {
			if err := s.visibleTo(ctx, tx, a, (*pgq.Queries).GetProviderOrg, w.ProviderID, PermWaitlistWrite, "/provider_id"); err != nil {
				return err
			}
		}
		r, err := pgq.New(tx).InsertWaitlist(ctx, pgq.InsertWaitlistParams{ID: w.ID, OrgID: w.OrgID, PatientID: w.PatientID,
			ProviderID: nullText(w.ProviderID), VisitType: w.VisitType, Priority: int32(w.Priority), Earliest: dateParam(w.Earliest),
			Latest: dateParam(w.Latest), Weekdays: int32s(w.Weekdays), TimeFrom: nullText(w.TimeFrom), TimeTo: nullText(w.TimeTo)})
		if err != nil {
			return err
		}
		w.Status, w.CreatedAt, w.UpdatedAt = r.Status, r.CreatedAt, r.UpdatedAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionCreate, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields})
	})
	return w, err
}

// GetWaitlistEntry reads one entry.
func (s *Store) GetWaitlistEntry(ctx context.Context, a Actor, id string) (WaitlistEntry, error) {
	return readScoped(ctx, s, a, id, scopedRead[WaitlistEntry]{
		perm: PermWaitlistRead,
		get: func(ctx context.Context, tx pgx.Tx) (WaitlistEntry, error) {
			r, err := pgq.New(tx).GetWaitlist(ctx, id)
			if errors.Is(err, pgx.ErrNoRows) {
				return WaitlistEntry{}, ErrNotFound
			}
			return waitlistEntry(r), err
		},
		org: func(w WaitlistEntry) string { return w.OrgID },
		audit: func(w WaitlistEntry) AuditEntry {
			return AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionRead, Resource: "waitlist_entry", ResourceID: w.ID, Fields: waitlistFields}
		},
	})
}

// ListWaitlist lists visible entries matching f, in id order (pages).
func (s *Store) ListWaitlist(ctx context.Context, a Actor, f WaitlistFilter, p Page) ([]WaitlistEntry, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []WaitlistEntry
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListWaitlist(ctx, pgq.ListWaitlistParams{Actor: nullText(a.UserID), Perm: PermWaitlistRead,
			After: after, RowLimit: int32(p.Size()), OrgID: nullText(f.OrgID), ProviderID: nullText(f.ProviderID),
			Status: nullText(f.Status), VisitType: nullText(f.VisitType)})
		if err != nil {
			return err
		}
		out = make([]WaitlistEntry, len(rows))
		for i, r := range rows {
			out[i] = waitlistEntry(pgq.GetWaitlistRow(r))
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
		if w, err = waitlistForUpdate(ctx, tx, id); err != nil {
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
			if err := s.visibleTo(ctx, tx, a, (*pgq.Queries).GetProviderOrg, w.ProviderID, PermWaitlistWrite, "/provider_id"); err != nil {
				return err
			}
		}
		if w.UpdatedAt, err = pgq.New(tx).UpdateWaitlist(ctx, pgq.UpdateWaitlistParams{ID: w.ID, ProviderID: nullText(w.ProviderID),
			VisitType: w.VisitType, Priority: int32(w.Priority), Earliest: dateParam(w.Earliest), Latest: dateParam(w.Latest),
			Weekdays: int32s(w.Weekdays), TimeFrom: nullText(w.TimeFrom), TimeTo: nullText(w.TimeTo)}); err != nil {
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
		if w, err = waitlistForUpdate(ctx, tx, id); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermWaitlistWrite, w.OrgID); err != nil {
			return err
		}
		if w.Status != "waiting" {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/status", Detail: "the entry is " + w.Status}}}
		}
		w.Status, w.AppointmentID = status, apptID
		if w.UpdatedAt, err = pgq.New(tx).CloseWaitlist(ctx, pgq.CloseWaitlistParams{ID: w.ID, Status: status, AppointmentID: nullText(apptID)}); err != nil {
			return refError(err, map[string]string{"appointment_id": "/appointment_id"})
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: w.OrgID, PatientID: w.PatientID, Action: ActionUpdate, Resource: "waitlist_entry", ResourceID: w.ID, Fields: []string{"status"}})
	})
	return w, err
}
