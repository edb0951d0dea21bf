package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Access management: list and read users, disable and enable them, clear a
// lockout, list and revoke API tokens, revoke role grants. Every call needs
// user:write at the user's organisation (or an ancestor); other users do not
// exist (ErrNotFound). Each write is audited (resource "user", no patient)
// and clears the in-process API-token cache, so it applies to the very next
// request this process serves.

// Audit actions of access management.
const (
	ActionDisable     = "disable"
	ActionEnable      = "enable"
	ActionUnlock      = "unlock"
	ActionRevokeToken = "revoke_token"
	ActionRevokeGrant = "revoke_grant"
	ActionGrant       = "grant"
	ActionIssueToken  = "issue_token"
)

func userDetail(r pgq.GetUserRow) UserDetail {
	return UserDetail{User: User{ID: r.ID, OrgID: r.OrgID, Kind: r.Kind, Login: r.Login, DisplayName: r.DisplayName},
		Disabled: r.Disabled, LockedUntil: r.LockedUntil, CreatedAt: r.CreatedAt}
}

// withGrants fills in the users' grants (one query for the page).
func withGrants(ctx context.Context, tx pgx.Tx, users []UserDetail) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	at := make(map[string]int, len(users))
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
		users[i].Grants = []UserGrant{}
	}
	grants, err := pgq.New(tx).ListUserGrants(ctx, ids)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if i, ok := at[g.UserID]; ok {
			users[i].Grants = append(users[i].Grants, UserGrant{OrgID: g.OrgID, Role: g.Role})
		}
	}
	return nil
}

// readUser reads a user with grants, without a scope check.
func readUser(ctx context.Context, tx pgx.Tx, id string) (UserDetail, error) {
	r, err := pgq.New(tx).GetUser(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return UserDetail{}, ErrNotFound
	}
	if err != nil {
		return UserDetail{}, err
	}
	u := userDetail(r)
	us := []UserDetail{u}
	if err := withGrants(ctx, tx, us); err != nil {
		return u, err
	}
	return us[0], nil
}

// manageUser locks the user's row and checks that the actor holds
// user:write at the user's organisation. It returns the organisation, also
// with the ErrNotFound of a failed scope check ("" when there is no user).
func manageUser(ctx context.Context, tx pgx.Tx, a Actor, id string) (string, error) {
	if !validID(id) {
		return "", ErrNotFound
	}
	u, err := pgq.New(tx).GetUserOrgForUpdate(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return u.OrgID, requireScope(ctx, tx, a, PermUserWrite, u.OrgID)
}

// GetUser reads a user the actor may manage.
func (s *Store) GetUser(ctx context.Context, a Actor, id string) (UserDetail, error) {
	var u UserDetail
	if !validID(id) {
		return u, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = readUser(ctx, tx, id); err != nil {
			return err
		}
		return requireScope(ctx, tx, a, PermUserWrite, u.OrgID)
	})
	if err != nil {
		return UserDetail{}, err
	}
	return u, nil
}

