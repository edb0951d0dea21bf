package store

import (
	"testing"
	"time"
)

// TestTokenCacheDropsAnswersReadBeforeAClear: a lookup that read Postgres
// before a revocation cleared the cache must not put its (now stale)
// principal back.
func TestTokenCacheDropsAnswersReadBeforeAClear(t *testing.T) {
	var c tokenCache
	now := time.Now()
	p := Principal{UserID: "u", Permissions: map[string]bool{PermPatientRead: true}}
	gen := c.generation() // Authenticate takes it before its query
	c.clear()             // a revocation commits meanwhile
	c.put("h", p, now, gen)
	if _, ok := c.get("h", now); ok {
		t.Fatal("a principal read before the clear was cached")
	}
	c.put("h", p, now, c.generation())
	if got, ok := c.get("h", now); !ok || got.UserID != "u" {
		t.Fatalf("a fresh answer was not cached: %+v %v", got, ok)
	}
	if _, ok := c.get("h", now.Add(tokenCacheTTL)); ok {
		t.Fatal("an expired entry was answered")
	}
}
