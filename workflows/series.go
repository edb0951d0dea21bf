package workflows

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// SeriesInput describes a recurring appointment, e.g. weekly for 8 weeks.
type SeriesInput struct {
	SeriesID   string
	OrgID      string
	PatientID  string
	ProviderID string
	VisitType  string
	Location   string
	TimeZone   string
	FirstStart time.Time
	Duration   time.Duration
	EveryDays  int // 7 for weekly
	Count      int
	// Skip lists local dates (2006-01-02) with no occurrence.
	Skip []string
	// Reminders configures each occurrence's reminders.
	Reminders ReminderOptions
}

// Occurrence statuses.
const (
	OccurrenceBooked   = "booked"
	OccurrenceSkipped  = "skipped"  // an exception date
	OccurrenceConflict = "conflict" // the slot was taken (409)
	OccurrencePast     = "past"
)

// SeriesOccurrenceResult is one occurrence's fate.
type SeriesOccurrenceResult struct {
	Index         int
	StartsAt      time.Time
	Status        string
	AppointmentID string
	ReminderID    string
}

// SeriesResult lists every occurrence.
type SeriesResult struct {
	SeriesID    string
	Occurrences []SeriesOccurrenceResult
}

// AppointmentSeries books each occurrence of a series through the booking
// service (idempotently, keyed by series and index), leaves out the
// exception dates, records conflicts without stopping, and starts each
// booked occurrence's reminder workflow (reminder/<appointment-id>), which
// outlives this one.
func AppointmentSeries(ctx workflow.Context, in SeriesInput) (SeriesResult, error) {
	actx := engagementCtx(ctx)
	var e *activities.Engagement
	res := SeriesResult{SeriesID: in.SeriesID}
	if in.Duration <= 0 {
		return res, temporal.NewNonRetryableApplicationError("series needs a positive duration", activities.ErrTypeBadRequest, nil)
	}
	var occ []activities.SeriesOccurrence
	if err := workflow.ExecuteActivity(actx, e.PlanSeries, activities.SeriesPlanRequest{
		FirstStart: in.FirstStart, TimeZone: in.TimeZone, EveryDays: in.EveryDays, Count: in.Count, Skip: in.Skip,
	}).Get(ctx, &occ); err != nil {
		return res, err
	}
	for _, o := range occ {
		r := SeriesOccurrenceResult{Index: o.Index, StartsAt: o.StartsAt}
		switch {
		case o.Skipped:
			r.Status = OccurrenceSkipped
		case !o.StartsAt.After(workflow.Now(ctx)):
			r.Status = OccurrencePast
		default:
			slot := activities.Slot{OrgID: in.OrgID, ProviderID: in.ProviderID, VisitType: in.VisitType,
				StartsAt: o.StartsAt, EndsAt: o.StartsAt.Add(in.Duration), TimeZone: in.TimeZone, Location: in.Location}
			var id string
			err := workflow.ExecuteActivity(actx, e.BookSlot, activities.BookRequest{
				Slot: slot, PatientID: in.PatientID, SeriesID: in.SeriesID,
				IdempotencyKey: SeriesIDPrefix + in.SeriesID + "/" + strconv.Itoa(o.Index),
			}).Get(ctx, &id)
			var appErr *temporal.ApplicationError
			switch {
			case err == nil:
				r.Status, r.AppointmentID = OccurrenceBooked, id
				if r.ReminderID, err = startReminders(ctx, id, in.Reminders); err != nil {
					return res, err
				}
			case errors.As(err, &appErr) && (appErr.Type() == activities.ErrTypeSlotTaken || appErr.Type() == activities.ErrTypeBookingRejected):
				r.Status = OccurrenceConflict
			default:
				return res, err
			}
		}
		res.Occurrences = append(res.Occurrences, r)
	}
	return res, nil
}
