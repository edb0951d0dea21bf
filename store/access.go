package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

func cursor(lastID string) string { return base64.RawURLEncoding.EncodeToString([]byte(lastID)) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// tx runs fn in one transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.Pool, fn)
}

// inScope reports whether the actor holds perm at org or at one of its
// ancestors: one indexed query over the ltree path.
func inScope(ctx context.Context, tx pgx.Tx, a Actor, perm, orgID string) (bool, error) {
	if a.UserID == "" {
		return a == System, nil
	}
	return pgq.New(tx).InScope(ctx, pgq.InScopeParams{Actor: a.UserID, Perm: perm, Org: orgID})
}

// requireScope answers ErrNotFound for a record outside the actor's
// organisations, so other organisations' records do not even exist.
func requireScope(ctx context.Context, tx pgx.Tx, a Actor, perm, orgID string) error {
	ok, err := inScope(ctx, tx, a, perm, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// Permissions lists what the user may do in at least one organisation (the
// API's per-route gate; record scope is checked per record).
func (s *Store) Permissions(ctx context.Context, userID string) ([]string, error) {
	return pgq.New(s.Pool).UserPermissions(ctx, userID)
}

func isPgCode(err error, code string) (*pgconn.PgError, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == code {
		return pe, true
	}
	return nil, false
}

// refError turns a foreign-key violation into a field error.
func refError(err error, ptrs map[string]string) error {
	pe, ok := isPgCode(err, "23503")
	if !ok {
		return err
	}
	for col, ptr := range ptrs {
		if strings.Contains(pe.Detail, "("+col+")") {
			return &ValidationError{Fields: []FieldProblem{{Pointer: ptr, Detail: "does not exist"}}}
		}
	}
	return fmt.Errorf("store: reference: %w", err)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
