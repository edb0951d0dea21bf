package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

// TestOIDCSigningKeyRotation: two replicas rotating at once add one key;
// the replaced key stays published until its retirement, then is deleted.
func TestOIDCSigningKeyRotation(t *testing.T) {
	s, _ := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	key := func(id string, at time.Time) store.OIDCSigningKey {
		return store.OIDCSigningKey{ID: id, Algorithm: "RS256", PrivateKey: []byte("sealed-" + id), CreatedAt: at, RetireAt: at.AddDate(100, 0, 0)}
	}
	if ok, err := s.RotateOIDCSigningKey(ctx, key("k1", t0), time.Time{}, t0); err != nil || !ok {
		t.Fatalf("first key: %v %v", ok, err)
	}
	// Two replicas see k1 as too old at the same moment.
	t1 := t0.Add(31 * 24 * time.Hour)
	okA, errA := s.RotateOIDCSigningKey(ctx, key("k2a", t1), t0, t1.Add(16*time.Minute))
	okB, errB := s.RotateOIDCSigningKey(ctx, key("k2b", t1.Add(time.Millisecond)), t0, t1.Add(16*time.Minute))
	if errA != nil || errB != nil || !okA || okB {
		t.Fatalf("concurrent rotations: a %v %v, b %v %v; want only the first to add a key", okA, errA, okB, errB)
	}
	keys, err := s.OIDCSigningKeys(ctx, t1)
	if err != nil || len(keys) != 2 || keys[0].ID != "k2a" || keys[1].ID != "k1" {
		t.Fatalf("after rotation: %+v %v; want k2a (signing) then k1 (published)", keys, err)
	}
	if keys, _ := s.OIDCSigningKeys(ctx, t1.Add(17*time.Minute)); len(keys) != 1 || keys[0].ID != "k2a" {
		t.Errorf("after k1 retired: %+v, want k2a only", keys)
	}
}

// TestOIDCAuthRequests: a sign-in is read by ID and by code, completed
// once, expires, and is gone once deleted.
func TestOIDCAuthRequests(t *testing.T) {
	s, _ := testenv.Store(t)
	ctx := context.Background()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	org, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: "sys", DisplayName: "SYS"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	r := store.OIDCAuthRequest{ID: "req1", ClientID: "temporal-ui", RedirectURI: "http://127.0.0.1:8233/auth/sso/callback",
		State: "s", Nonce: "n", Scopes: []string{"openid"}, ResponseType: "code", CreatedAt: now}
	if err := s.CreateOIDCAuthRequest(ctx, r, now.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOIDCAuthRequest(ctx, "req1", u.ID, now, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOIDCAuthRequest(ctx, "req1", u.ID, now, now.Add(-time.Minute)); !errors.Is(err, store.ErrOIDCRequestGone) {
		t.Errorf("second completion: %v, want ErrOIDCRequestGone", err)
	}
	if err := s.SetOIDCAuthCode(ctx, "req1", "code1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.OIDCAuthRequestByCode(ctx, "code1", now.Add(-time.Minute))
	if err != nil || got.UserID != u.ID || got.State != "s" || got.AuthTime == nil {
		t.Errorf("by code: %+v %v", got, err)
	}
	if _, err := s.OIDCAuthRequest(ctx, "req1", now.Add(time.Minute)); !errors.Is(err, store.ErrOIDCRequestGone) {
		t.Errorf("an expired sign-in: %v, want ErrOIDCRequestGone", err)
	}
	if err := s.DeleteOIDCAuthRequest(ctx, "req1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OIDCAuthRequestByCode(ctx, "code1", now.Add(-time.Minute)); !errors.Is(err, store.ErrOIDCRequestGone) {
		t.Errorf("a deleted sign-in: %v", err)
	}
}