// ListUsers lists the users the actor may manage (user:write at their
// organisation or above), in creation order.
func (s *Store) ListUsers(ctx context.Context, a Actor, f UserFilter, p Page) ([]UserDetail, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	if f.OrgID != "" && !validID(f.OrgID) {
		return nil, "", &ValidationError{Fields: []FieldProblem{{Pointer: "/org_id", Detail: "is not an id"}}}
	}
	var out []UserDetail
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).ListUsers(ctx, pgq.ListUsersParams{Actor: nullText(a.UserID), Perm: PermUserWrite, After: after,
			RowLimit: int32(p.Size()), OrgID: nullText(f.OrgID)})
		if err != nil {
			return err
		}
		out = make([]UserDetail, len(rows))
		for i, r := range rows {
			out[i] = userDetail(pgq.GetUserRow(r))
		}
		return withGrants(ctx, tx, out)
	})
	if err != nil {
		return nil, "", err
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// DisableUser ends a user's access at once: the account is flagged (login,
// sessions and API tokens refuse a disabled user), every open session is
// revoked, and the API-token cache is cleared. API tokens are not revoked:
// they work again if the user is enabled (revoke them to end them for good).
// A caller cannot disable themself (ErrSelfDisable).
func (s *Store) DisableUser(ctx context.Context, a Actor, id string) (UserDetail, error) {
	return s.setDisabled(ctx, a, id, true)
}

// EnableUser lets a disabled user sign in (and use their tokens) again.
// Revoked sessions stay revoked.
func (s *Store) EnableUser(ctx context.Context, a Actor, id string) (UserDetail, error) {
	return s.setDisabled(ctx, a, id, false)
}

func (s *Store) setDisabled(ctx context.Context, a Actor, id string, disabled bool) (UserDetail, error) {
	defer s.tokens.clear() // after the commit: no cached principal outlives the change
	var u UserDetail
	err := s.tx(ctx, func(tx pgx.Tx) error {
		org, err := manageUser(ctx, tx, a, id)
		if err != nil {
			return err
		}
		e := AuditEntry{OrgID: org, Action: ActionEnable, Resource: "user", ResourceID: id, Fields: []string{"disabled"}}
		if disabled {
			if a.UserID == id {
				return ErrSelfDisable
			}
			if err := pgq.New(tx).RevokeUserSessions(ctx, id); err != nil {
				return err
			}
			e.Action, e.Fields = ActionDisable, []string{"disabled", "sessions/revoked_at"}
		}
		if err := pgq.New(tx).SetUserDisabled(ctx, pgq.SetUserDisabledParams{ID: id, Disabled: disabled}); err != nil {
			return err
		}
		if u, err = readUser(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, e)
	})
	if err != nil {
		return UserDetail{}, err
	}
	return u, nil
}

// UnlockUser clears a login lockout (failed_logins = 0, locked_until unset).
func (s *Store) UnlockUser(ctx context.Context, a Actor, id string) (UserDetail, error) {
	var u UserDetail
	err := s.tx(ctx, func(tx pgx.Tx) error {
		org, err := manageUser(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := pgq.New(tx).UnlockUser(ctx, id); err != nil {
			return err
		}
		if u, err = readUser(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionUnlock, Resource: "user", ResourceID: id, Fields: []string{"failed_logins", "locked_until"}})
	})
	if err != nil {
		return UserDetail{}, err
	}
	return u, nil
}

// ListAPITokens lists a user's API tokens, revoked ones included, in
// creation order.
func (s *Store) ListAPITokens(ctx context.Context, a Actor, userID string, p Page) ([]APIToken, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	var out []APIToken
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := manageUser(ctx, tx, a, userID); err != nil {
			return err
		}
		rows, err := pgq.New(tx).ListAPITokens(ctx, pgq.ListAPITokensParams{UserID: userID, After: after, RowLimit: int32(p.Size())})
		if err != nil {
			return err
		}
		out = make([]APIToken, len(rows))
		for i, r := range rows {
			out[i] = APIToken(r)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// RevokeAPIToken revokes one of a user's API tokens; revoking it again
// answers the same token (with its first revocation time). The token-cache
// is cleared, so the next request with it is refused.
func (s *Store) RevokeAPIToken(ctx context.Context, a Actor, userID, tokenID string) (APIToken, error) {
	if !validID(tokenID) {
		return APIToken{}, ErrNotFound
	}
	defer s.tokens.clear()
	var t APIToken
	err := s.tx(ctx, func(tx pgx.Tx) error {
		org, err := manageUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		r, err := pgq.New(tx).RevokeAPIToken(ctx, pgq.RevokeAPITokenParams{ID: tokenID, UserID: userID})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		t = APIToken(r)
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionRevokeToken, Resource: "user", ResourceID: userID,
			Fields: []string{"tokens/" + tokenID + "/revoked_at"}})
	})
	if err != nil {
		return APIToken{}, err
	}
	return t, nil
}

// RevokeGrant removes a role a user holds at an organisation. The actor
// needs user:write at the user's organisation (then revoking a grant the
// user does not hold answers Revoked false), or at the grant's organisation
// when the grant exists (whoever may grant a role there may take it back).
// Anything else is ErrNotFound. The token cache is cleared.
func (s *Store) RevokeGrant(ctx context.Context, a Actor, userID, orgID, role string) (GrantRevocation, error) {
	var pr problems
	if !validID(orgID) {
		pr.Add("/org_id", "is required")
	}
	if strings.TrimSpace(role) == "" {
		pr.Add("/role", "is required")
	}
	if err := pr.Err(); err != nil {
		return GrantRevocation{}, err
	}
	defer s.tokens.clear()
	r := GrantRevocation{UserID: userID, OrgID: orgID, Role: role}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		org, err := manageUser(ctx, tx, a, userID)
		if errors.Is(err, ErrNotFound) && org != "" { // the user exists, outside the actor's reach
			ok, err := inScope(ctx, tx, a, PermUserWrite, orgID)
			if err != nil {
				return err
			}
			var exists bool
			if ok {
				if exists, err = pgq.New(tx).GrantExists(ctx, pgq.GrantExistsParams{UserID: userID, OrgID: orgID, Role: role}); err != nil {
					return err
				}
			}
			if !exists {
				return ErrNotFound
			}
		} else if err != nil {
			return err
		}
		n, err := pgq.New(tx).DeleteGrant(ctx, pgq.DeleteGrantParams{UserID: userID, OrgID: orgID, Role: role})
		if err != nil {
			return err
		}
		r.Revoked = n > 0
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionRevokeGrant, Resource: "user", ResourceID: userID,
			Fields: []string{"grants/" + orgID + "/" + role}})
	})
	if err != nil {
		return GrantRevocation{}, err
	}
	return r, nil
}
