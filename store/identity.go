package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// OIDCSigningKeys lists the keys still published at now, newest first.
func (s *Store) OIDCSigningKeys(ctx context.Context, now time.Time) ([]OIDCSigningKey, error) {
	return signingKeys(pgq.New(s.Pool).ListOIDCSigningKeys(ctx, now))
}

func signingKeys(rows []pgq.OidcSigningKey, err error) ([]OIDCSigningKey, error) {
	if err != nil {
		return nil, err
	}
	out := make([]OIDCSigningKey, len(rows))
	for i, r := range rows {
		out[i] = OIDCSigningKey(r)
	}
	return out, nil
}

// RotateOIDCSigningKey adds k as the signing key unless another process
// added one created after newerThan meanwhile (then it reports false). The
// keys it replaces stay published until retireOthersAt, so tokens they
// signed still verify; keys retired before k.CreatedAt are deleted.
func (s *Store) RotateOIDCSigningKey(ctx context.Context, k OIDCSigningKey, newerThan, retireOthersAt time.Time) (bool, error) {
	added := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		if err := db.LockOIDCSigningKeys(ctx); err != nil {
			return err
		}
		keys, err := signingKeys(db.ListOIDCSigningKeys(ctx, k.CreatedAt))
		if err != nil {
			return err
		}
		if len(keys) > 0 && keys[0].CreatedAt.After(newerThan) {
			return nil // another replica rotated first
		}
		if err := db.InsertOIDCSigningKey(ctx, pgq.InsertOIDCSigningKeyParams(k)); err != nil {
			return err
		}
		if err := db.RetireOIDCSigningKeys(ctx, pgq.RetireOIDCSigningKeysParams{KeepID: k.ID, RetireAt: retireOthersAt}); err != nil {
			return err
		}
		if err := db.DeleteRetiredOIDCSigningKeys(ctx, k.CreatedAt); err != nil {
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
	u, err := pgq.New(s.Pool).UserIdentity(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrUnauthenticated
	}
	if err != nil {
		return id, err
	}
	id = Identity{UserID: u.UserID, OrgID: u.OrgID, Kind: u.Kind, Login: u.Login, DisplayName: u.DisplayName,
		Permissions: make(map[string]bool, len(u.Permissions))}
	for _, p := range u.Permissions {
		id.Permissions[p] = true
	}
	return id, nil
}

// CreateOIDCAuthRequest stores r and drops requests created before
// expiredBefore.
func (s *Store) CreateOIDCAuthRequest(ctx context.Context, r OIDCAuthRequest, expiredBefore time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		if err := db.DeleteExpiredOIDCAuthRequests(ctx, expiredBefore); err != nil {
			return err
		}
		return db.InsertOIDCAuthRequest(ctx, pgq.InsertOIDCAuthRequestParams{ID: r.ID, ClientID: r.ClientID,
			RedirectUri: r.RedirectURI, State: r.State, Nonce: r.Nonce, Scopes: r.Scopes, ResponseType: r.ResponseType,
			ResponseMode: r.ResponseMode, CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod, CreatedAt: r.CreatedAt})
	})
}

func oidcAuthRequest(r pgq.GetOIDCAuthRequestRow, err error) (OIDCAuthRequest, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return OIDCAuthRequest{}, ErrOIDCRequestGone
	}
	if err != nil {
		return OIDCAuthRequest{}, err
	}
	return OIDCAuthRequest{ID: r.ID, ClientID: r.ClientID, RedirectURI: r.RedirectUri, State: r.State, Nonce: r.Nonce,
		Scopes: r.Scopes, ResponseType: r.ResponseType, ResponseMode: r.ResponseMode, CodeChallenge: r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod, CreatedAt: r.CreatedAt, UserID: r.UserID, AuthTime: r.AuthTime, Code: r.Code}, nil
}

// OIDCAuthRequest reads a sign-in created after createdAfter.
func (s *Store) OIDCAuthRequest(ctx context.Context, id string, createdAfter time.Time) (OIDCAuthRequest, error) {
	return oidcAuthRequest(pgq.New(s.Pool).GetOIDCAuthRequest(ctx, pgq.GetOIDCAuthRequestParams{ID: id, CreatedAfter: createdAfter}))
}

// OIDCAuthRequestByCode reads a sign-in by its authorization code.
func (s *Store) OIDCAuthRequestByCode(ctx context.Context, code string, createdAfter time.Time) (OIDCAuthRequest, error) {
	r, err := pgq.New(s.Pool).GetOIDCAuthRequestByCode(ctx, pgq.GetOIDCAuthRequestByCodeParams{Code: code, CreatedAfter: createdAfter})
	return oidcAuthRequest(pgq.GetOIDCAuthRequestRow(r), err)
}

// SetOIDCAuthCode records the code issued for a sign-in.
func (s *Store) SetOIDCAuthCode(ctx context.Context, id, code string) error {
	n, err := pgq.New(s.Pool).SetOIDCAuthCode(ctx, pgq.SetOIDCAuthCodeParams{ID: id, Code: code})
	if err == nil && n == 0 {
		err = ErrOIDCRequestGone
	}
	return err
}

// CompleteOIDCAuthRequest marks a sign-in done by userID (once).
func (s *Store) CompleteOIDCAuthRequest(ctx context.Context, id, userID string, at, createdAfter time.Time) error {
	n, err := pgq.New(s.Pool).CompleteOIDCAuthRequest(ctx, pgq.CompleteOIDCAuthRequestParams{ID: id, UserID: userID, AuthTime: at, CreatedAfter: createdAfter})
	if err == nil && n == 0 {
		err = ErrOIDCRequestGone
	}
	return err
}

// DeleteOIDCAuthRequest ends a sign-in (its code was exchanged).
func (s *Store) DeleteOIDCAuthRequest(ctx context.Context, id string) error {
	return pgq.New(s.Pool).DeleteOIDCAuthRequest(ctx, id)
}
