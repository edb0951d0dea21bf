package store

import (
	"time"
)

// What a claim can carry. The store refuses values no 837 could send, so a
// claim never fails scrubbing for a reason the person who typed the value
// cannot see. README ("Input bounds") and schemas/openapi.yaml document
// the same bounds.

// today is the store clock's date (UTC midnight).
func (s *Store) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
