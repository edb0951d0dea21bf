package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/claimflow/claimflow/rcm"
)

// mountUsers adds access management: users, role grants, API tokens. Every
// route needs user:write; the store checks it at the user's organisation
// (other organisations' users answer 404).
func (s *Server) mountUsers(r chi.Router) {
	r.Post("/v1/users", s.handle(rcm.PermUserWrite, s.createUser))
	r.Get("/v1/users", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		q := &queryReader{r: r}
		f := rcm.UserFilter{OrgID: q.id("org_id")}
		if f.OrgID != "" && uuid.Validate(f.OrgID) != nil {
			q.fields = append(q.fields, FieldError{Parameter: "org_id", Detail: "is not an id"})
		}
		p := q.page()
		if err := q.err(); err != nil {
			return 0, nil, err
		}
		return list(s.records.ListUsers(r.Context(), a, f, p))
	}))
	r.Get("/v1/users/{id}", s.handle(rcm.PermUserWrite, getWith(s.records.GetUser)))
	r.Post("/v1/users/{id}/disable", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		u, err := s.records.DisableUser(r.Context(), a, id(r))
		if errors.Is(err, rcm.ErrSelfDisable) {
			return 0, nil, &Error{Status: http.StatusConflict, Code: "cannot-disable-self", Title: "Cannot disable yourself",
				Detail: "a user cannot disable their own account; ask another administrator"}
		}
		return one[rcm.UserDetail](http.StatusOK)(u, err)
	}))
	r.Post("/v1/users/{id}/enable", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.UserDetail](http.StatusOK)(s.records.EnableUser(r.Context(), a, id(r)))
	}))
	r.Post("/v1/users/{id}/unlock", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.UserDetail](http.StatusOK)(s.records.UnlockUser(r.Context(), a, id(r)))
	}))

	r.Post("/v1/users/{id}/grants", s.handle(rcm.PermUserWrite, s.grant))
	r.Post("/v1/users/{id}/grants/revoke", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in struct {
			OrgID string `json:"org_id"`
			Role  string `json:"role"`
		}
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		return one[rcm.GrantRevocation](http.StatusOK)(s.records.RevokeGrant(r.Context(), a, id(r), in.OrgID, in.Role))
	}))

	r.Post("/v1/users/{id}/tokens", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.IssuedToken](http.StatusCreated)(s.records.IssueAPIToken(r.Context(), a, id(r)))
	}))
	r.Get("/v1/users/{id}/tokens", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		q := &queryReader{r: r}
		p := q.page()
		if err := q.err(); err != nil {
			return 0, nil, err
		}
		return list(s.records.ListAPITokens(r.Context(), a, id(r), p))
	}))
	r.Post("/v1/users/{id}/tokens/{token_id}/rotate", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.IssuedToken](http.StatusCreated)(s.records.RotateAPIToken(r.Context(), a, id(r), chi.URLParam(r, "token_id")))
	}))
	r.Post("/v1/users/{id}/tokens/{token_id}/revoke", s.handle(rcm.PermUserWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.APIToken](http.StatusOK)(s.records.RevokeAPIToken(r.Context(), a, id(r), chi.URLParam(r, "token_id")))
	}))
}

// CreatedUser is the answer to POST /v1/users: the TOTP secret (staff) is
// shown once.
type CreatedUser struct {
	rcm.User
	TOTPSecret string `json:"totp_secret,omitempty"`
}

func (s *Server) createUser(r *http.Request, a rcm.Actor) (int, any, error) {
	var in rcm.NewUser
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, secret, err := s.records.CreateUser(r.Context(), a, in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, CreatedUser{User: u, TOTPSecret: secret}, nil
}

func (s *Server) grant(r *http.Request, a rcm.Actor) (int, any, error) {
	var in struct {
		OrgID string `json:"org_id"`
		Role  string `json:"role"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.records.Grant(r.Context(), a, id(r), in.OrgID, in.Role); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]string{"user_id": id(r), "org_id": in.OrgID, "role": in.Role}, nil
}
