package store

// Provider availability: weekly templates and exceptions (types in scheduling.go).

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// A provider without templates is bookable any time (exceptions still
// block); with templates, a booking must fit one window or an available
// exception.

// AddAvailability adds a weekly template window for a provider.
func (s *Store) AddAvailability(ctx context.Context, a Actor, t AvailabilityTemplate) (AvailabilityTemplate, error) {
	var pr problems
	if !validID(t.ProviderID) {
		pr.add("/provider_id", "is required")
	}
	if t.Weekday < 0 || t.Weekday > 6 {
		pr.add("/weekday", "must be 0 (Sunday) to 6")
	}
	if !validClock(t.StartTime) {
		pr.add("/start_time", "must be a time HH:MM")
	}
	if !validClock(t.EndTime) || t.EndTime <= t.StartTime {
		pr.add("/end_time", "must be a time HH:MM after start_time")
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" {
		pr.add("/time_zone", "must be an IANA time zone such as America/Chicago")
	}
	if t.ValidFrom != "" && !validDate(t.ValidFrom) {
		pr.add("/valid_from", "must be a date YYYY-MM-DD")
	}
	if t.ValidTo != "" && !validDate(t.ValidTo) {
		pr.add("/valid_to", "must be a date YYYY-MM-DD")
	}
	if err := pr.err(); err != nil {
		return t, err
	}
	t.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetProviderOrg"), t.ProviderID).Scan(&t.OrgID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, t.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{"/provider_id", "does not exist"}}}
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
		pr.add("/provider_id", "is required")
	}
	if e.Kind != "available" && e.Kind != "unavailable" {
		pr.add("/kind", "must be available or unavailable")
	}
	if e.StartsAt.IsZero() {
		pr.add("/starts_at", "is required")
	}
	if !e.EndsAt.After(e.StartsAt) {
		pr.add("/ends_at", "must be after starts_at")
	}
	if err := pr.err(); err != nil {
		return e, err
	}
	e.ID = newID()
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("GetProviderOrg"), e.ProviderID).Scan(&e.OrgID); err != nil {
			return fieldMissing(err, "/provider_id")
		}
		if err := requireScope(ctx, tx, a, PermAvailabilityWrite, e.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{"/provider_id", "does not exist"}}}
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
