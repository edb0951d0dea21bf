package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Booking is one appointment the driver asked for: a slot of its own
// (provider and start), so a row in appointments names the booking it
// came from.
type Booking struct {
	Key      string    `json:"key"`
	Provider string    `json:"provider"`
	StartsAt time.Time `json:"starts_at"`
	// Acked: an API server answered 201 (first time or replayed).
	Acked bool `json:"acked"`
	// Error: why the driver gave up on it (not acknowledged).
	Error string `json:"error,omitempty"`
}

// BookingRun is what `claimflow-chaos book` saw.
type BookingRun struct {
	Bookings []Booking `json:"bookings"`
	// Retried counts attempts that failed in transport or with a 5xx and
	// were sent again (to the other server) under the same key.
	Retried int64 `json:"retried"`
}

// Save writes r to path as JSON.
func (r BookingRun) Save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// LoadBookings reads a BookingRun written by Save; a missing file is an
// empty run (the fault had no bookings).
func LoadBookings(path string) (BookingRun, error) {
	var r BookingRun
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	} else if err != nil {
		return r, err
	}
	return r, json.Unmarshal(b, &r)
}

// Book books appointments through c, conc clients at once, until ctx is
// done; each booking is a fresh slot under its own Idempotency-Key,
// retried across the servers until an answer or c.Retry. Bookings start in
// 2031 so they never collide with claims' dates or a rerun's slots of
// another run (the run's name picks the year's week).
func Book(ctx context.Context, c *Client, s State, conc int) BookingRun {
	base := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(weekOf(s.Run)) * 7 * 24 * time.Hour)
	var next atomic.Int64
	var mu sync.Mutex
	var out []Booking
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				p := int(n) % len(s.Providers)
				b := Booking{Key: fmt.Sprintf("chaos-%s-book-%d", s.Run, n), Provider: s.Providers[p],
					StartsAt: base.Add(time.Duration(n/int64(len(s.Providers))) * 15 * time.Minute)}
				body := map[string]any{"provider_id": b.Provider, "patient_id": s.Patients[p], "visit_type": "chaos",
					"starts_at": b.StartsAt.Format(time.RFC3339), "ends_at": b.StartsAt.Add(15 * time.Minute).Format(time.RFC3339)}
				// The booking, once sent, is seen through to an answer even
				// when the run's time is up: context.WithoutCancel.
				if _, err := c.Post(context.WithoutCancel(ctx), "/v1/appointments", b.Key, body, nil); err != nil {
					b.Error = err.Error()
				} else {
					b.Acked = true
				}
				mu.Lock()
				out = append(out, b)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return BookingRun{Bookings: out, Retried: c.Failures()}
}

// weekOf maps a run name onto one of 500 weeks.
func weekOf(run string) int {
	h := 0
	for _, r := range run {
		h = (h*31 + int(r)) % 500
	}
	return h
}
