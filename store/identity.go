package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// OIDCSigningKey is one signing key of the OpenID Connect provider, its
// private key sealed by the caller (the identity package, with the keyring).
type OIDCSigningKey struct {
	ID         string
	Algorithm  string
	PrivateKey []byte // sealed
	CreatedAt  time.Time
	RetireAt   time.Time
}

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

// Identity is what the OpenID Connect provider and the codec endpoint know
// of a signed-in user: who, where, and what they may do.
type Identity struct {
	UserID      string
	OrgID       string
	Kind        string
	Login       string
	DisplayName string
	Permissions map[string]bool
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
