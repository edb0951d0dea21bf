package rcm

import "time"

// StatementView is a patient statement as a paper statement shows it: the
// practice, the dates of service, the amount billed, paid and due. Nothing
// clinical (no diagnosis, procedure or payer detail).
type StatementView struct {
	ID              string
	OrgID           string
	PatientID       string
	PracticeName    string
	ServiceDates    []time.Time // dates (UTC midnight), oldest first
	AmountCents     int64
	PaidCents       int64
	Currency        string
	Status          string
	PaymentIntentID string
	CreatedAt       time.Time
}

// DueCents is what the patient still owes.
func (v StatementView) DueCents() int64 {
	if d := v.AmountCents - v.PaidCents; d > 0 {
		return d
	}
	return 0
}

// AwaitingRelease says the statement has been opened but staff have not
// released it: no payment intent yet (the statement workflow creates it
// on release) and still open.
func (v StatementView) AwaitingRelease() bool {
	return v.Status == "open" && v.PaymentIntentID == ""
}
