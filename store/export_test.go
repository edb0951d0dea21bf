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
	calls := make([]*call[bookIn, Appointment], len(in))
	for i, c := range in {
		b := c.Booking
		calls[i] = &call[bookIn, Appointment]{ctx: ctx, in: bookIn{a: c.Actor,
			x: Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt.UTC(), EndsAt: b.EndsAt.UTC()}}}
	}
	s.bookBatch(ctx, append([]*call[bookIn, Appointment](nil), calls...))
	out := make([]BatchResult, len(in))
	for i, c := range calls {
		out[i] = BatchResult{c.out, c.err}
	}
	return out
}
