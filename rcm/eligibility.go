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
	// Deviations are the deviations from the 271 guide found in the
	// responses to this check (issue 17), as the reader sees them; filled
	// by the reads that show a check to staff.
	Deviations []Deviation `json:"deviations"`
}

// Benefits is what is stored (sealed) from a 271 for the patient, for
// health benefit plan coverage (service type 30).
type Benefits struct {
	Active               bool   `json:"active"`
	Plan                 string `json:"plan,omitempty"`
	InsuranceType        string `json:"insurance_type,omitempty"`
	DeductibleCents      *int64 `json:"deductible_cents,omitempty"`
	DeductibleLeftCents  *int64 `json:"deductible_remaining_cents,omitempty"`
	OutOfPocketCents     *int64 `json:"out_of_pocket_cents,omitempty"`
	OutOfPocketLeftCents *int64 `json:"out_of_pocket_remaining_cents,omitempty"`
	CoPayCents           *int64 `json:"copay_cents,omitempty"`
	CoInsurance          string `json:"coinsurance,omitempty"`
}
