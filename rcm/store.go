package rcm

import (
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist (or is not visible).
var ErrNotFound = errors.New("not found")

// SmokeRun is one round trip of the smoke workflow.
type SmokeRun struct {
	ID        string
	Message   string
	WrittenBy string
	CreatedAt time.Time
}
