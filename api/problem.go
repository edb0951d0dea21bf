package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
)

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []FieldError   `json:"errors,omitempty"`
	Extra     map[string]any `json:"-"`
}

// FieldError names one invalid field of a request: a JSON pointer into the
// body, or a query parameter.
type FieldError struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Detail    string `json:"detail"`
}

// Error is a domain error that knows its HTTP answer. Handlers return it (or
// wrap it); writeError maps anything else to 500 "internal error".
type Error struct {
	Status int
	Code   string // stable problem type suffix, e.g. "validation"
	Title  string
	Detail string
	Fields []FieldError
	Extra  map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// errorTable maps domain sentinel errors to their HTTP answer: one table for
// the whole API.
var errorTable = []struct {
	err    error
	status int
	code   string
	title  string
}{
	{rcm.ErrNotFound, http.StatusNotFound, "not-found", "Not found"},
	{rcm.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "Authentication required"},
	{rcm.ErrLocked, http.StatusLocked, "account-locked", "Account locked after repeated failures"},
	{rcm.ErrIdempotencyBody, http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency key reused with a different request"},
	{rcm.ErrInProgress, http.StatusConflict, "idempotency-in-progress", "A request with this idempotency key is in progress"},
	{rcm.ErrConflict, http.StatusConflict, "conflict", "Conflict"},
}

// domainError turns the store's typed errors into API errors.
func domainError(err error) *Error {
	var ve *rcm.ValidationError
	var sc *rcm.SlotConflict
	var dc *rcm.DepositConflict
	switch {
	case errors.As(err, &ve):
		e := &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields"}
		for _, f := range ve.Fields {
			e.Fields = append(e.Fields, FieldError{Pointer: f.Pointer, Detail: f.Detail})
		}
		return e
	case errors.As(err, &sc):
		return &Error{Status: http.StatusConflict, Code: "slot-taken", Title: "Slot taken",
			Detail: "the provider already has an appointment overlapping this time",
			Extra:  map[string]any{"conflict": map[string]any{"provider_id": sc.ProviderID, "starts_at": sc.StartsAt, "ends_at": sc.EndsAt}}}
	case errors.As(err, &dc):
		e := &Error{Status: http.StatusConflict, Code: "deposit-matched", Title: "835 matched to another deposit",
			Detail: "the 835 is matched to another deposit of an organisation you do not see; unmatch it there first"}
		conflict := map[string]any{"remittance_id": dc.RemittanceID}
		if dc.DepositID != "" {
			e.Detail = "the 835 is matched to deposit " + dc.DepositID + "; unmatch it there first"
			conflict["deposit_id"] = dc.DepositID
		}
		e.Extra = map[string]any{"conflict": conflict}
		return e
	}
	return nil
}

const problemBase = "https://claimflow.dev/problems/"

// writeError writes err as problem+json. Internal errors answer "internal
// error" with the request ID; their detail goes to the log (which never
// carries PHI).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, s.problem(r, err))
}

// problem maps err to its problem document (logging internal errors).
func (s *Server) problem(r *http.Request, err error) Problem {
	p := Problem{RequestID: logging.RequestID(r.Context()), Instance: r.URL.Path}
	if de := domainError(err); de != nil {
		err = de
	}
	var ae *Error
	switch {
	case errors.As(err, &ae):
		p.Type, p.Title, p.Status, p.Detail, p.Errors, p.Extra = problemBase+ae.Code, ae.Title, ae.Status, ae.Detail, ae.Fields, ae.Extra
	default:
		p.Type, p.Title, p.Status, p.Detail = problemBase+"internal", "Internal error", http.StatusInternalServerError, "internal error"
		for _, row := range errorTable {
			if errors.Is(err, row.err) {
				p.Type, p.Title, p.Status, p.Detail = problemBase+row.code, row.title, row.status, row.title
				break
			}
		}
		if p.Status == http.StatusInternalServerError {
			s.log.ErrorContext(r.Context(), "internal error", logging.Err(err), "route", routePattern(r))
		}
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_, _ = w.Write(problemBytes(p))
}

func problemBytes(p Problem) []byte {
	body := map[string]any{}
	b, _ := json.Marshal(p)
	_ = json.Unmarshal(b, &body)
	for k, v := range p.Extra {
		body[k] = v
	}
	out, _ := json.Marshal(body)
	return append(out, '\n')
}
