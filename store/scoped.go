package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// scopedRead describes one record read that every Get method shares: get
// the row, check the actor's scope at its organisation, load what the
// record carries, audit the read. Written once here so no Get method can
// forget the check or audit before it.
type scopedRead[T any] struct {
	perm string                                          // permission needed at the record's organisation
	get  func(ctx context.Context, tx pgx.Tx) (T, error) // ErrNotFound when there is no row
	org  func(T) string                                  // the record's organisation
	// more loads what the record carries (charges, history) once it is
	// known to be visible; nil for none.
	more func(ctx context.Context, tx pgx.Tx, x *T) error
	// audit is the read's audit entry; nil for reads that are not audited
	// (no PHI).
	audit func(T) AuditEntry
}

// readScoped runs r in one transaction. A record outside the actor's
// organisations is ErrNotFound, as if it did not exist; on any error the
// zero T is returned, so nothing of a refused record leaves the store.
func readScoped[T any](ctx context.Context, s *Store, a Actor, id string, r scopedRead[T]) (T, error) {
	var zero, x T
	if !validID(id) {
		return zero, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if x, err = r.get(ctx, tx); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, r.perm, r.org(x)); err != nil {
			return err
		}
		if r.more != nil {
			if err := r.more(ctx, tx, &x); err != nil {
				return err
			}
		}
		if r.audit == nil {
			return nil
		}
		return s.audit(ctx, tx, a, r.audit(x))
	})
	if err != nil {
		return zero, err
	}
	return x, nil
}
