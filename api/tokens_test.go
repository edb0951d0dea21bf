package api

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// TestAPITokenExpiresAndRotates (issue 14, finding 8): an API token stops
// working after its lifetime; rotating it issues a new one and lets the
// old one expire after the grace period; a rotated token cannot be rotated
// again.
func TestAPITokenExpiresAndRotates(t *testing.T) {
	w := newWorld(t)
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	w.store.UseClock(clock)
	w.store.UsePolicy(store.AuthPolicy{SessionIdle: 15 * time.Minute, SessionMaxAge: time.Hour, MaxFailures: 3, Lockout: time.Hour,
		APITokenTTL: 24 * time.Hour, TokenRotationGrace: 10 * time.Minute})
	admin := w.token(w.root.ID, "root-admin-2030", "admin") // issued at the test's clock, for 24 hours
	later := func(d time.Duration) { now.Add(int64(d)) }

	var sys store.User
	w.mustCall(201, admin, "POST", "/v1/users", map[string]any{"org_id": w.facA.ID, "kind": "system", "login": "rotating-system", "display_name": "TEST SYSTEM"}, &sys)
	w.mustCall(201, admin, "POST", "/v1/users/"+sys.ID+"/grants", map[string]any{"org_id": w.facA.ID, "role": "front_desk"}, nil)
	var first store.IssuedToken
	w.mustCall(201, admin, "POST", "/v1/users/"+sys.ID+"/tokens", nil, &first)
	if want := clock().Add(24 * time.Hour); !first.ExpiresAt.Equal(want) {
		t.Fatalf("expires_at = %v, want %v", first.ExpiresAt, want)
	}
	w.mustCall(200, first.Token, "GET", "/v1/patients", nil, nil)

	// Rotate after 20 hours: both work during the grace period, then only
	// the new one.
	later(20 * time.Hour)
	admin = w.token(w.root.ID, "root-admin-day2", "admin")
	var second store.IssuedToken
	w.mustCall(201, admin, "POST", "/v1/users/"+sys.ID+"/tokens/"+first.ID+"/rotate", nil, &second)
	if second.Token == "" || second.Token == first.Token || second.Replaces != first.ID || second.ReplacedExpiresAt == nil ||
		!second.ReplacedExpiresAt.Equal(clock().Add(10*time.Minute)) {
		t.Fatalf("rotated = %+v", second)
	}
	w.mustCall(200, first.Token, "GET", "/v1/patients", nil, nil)
	w.mustCall(200, second.Token, "GET", "/v1/patients", nil, nil)
	w.mustCall(422, admin, "POST", "/v1/users/"+sys.ID+"/tokens/"+first.ID+"/rotate", nil, nil)
	later(11 * time.Minute)
	w.mustCall(401, first.Token, "GET", "/v1/patients", nil, nil)
	w.mustCall(200, second.Token, "GET", "/v1/patients", nil, nil)
	var l List[store.APIToken]
	w.mustCall(200, admin, "GET", "/v1/users/"+sys.ID+"/tokens", nil, &l)
	if len(l.Items) != 2 || l.Items[0].ExpiresAt.IsZero() {
		t.Fatalf("tokens = %+v", l.Items)
	}

	// The new token's own lifetime ends it.
	later(24 * time.Hour)
	w.mustCall(401, second.Token, "GET", "/v1/patients", nil, nil)
}
