package rcm

// SMSThread is one workflow that messaged a phone, and about what.
type SMSThread struct {
	WorkflowID string
	Ref        string
}

// Statement is a patient statement with what was posted against it.
type Statement struct {
	ID              string
	PatientID       string
	AmountCents     int64
	Currency        string
	PaymentIntentID string
	Status          string
	PaidCents       int64
	RefundedCents   int64
}
