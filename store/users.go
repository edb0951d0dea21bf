package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
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

func scanUserDetail(r pgx.Row) (UserDetail, error) {
	var u UserDetail
	err := r.Scan(&u.ID, &u.OrgID, &u.Kind, &u.Login, &u.DisplayName, &u.Disabled, &u.LockedUntil, &u.CreatedAt)
	return u, err
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
	rows, err := tx.Query(ctx, q("ListUserGrants"), ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var g UserGrant
		if err := rows.Scan(&uid, &g.OrgID, &g.Role); err != nil {
			return err
		}
		if i, ok := at[uid]; ok {
			users[i].Grants = append(users[i].Grants, g)
		}
	}
	return rows.Err()
}

// readUser reads a user with grants, without a scope check.
func readUser(ctx context.Context, tx pgx.Tx, id string) (UserDetail, error) {
	u, err := scanUserDetail(tx.QueryRow(ctx, q("GetUser"), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, err
	}
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
	var org, kind string
	err := tx.QueryRow(ctx, q("GetUserOrgForUpdate"), id).Scan(&org, &kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return org, requireScope(ctx, tx, a, PermUserWrite, org)
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
		rows, err := tx.Query(ctx, q("ListUsers"), nullable(a.UserID), PermUserWrite, after, p.Size(), nullable(f.OrgID))
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserDetail, error) { return scanUserDetail(r) }); err != nil {
			return err
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
			if _, err := tx.Exec(ctx, q("RevokeUserSessions"), id); err != nil {
				return err
			}
			e.Action, e.Fields = ActionDisable, []string{"disabled", "sessions/revoked_at"}
		}
		if _, err := tx.Exec(ctx, q("SetUserDisabled"), id, disabled); err != nil {
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
		if _, err := tx.Exec(ctx, q("UnlockUser"), id); err != nil {
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
		rows, err := tx.Query(ctx, q("ListAPITokens"), userID, after, p.Size())
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
			var t APIToken
			return t, r.Scan(&t.ID, &t.UserID, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt, &t.ExpiresAt)
		})
		return err
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
		err = tx.QueryRow(ctx, q("RevokeAPIToken"), tokenID, userID).Scan(&t.ID, &t.UserID, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt, &t.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
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
				if err := tx.QueryRow(ctx, q("GrantExists"), userID, orgID, role).Scan(&exists); err != nil {
					return err
				}
			}
			if !exists {
				return ErrNotFound
			}
		} else if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, q("DeleteGrant"), userID, orgID, role)
		if err != nil {
			return err
		}
		r.Revoked = tag.RowsAffected() > 0
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionRevokeGrant, Resource: "user", ResourceID: userID,
			Fields: []string{"grants/" + orgID + "/" + role}})
	})
	if err != nil {
		return GrantRevocation{}, err
	}
	return r, nil
}
