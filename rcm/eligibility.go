package rcm

import (
	"errors"
	"time"
)

// EligibilityBundle is what a 270 for an appointment needs: the
// appointment, its patient, the coverage in force on its date, that
// coverage's payer and the appointment's provider.
type EligibilityBundle struct {
	Appointment Appointment
	Patient     Patient
	Coverage    Coverage
	Payer       Payer
	Provider    Provider
}

// ErrNoCoverage: the patient has no coverage in force on the date.
var ErrNoCoverage = errors.New("no coverage in force")

// EligibilityCheck is one stored 270/271 exchange.
type EligibilityCheck struct {
	TraceNumber   string    `json:"trace_number"`
	AppointmentID string    `json:"appointment_id"`
	CoverageID    string    `json:"coverage_id,omitempty"`
	WorkflowID    string    `json:"-"`
	Mode          string    `json:"mode"`
	Status        string    `json:"status"`
	RejectCodes   []string  `json:"reject_codes"`
	Benefits      any       `json:"benefits,omitempty"` // sealed at rest
	RequestKey    string    `json:"-"`
	ResponseKey   string    `json:"-"`
	CheckedAt     time.Time `json:"checked_at"`
}
