package rcm

import (
	"fmt"
	"strings"
	"time"
)

// Appointment is a booked visit. A non-cancelled appointment holds its
// provider's time exclusively: Postgres rejects any overlap.
type Appointment struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"org_id"`
	ProviderID   string    `json:"provider_id"`
	PatientID    string    `json:"patient_id"`
	SeriesID     string    `json:"series_id,omitempty"`
	VisitType    string    `json:"visit_type"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Status       string    `json:"status"`
	CancelReason string    `json:"cancel_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Booking is the input of Book.
type Booking struct {
	ProviderID string    `json:"provider_id"`
	PatientID  string    `json:"patient_id"`
	VisitType  string    `json:"visit_type"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (b Booking) Validate() error {
	var pr Problems
	if !ValidID(b.ProviderID) {
		pr.Add("/provider_id", "is required")
	}
	if !ValidID(b.PatientID) {
		pr.Add("/patient_id", "is required")
	}
	if strings.TrimSpace(b.VisitType) == "" {
		pr.Add("/visit_type", "is required")
	}
	if b.StartsAt.IsZero() {
		pr.Add("/starts_at", "is required")
	}
	if !b.EndsAt.After(b.StartsAt) {
		pr.Add("/ends_at", "must be after starts_at")
	} else if b.EndsAt.Sub(b.StartsAt) > 12*time.Hour {
		pr.Add("/ends_at", "an appointment lasts at most 12 hours")
	}
	return pr.Err()
}

// Series is a recurring appointment: Count occurrences, every IntervalWeeks
// weeks from the first booking's time.
type Series struct {
	ID            string        `json:"id"`
	First         Booking       `json:"first"`
	IntervalWeeks int           `json:"interval_weeks"`
	Count         int           `json:"count"`
	Appointments  []Appointment `json:"appointments"`
}

// AppointmentFilter narrows ListAppointments.
type AppointmentFilter struct {
	ProviderID string
	PatientID  string
	Status     string
	From, To   *time.Time
}

// AppointmentPatch changes an appointment's details; times change through
// Reschedule, status through Cancel.
type AppointmentPatch struct {
	VisitType *string `json:"visit_type"`
}

// WaitlistEntry is a patient waiting for an earlier or any slot.
type WaitlistEntry struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org_id"`
	PatientID     string    `json:"patient_id"`
	ProviderID    string    `json:"provider_id,omitempty"`
	VisitType     string    `json:"visit_type"`
	Priority      int       `json:"priority"`
	Earliest      string    `json:"earliest,omitempty"`
	Latest        string    `json:"latest,omitempty"`
	Weekdays      []int     `json:"weekdays"`
	TimeFrom      string    `json:"time_from,omitempty"`
	TimeTo        string    `json:"time_to,omitempty"`
	Status        string    `json:"status"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ValidClock reports whether s is an HH:MM time of day.
func ValidClock(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil
}

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (w *WaitlistEntry) Validate() error {
	var pr Problems
	if !ValidID(w.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if !ValidID(w.PatientID) {
		pr.Add("/patient_id", "is required")
	}
	if w.ProviderID != "" && !ValidID(w.ProviderID) {
		pr.Add("/provider_id", "is not an id")
	}
	if strings.TrimSpace(w.VisitType) == "" {
		pr.Add("/visit_type", "is required")
	}
	if w.Priority < 0 || w.Priority > 100 {
		pr.Add("/priority", "must be 0 to 100")
	}
	if w.Earliest != "" && !ValidDate(w.Earliest) {
		pr.Add("/earliest", "must be a date YYYY-MM-DD")
	}
	if w.Latest != "" && !ValidDate(w.Latest) {
		pr.Add("/latest", "must be a date YYYY-MM-DD")
	}
	for i, d := range w.Weekdays {
		if d < 0 || d > 6 {
			pr.Add(fmt.Sprintf("/weekdays/%d", i), "must be 0 (Sunday) to 6")
		}
	}
	if w.TimeFrom != "" && !ValidClock(w.TimeFrom) {
		pr.Add("/time_from", "must be a time HH:MM")
	}
	if w.TimeTo != "" && !ValidClock(w.TimeTo) {
		pr.Add("/time_to", "must be a time HH:MM")
	}
	if w.Weekdays == nil {
		w.Weekdays = []int{}
	}
	return pr.Err()
}

// WaitlistFilter narrows ListWaitlist. Waiting entries come by priority
// (highest first), then by age.
type WaitlistFilter struct {
	OrgID      string
	ProviderID string
	Status     string
	VisitType  string
}

// WaitlistPatch changes a waiting entry's preferences.
type WaitlistPatch struct {
	ProviderID *string `json:"provider_id"`
	VisitType  *string `json:"visit_type"`
	Priority   *int    `json:"priority"`
	Earliest   *string `json:"earliest"`
	Latest     *string `json:"latest"`
	Weekdays   *[]int  `json:"weekdays"`
	TimeFrom   *string `json:"time_from"`
	TimeTo     *string `json:"time_to"`
}

// AvailabilityTemplate is one weekly window of a provider, in wall-clock
// time of TimeZone (an IANA name). Weekday 0 is Sunday.
type AvailabilityTemplate struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	ProviderID string    `json:"provider_id"`
	Weekday    int       `json:"weekday"`
	StartTime  string    `json:"start_time"`
	EndTime    string    `json:"end_time"`
	TimeZone   string    `json:"time_zone"`
	ValidFrom  string    `json:"valid_from,omitempty"`
	ValidTo    string    `json:"valid_to,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// AvailabilityException blocks (unavailable) or adds (available) time.
type AvailabilityException struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	ProviderID string    `json:"provider_id"`
	Kind       string    `json:"kind"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	CreatedAt  time.Time `json:"created_at"`
}

// ProviderAvailability is a provider's templates and exceptions.
type ProviderAvailability struct {
	Templates  []AvailabilityTemplate  `json:"templates"`
	Exceptions []AvailabilityException `json:"exceptions"`
}
