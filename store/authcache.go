package store

import (
	"sync"
	"time"
)

// tokenCacheTTL bounds how long an API token's principal (user, kind,
// permissions) is reused without asking Postgres: a grant made in this
// process clears the cache at once; a revocation, a disabled user or a
// grant made by another instance applies within this delay.
const tokenCacheTTL = 2 * time.Second

// tokenCache remembers authenticated API tokens by their hash (never the
// token itself). Sessions are not cached: their idle timeout needs every
// request.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       Principal
	expires time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !now.Before(e.expires) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(hash string, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedPrincipal{}
	}
	c.m[hash] = cachedPrincipal{p: p, expires: now.Add(tokenCacheTTL)}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
