package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// readOnly are the response fields a create body must not carry.
var readOnly = []string{"id", "created_at", "updated_at"}

// createWith decodes the body into the record type, refusing the record's
// read-only fields (the server sets them).
func createWith[In, Out any](fn func(context.Context, rcm.Actor, In) (Out, error), readOnlyFields ...string) handler {
	return func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in In
		if err := decodeRefusing(r, &in, readOnlyFields); err != nil {
			return 0, nil, err
		}
		return one[Out](http.StatusCreated)(fn(r.Context(), a, in))
	}
}

func getWith[T any](fn func(context.Context, rcm.Actor, string) (T, error)) handler {
	return func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[T](http.StatusOK)(fn(r.Context(), a, id(r)))
	}
}

func patchWith[P, T any](fn func(context.Context, rcm.Actor, string, P) (T, error)) handler {
	return func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in P
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		return one[T](http.StatusOK)(fn(r.Context(), a, id(r), in))
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if err := decode(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.records.LoginFrom(r.Context(), s.clientIP(r), in.Login, in.Password, in.TOTP)
	var rl *rcm.RateLimited
	if errors.As(err, &rl) {
		secs := int((rl.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		s.writeError(w, r, &Error{Status: http.StatusTooManyRequests, Code: "too-many-attempts", Title: "Too many sign-in attempts",
			Detail: "too many sign-in attempts for this account or from this address; try again after Retry-After seconds"})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func (s *Server) logout(r *http.Request, _ rcm.Actor) (int, any, error) {
	tok, _ := bearer(r)
	if err := s.records.Logout(r.Context(), tok); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"status": "logged out"}, nil
}

func (s *Server) createOrg(r *http.Request, a rcm.Actor) (int, any, error) {
	var in struct {
		ParentID string `json:"parent_id"`
		Kind     string `json:"kind"`
		Name     string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return one[rcm.Org](201)(s.records.CreateOrg(r.Context(), a, rcm.Org{ParentID: in.ParentID, Kind: in.Kind, Name: in.Name}))
}
