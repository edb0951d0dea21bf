package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Permissions. Every API route declares one; store methods check the
// record's organisation against it inside their transaction.
const (
	PermOrgRead           = "org:read"
	PermOrgWrite          = "org:write"
	PermUserWrite         = "user:write"
	PermProviderRead      = "provider:read"
	PermProviderWrite     = "provider:write"
	PermPayerRead         = "payer:read"
	PermPayerWrite        = "payer:write"
	PermPatientRead       = "patient:read"
	PermPatientWrite      = "patient:write"
	PermCoverageRead      = "coverage:read"
	PermCoverageWrite     = "coverage:write"
	PermAvailabilityRead  = "availability:read"
	PermAvailabilityWrite = "availability:write"
	PermAppointmentRead   = "appointment:read"
	PermAppointmentWrite  = "appointment:write"
	PermWaitlistRead      = "waitlist:read"
	PermWaitlistWrite     = "waitlist:write"
	PermEncounterRead     = "encounter:read"
	PermEncounterWrite    = "encounter:write"
	PermClaimRead         = "claim:read"
	PermClaimWrite        = "claim:write"
	PermAuditRead         = "audit:read"
)

// Actor is who performs a store call: the authenticated user plus what the
// audit log records about the request.
type Actor struct {
	UserID    string
	SourceIP  string
	RequestID string
}

// System is the actor for operator tools (no user; still audited).
var System = Actor{RequestID: "system"}

// Errors the API maps to statuses (api's error table).
var (
	ErrConflict        = errors.New("conflict")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrLocked          = errors.New("account locked")
	ErrIdempotencyBody = errors.New("idempotency key reused with a different request")
	ErrInProgress      = errors.New("request with this idempotency key is in progress")
)

// FieldProblem names one invalid input field by JSON pointer.
type FieldProblem struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// ValidationError lists every invalid field of an input.
type ValidationError struct{ Fields []FieldProblem }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Pointer + ": " + f.Detail
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

type problems []FieldProblem

func (p *problems) add(ptr, detail string) { *p = append(*p, FieldProblem{ptr, detail}) }
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}

// SlotConflict is the error for a booking that overlaps another
// non-cancelled appointment of the same provider.
type SlotConflict struct {
	ProviderID string
	StartsAt   time.Time
	EndsAt     time.Time
}

func (e *SlotConflict) Error() string { return "provider is already booked for this time" }
func (e *SlotConflict) Unwrap() error { return ErrConflict }

// Page selects one page of a list: After is the opaque cursor of the
// previous page (empty for the first), Limit at most 200.
type Page struct {
	After string
	Limit int
}

func (p Page) limit() int {
	if p.Limit <= 0 {
		return 50
	}
	if p.Limit > 200 {
		return 200
	}
	return p.Limit
}

// after decodes the cursor; ids are UUIDv7, so id order is creation order.
func (p Page) after() (string, error) {
	if p.After == "" {
		return "00000000-0000-0000-0000-000000000000", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil || uuid.Validate(string(b)) != nil {
		return "", &ValidationError{Fields: []FieldProblem{{"/cursor", "is not a cursor from a previous page"}}}
	}
	return string(b), nil
}

func cursor(lastID string) string { return base64.RawURLEncoding.EncodeToString([]byte(lastID)) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func validID(s string) bool { return uuid.Validate(s) == nil && len(s) == 36 }

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
			return &ValidationError{Fields: []FieldProblem{{ptr, "does not exist"}}}
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

func nullDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}
