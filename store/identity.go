package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// OIDCSigningKeys lists the keys still published at now, newest first.
func (s *Store) OIDCSigningKeys(ctx context.Context, now time.Time) ([]OIDCSigningKey, error) {
	rows, err := s.Pool.Query(ctx, q("ListOIDCSigningKeys"), now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OIDCSigningKey, error) {
		var k OIDCSigningKey
		return k, r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.CreatedAt, &k.RetireAt)
	})
}

// RotateOIDCSigningKey adds k as the signing key unless another process
// added one created after newerThan meanwhile (then it reports false). The
// keys it replaces stay published until retireOthersAt, so tokens they
// signed still verify; keys retired before k.CreatedAt are deleted.
func (s *Store) RotateOIDCSigningKey(ctx context.Context, k OIDCSigningKey, newerThan, retireOthersAt time.Time) (bool, error) {
	added := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("LockOIDCSigningKeys")); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q("ListOIDCSigningKeys"), k.CreatedAt)
		if err != nil {
			return err
		}
		keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OIDCSigningKey, error) {
			var k OIDCSigningKey
			return k, r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.CreatedAt, &k.RetireAt)
		})
		if err != nil {
			return err
		}
		if len(keys) > 0 && keys[0].CreatedAt.After(newerThan) {
			return nil // another replica rotated first
		}
		if _, err := tx.Exec(ctx, q("InsertOIDCSigningKey"), k.ID, k.Algorithm, k.PrivateKey, k.CreatedAt, k.RetireAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q("RetireOIDCSigningKeys"), k.ID, retireOthersAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q("DeleteRetiredOIDCSigningKeys"), k.CreatedAt); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, err
}

// UserIdentity reads an enabled user's identity and permissions (an access
// token's subject). A disabled or unknown user is ErrUnauthenticated.
func (s *Store) UserIdentity(ctx context.Context, userID string) (Identity, error) {
	var id Identity
	if !validID(userID) {
		return id, ErrUnauthenticated
	}
	var perms []string
	err := s.Pool.QueryRow(ctx, q("UserIdentity"), userID).Scan(&id.UserID, &id.OrgID, &id.Kind, &id.Login, &id.DisplayName, &perms)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrUnauthenticated
	}
	if err != nil {
		return id, err
	}
	id.Permissions = make(map[string]bool, len(perms))
	for _, p := range perms {
		id.Permissions[p] = true
	}
	return id, nil
}

// CreateOIDCAuthRequest stores r and drops requests created before
// expiredBefore.
func (s *Store) CreateOIDCAuthRequest(ctx context.Context, r OIDCAuthRequest, expiredBefore time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("DeleteExpiredOIDCAuthRequests"), expiredBefore); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q("InsertOIDCAuthRequest"), r.ID, r.ClientID, r.RedirectURI, r.State, r.Nonce, r.Scopes,
			r.ResponseType, r.ResponseMode, r.CodeChallenge, r.CodeChallengeMethod, r.CreatedAt)
		return err
	})
}

func (s *Store) oidcAuthRequest(ctx context.Context, query, key string, createdAfter time.Time) (OIDCAuthRequest, error) {
	var r OIDCAuthRequest
	err := s.Pool.QueryRow(ctx, q(query), key, createdAfter).Scan(&r.ID, &r.ClientID, &r.RedirectURI, &r.State, &r.Nonce,
		&r.Scopes, &r.ResponseType, &r.ResponseMode, &r.CodeChallenge, &r.CodeChallengeMethod, &r.CreatedAt, &r.UserID, &r.AuthTime, &r.Code)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrOIDCRequestGone
	}
	return r, err
}

// OIDCAuthRequest reads a sign-in created after createdAfter.
func (s *Store) OIDCAuthRequest(ctx context.Context, id string, createdAfter time.Time) (OIDCAuthRequest, error) {
	return s.oidcAuthRequest(ctx, "GetOIDCAuthRequest", id, createdAfter)
}

// OIDCAuthRequestByCode reads a sign-in by its authorization code.
func (s *Store) OIDCAuthRequestByCode(ctx context.Context, code string, createdAfter time.Time) (OIDCAuthRequest, error) {
	return s.oidcAuthRequest(ctx, "GetOIDCAuthRequestByCode", code, createdAfter)
}

// SetOIDCAuthCode records the code issued for a sign-in.
func (s *Store) SetOIDCAuthCode(ctx context.Context, id, code string) error {
	t, err := s.Pool.Exec(ctx, q("SetOIDCAuthCode"), id, code)
	if err == nil && t.RowsAffected() == 0 {
		err = ErrOIDCRequestGone
	}
	return err
}

// CompleteOIDCAuthRequest marks a sign-in done by userID (once).
func (s *Store) CompleteOIDCAuthRequest(ctx context.Context, id, userID string, at, createdAfter time.Time) error {
	t, err := s.Pool.Exec(ctx, q("CompleteOIDCAuthRequest"), id, userID, at, createdAfter)
	if err == nil && t.RowsAffected() == 0 {
		err = ErrOIDCRequestGone
	}
	return err
}

// DeleteOIDCAuthRequest ends a sign-in (its code was exchanged).
func (s *Store) DeleteOIDCAuthRequest(ctx context.Context, id string) error {
	_, err := s.Pool.Exec(ctx, q("DeleteOIDCAuthRequest"), id)
	return err
}
