package keyring

import "time"

// SetLocalRecheck changes how often LocalKEKs look for a rotated key file,
// for the length of a test.
func SetLocalRecheck(d time.Duration) (restore func()) {
	old := localRecheck
	localRecheck = d
	return func() { localRecheck = old }
}

// CacheLen reports how many unwrapped data keys k holds.
func CacheLen(k *Keyring) int { return k.cache.len() }
