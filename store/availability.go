package store

// Provider availability: weekly templates and exceptions (types in scheduling.go).

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

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
		db := pgq.New(tx)
		var err error
		if t.OrgID, err = db.GetProviderOrg(ctx, t.ProviderID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, t.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/provider_id", Detail: "does not exist"}}}
		}
		t.CreatedAt, err = db.InsertAvailability(ctx, pgq.InsertAvailabilityParams{ID: t.ID, OrgID: t.OrgID, ProviderID: t.ProviderID,
			Weekday: int32(t.Weekday), StartTime: t.StartTime, EndTime: t.EndTime, TimeZone: t.TimeZone,
			ValidFrom: dateParam(t.ValidFrom), ValidTo: dateParam(t.ValidTo)})
		return err
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
		db := pgq.New(tx)
		var err error
		if e.OrgID, err = db.GetProviderOrg(ctx, e.ProviderID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, e.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/provider_id", Detail: "does not exist"}}}
		}
		e.CreatedAt, err = db.InsertAvailabilityException(ctx, pgq.InsertAvailabilityExceptionParams{ID: e.ID, OrgID: e.OrgID,
			ProviderID: e.ProviderID, Kind: e.Kind, StartsAt: e.StartsAt, EndsAt: e.EndsAt})
		return err
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
		db := pgq.New(tx)
		org, err := db.GetProviderOrg(ctx, providerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityRead, org); err != nil {
			return err
		}
		ts, err := db.ListAvailability(ctx, providerID)
		if err != nil {
			return err
		}
		for _, r := range ts {
			t := AvailabilityTemplate{ID: r.ID, OrgID: r.OrgID, ProviderID: r.ProviderID, Weekday: int(r.Weekday), StartTime: r.StartTime,
				EndTime: r.EndTime, TimeZone: r.TimeZone, CreatedAt: r.CreatedAt}
			if r.ValidFrom != nil {
				t.ValidFrom = r.ValidFrom.Format(time.DateOnly)
			}
			if r.ValidTo != nil {
				t.ValidTo = r.ValidTo.Format(time.DateOnly)
			}
			out.Templates = append(out.Templates, t)
		}
		es, err := db.ListAvailabilityExceptions(ctx, providerID)
		if err != nil {
			return err
		}
		for _, r := range es {
			out.Exceptions = append(out.Exceptions, AvailabilityException{ID: r.ID, OrgID: r.OrgID, ProviderID: r.ProviderID, Kind: r.Kind,
				StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), CreatedAt: r.CreatedAt})
		}
		return nil
	})
	return out, err
}
