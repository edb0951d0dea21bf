package store

import (
	"sync"
	"time"
)

// tokenCacheTTL bounds how long an API token's principal (user, kind,
// permissions) is reused without asking Postgres: a grant, a grant
// revocation, a token revocation or a disabled user made in this process
// clears the cache at once; the same change made by another instance
// applies within this delay.
const tokenCacheTTL = 2 * time.Second

// tokenCache remembers authenticated API tokens by their hash (never the
// token itself). Sessions are not cached: their idle timeout needs every
// request.
//
// gen counts clears: a lookup that read Postgres before a clear (and so may
// have seen the access just taken away) does not put its answer back.
type tokenCache struct {
	mu  sync.Mutex
	m   map[string]cachedPrincipal
	gen uint64
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

// generation is taken before reading Postgres and handed to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *tokenCache) put(hash string, p Principal, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen { // cleared since the caller read Postgres
		return
	}
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedPrincipal{}
	}
	c.m[hash] = cachedPrincipal{p: p, expires: now.Add(tokenCacheTTL)}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.gen++
}
