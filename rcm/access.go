package rcm

import (
	"encoding/base64"
	"errors"
	"github.com/google/uuid"
	"strings"
	"time"
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

// Problems collects invalid fields while a record is validated.
type Problems []FieldProblem

// Add records one invalid field.
func (p *Problems) Add(ptr, detail string) { *p = append(*p, FieldProblem{ptr, detail}) }

// Err is nil without problems, else a *ValidationError listing them.
func (p Problems) Err() error {
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

// Size is the page size: Limit, 50 when unset, at most 200.
func (p Page) Size() int {
	if p.Limit <= 0 {
		return 50
	}
	if p.Limit > 200 {
		return 200
	}
	return p.Limit
}

// AfterID decodes the cursor to the last id of the previous page; ids are UUIDv7, so id order is creation order.
func (p Page) AfterID() (string, error) {
	if p.After == "" {
		return "00000000-0000-0000-0000-000000000000", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil || uuid.Validate(string(b)) != nil {
		return "", &ValidationError{Fields: []FieldProblem{{"/cursor", "is not a cursor from a previous page"}}}
	}
	return string(b), nil
}

// ValidID reports whether s is a UUID in its canonical 36-character form.
func ValidID(s string) bool { return uuid.Validate(s) == nil && len(s) == 36 }
