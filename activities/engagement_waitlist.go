package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Waitlist backfill and recurring series.

// WaitlistCandidates lists matching waitlist entries in priority order.
func (e *Engagement) WaitlistCandidates(ctx context.Context, slot Slot) ([]WaitlistCandidate, error) {
	if e.Scheduling == nil {
		return nil, notWired("scheduling")
	}
	return e.Scheduling.WaitlistCandidates(ctx, slot)
}

// WaitlistOffer offers a slot to one waitlisted patient.
type WaitlistOffer struct {
	EntryID    string
	PatientID  string
	Slot       Slot
	ExpiresAt  time.Time
	WorkflowID string
	Attempt    int
}

// SendWaitlistOffer sends the offer by SMS (replies come back by SMS) and
// email.
func (e *Engagement) SendWaitlistOffer(ctx context.Context, o WaitlistOffer) (SendResult, error) {
	if e.Scheduling == nil {
		return SendResult{}, notWired("scheduling")
	}
	c, err := e.Scheduling.PatientContact(ctx, o.PatientID)
	if err != nil {
		return SendResult{}, lookupErr("patient contact", err)
	}
	when, err := localTime(o.Slot.StartsAt, o.Slot.TimeZone)
	if err != nil {
		return SendResult{}, err
	}
	m := WaitlistOfferMessage(c.FirstName, when, o.Slot.Location, o.ExpiresAt)
	msgID := fmt.Sprintf("waitlist.%s.%s", o.Slot.Key(), o.EntryID)
	sms, err := e.deliver(ctx, ChannelSMS, c, o.WorkflowID, o.EntryID, msgID, m)
	if err != nil || !sms.Sent {
		// Without a text the patient cannot accept: no email either.
		return sms, err
	}
	mail, err := e.deliver(ctx, ChannelEmail, c, o.WorkflowID, o.EntryID, msgID, m)
	if err != nil {
		return mail, err
	}
	// The offer counts as sent only when the patient can answer it.
	return sms, nil
}

// BookSlot books through the booking service: ErrSlotTaken becomes the
// non-retryable SlotTaken, ErrBookingRejected BookingRejected.
func (e *Engagement) BookSlot(ctx context.Context, r BookRequest) (string, error) {
	if e.Scheduling == nil {
		return "", notWired("scheduling")
	}
	id, err := e.Scheduling.Book(ctx, r)
	switch {
	case errors.Is(err, ErrSlotTaken):
		return "", temporal.NewNonRetryableApplicationError("slot taken", ErrTypeSlotTaken, nil)
	case errors.Is(err, ErrBookingRejected):
		return "", temporal.NewNonRetryableApplicationError("booking rejected", ErrTypeBookingRejected, nil)
	case err != nil:
		return "", lookupErr("booking", err)
	}
	return id, nil
}

// SeriesPlanRequest describes a recurring appointment.
type SeriesPlanRequest struct {
	FirstStart time.Time // first occurrence
	TimeZone   string    // wall-clock time is kept across DST changes
	EveryDays  int       // 7 for weekly
	Count      int
	Skip       []string // local dates (2006-01-02) to leave out
}

// SeriesOccurrence is one planned occurrence.
type SeriesOccurrence struct {
	Index    int
	StartsAt time.Time
	Skipped  bool
}

// PlanSeries lists the occurrences of a series.
func (e *Engagement) PlanSeries(_ context.Context, r SeriesPlanRequest) ([]SeriesOccurrence, error) {
	return PlanSeriesOccurrences(r)
}

// PlanSeriesOccurrences is PlanSeries' pure core.
func PlanSeriesOccurrences(r SeriesPlanRequest) ([]SeriesOccurrence, error) {
	if r.Count < 1 || r.Count > 520 || r.EveryDays < 1 {
		return nil, temporal.NewNonRetryableApplicationError("series needs 1 to 520 occurrences at least a day apart", ErrTypeBadRequest, nil)
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("series has an unknown time zone", ErrTypeBadRequest, err)
	}
	skip := make(map[string]bool, len(r.Skip))
	for _, d := range r.Skip {
		skip[d] = true
	}
	first := r.FirstStart.In(loc)
	out := make([]SeriesOccurrence, 0, r.Count)
	for i := 0; i < r.Count; i++ {
		t := time.Date(first.Year(), first.Month(), first.Day()+i*r.EveryDays, first.Hour(), first.Minute(), first.Second(), 0, loc)
		out = append(out, SeriesOccurrence{Index: i, StartsAt: t.UTC(), Skipped: skip[t.Format("2006-01-02")]})
	}
	return out, nil
}
