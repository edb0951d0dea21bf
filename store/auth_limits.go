package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// countLoginAttempt counts one attempt for the login name and for the
// source address (when known) in Postgres, so every API instance shares
// the counts, and answers *RateLimited past either limit. Keys are hashes:
// no login name or address is stored.
func (s *Store) countLoginAttempt(ctx context.Context, addr, login string) error {
	pol := s.policy
	if pol.AttemptWindow <= 0 {
		return nil
	}
	now := s.now()
	var wait time.Duration
	for _, k := range []struct {
		kind, value string
		limit       int
	}{{"account", login, pol.AccountAttempts}, {"address", addr, pol.AddressAttempts}} {
		if k.limit <= 0 || k.value == "" {
			continue
		}
		key := sha256.Sum256([]byte(k.kind + "\x00" + k.value))
		var start time.Time
		var n int
		if err := s.Pool.QueryRow(ctx, q("CountLoginAttempt"), key[:], now, pol.AttemptWindow.Seconds()).Scan(&start, &n); err != nil {
			return err
		}
		if n > k.limit {
			wait = max(wait, start.Add(pol.AttemptWindow).Sub(now))
		}
	}
	if rand.IntN(100) == 0 { // now and then, forget finished windows
		_, _ = s.Pool.Exec(ctx, q("PruneLoginAttempts"), now.Add(-pol.AttemptWindow))
	}
	if wait > 0 {
		return &RateLimited{RetryAfter: wait}
	}
	return nil
}

func (s *Store) tokenTTL() time.Duration {
	if s.policy.APITokenTTL > 0 {
		return s.policy.APITokenTTL
	}
	return DefaultAPITokenTTL
}

// RotateAPIToken issues a new token for the user of an active token and
// lets the old one expire TokenRotationGrace later (or at its own expiry,
// when sooner), so a system can switch over without a gap. A revoked,
// expired or already rotated token cannot be rotated (422).
func (s *Store) RotateAPIToken(ctx context.Context, a Actor, userID, tokenID string) (IssuedToken, error) {
	if !validID(userID) || !validID(tokenID) {
		return IssuedToken{}, ErrNotFound
	}
	defer s.tokens.clear()
	now := s.now()
	it := IssuedToken{ID: newID(), Token: newSecret("cf_sys_"), ExpiresAt: now.Add(s.tokenTTL()), Replaces: tokenID}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		org, err := manageUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		var owner string
		var expires time.Time
		var revoked, replaced bool
		err = tx.QueryRow(ctx, q("GetAPITokenForRotation"), tokenID, userID).Scan(&owner, &expires, &revoked, &replaced)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if revoked || replaced || !expires.After(now) {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "", Detail: "the token is revoked, expired or already rotated: issue a new one"}}}
		}
		if err := tx.QueryRow(ctx, q("InsertAPITokenExpiring"), it.ID, userID, tokenHash(it.Token), it.ExpiresAt).Scan(&it.CreatedAt); err != nil {
			return err
		}
		var old APIToken
		if err := tx.QueryRow(ctx, q("ReplaceAPIToken"), tokenID, it.ID, now.Add(max(0, s.policy.TokenRotationGrace))).
			Scan(&old.ID, &old.UserID, &old.CreatedAt, &old.LastUsedAt, &old.RevokedAt, &old.ExpiresAt); err != nil {
			return err
		}
		it.ReplacedExpiresAt = &old.ExpiresAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionIssueToken, Resource: "user", ResourceID: userID,
			Fields: []string{"tokens/" + it.ID, "tokens/" + tokenID + "/expires_at"}})
	})
	if err != nil {
		return IssuedToken{}, err
	}
	return it, nil
}
