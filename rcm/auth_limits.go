package rcm

import (
	"time"
)

// RateLimited answers a sign-in attempt past the per-account or
// per-address limit; RetryAfter is when the window ends.
type RateLimited struct{ RetryAfter time.Duration }

func (e *RateLimited) Error() string { return "too many sign-in attempts" }
