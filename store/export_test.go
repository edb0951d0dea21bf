package store

import "context"

// BatchBooking and BookBatchForTest let the external tests drive one batch
// transaction directly (bookbatch.go), without depending on timing to make
// the queue form one.
type BatchBooking struct {
	Actor   Actor
	Booking Booking
}

type BatchResult struct {
	Appointment Appointment
	Err         error
}

func (s *Store) BookBatchForTest(ctx context.Context, in []BatchBooking) []BatchResult {
	reqs := make([]*bookRequest, len(in))
	for i, c := range in {
		b := c.Booking
		reqs[i] = &bookRequest{ctx: ctx, a: c.Actor, done: make(chan struct{}),
			x: Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt.UTC(), EndsAt: b.EndsAt.UTC()}}
	}
	s.bookBatch(append([]*bookRequest(nil), reqs...))
	out := make([]BatchResult, len(in))
	for i, r := range reqs {
		out[i] = BatchResult{r.x, r.err}
	}
	return out
}
