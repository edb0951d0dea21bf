package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
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
		c, err := pgq.New(s.Pool).CountLoginAttempt(ctx, pgq.CountLoginAttemptParams{Key: key[:], WindowStart: now, Secs: pol.AttemptWindow.Seconds()})
		if err != nil {
			return err
		}
		if int(c.Attempts) > k.limit {
			wait = max(wait, c.WindowStart.Add(pol.AttemptWindow).Sub(now))
		}
	}
	if rand.IntN(100) == 0 { // now and then, forget finished windows
		_ = pgq.New(s.Pool).PruneLoginAttempts(ctx, now.Add(-pol.AttemptWindow))
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
		db := pgq.New(tx)
		old, err := db.GetAPITokenForRotation(ctx, pgq.GetAPITokenForRotationParams{ID: tokenID, UserID: userID})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if old.Revoked || old.Replaced || !old.ExpiresAt.After(now) {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "", Detail: "the token is revoked, expired or already rotated: issue a new one"}}}
		}
		if it.CreatedAt, err = db.InsertAPITokenExpiring(ctx, pgq.InsertAPITokenExpiringParams{ID: it.ID, UserID: userID, TokenHash: tokenHash(it.Token), ExpiresAt: it.ExpiresAt}); err != nil {
			return err
		}
		replaced, err := db.ReplaceAPIToken(ctx, pgq.ReplaceAPITokenParams{ID: tokenID, ReplacedBy: &it.ID, ExpiresAt: now.Add(max(0, s.policy.TokenRotationGrace))})
		if err != nil {
			return err
		}
		it.ReplacedExpiresAt = &replaced.ExpiresAt
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionIssueToken, Resource: "user", ResourceID: userID,
			Fields: []string{"tokens/" + it.ID, "tokens/" + tokenID + "/expires_at"}})
	})
	if err != nil {
		return IssuedToken{}, err
	}
	return it, nil
}
