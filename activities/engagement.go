package activities

import (
	"context"
	"errors"
	"time"

	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/rcm"
)

// Patient engagement (issue 8): appointment reminders, waitlist backfill,
// recurring appointments and patient statements. Workflows pass IDs; these
// activities fetch contact details themselves, compose messages with the
// minimum necessary information (first name, date and time, location,
// instructions; never diagnosis, provider specialty or claim detail), and
// keep contact data out of errors and results.

// Stable error types of permanent engagement failures.
const (
	ErrTypeSlotTaken        = "SlotTaken"
	ErrTypeBookingRejected  = "BookingRejected"
	ErrTypeNotFound         = "EngagementNotFound"
	ErrTypeNoContact        = "NoContact"
	ErrTypeDeliveryRejected = "DeliveryRejected"
	ErrTypePaymentRejected  = "PaymentRejected"
	ErrTypeBadRequest       = "BadEngagementRequest"
)

// ErrSlotTaken is what Scheduling.Book returns when the slot is no longer
// free (the booking service's 409: the exclusion constraint refused it).
var ErrSlotTaken = errors.New("slot taken")

// ErrBookingRejected is what Scheduling.Book returns when this patient
// cannot take the slot (for example they are booked elsewhere then).
var ErrBookingRejected = errors.New("booking rejected")

// ErrRecordNotFound is what Scheduling returns for an unknown appointment,
// patient or waitlist entry.
var ErrRecordNotFound = errors.New("record not found")

// Appointment statuses as Scheduling reports them.
const (
	AppointmentBooked    = "booked"
	AppointmentConfirmed = "confirmed"
	AppointmentCancelled = "cancelled"
	AppointmentCompleted = "completed"
	AppointmentNoShow    = "no_show"
)

// Scheduling is what patient engagement needs from the records store and
// its booking service. The lead wires it to the records store; tests use
// an in-memory implementation.
type Scheduling interface {
	// Appointment returns the appointment with its display fields
	// (ErrRecordNotFound when unknown).
	Appointment(ctx context.Context, id string) (AppointmentView, error)
	// PatientContact returns the patient's decrypted contact details.
	PatientContact(ctx context.Context, patientID string) (Contact, error)
	// Book books through the same no-double-booking path as the API. It
	// is idempotent by IdempotencyKey (a retry returns the same
	// appointment) and returns ErrSlotTaken on a conflict (409).
	Book(ctx context.Context, req BookRequest) (appointmentID string, err error)
	// Cancel cancels an appointment, freeing its slot; cancelling a
	// cancelled appointment is a no-op.
	Cancel(ctx context.Context, appointmentID, reason string) error
	// Confirm records that the patient confirmed.
	Confirm(ctx context.Context, appointmentID string) error
	// WaitlistCandidates lists waiting entries that match the slot
	// (provider, visit type, date range, weekdays, time of day), highest
	// priority first, then oldest.
	WaitlistCandidates(ctx context.Context, slot Slot) ([]WaitlistCandidate, error)
}

// Contact is a patient's decrypted contact details. It never leaves the
// activity that fetched it.
type Contact struct {
	FirstName string
	Email     string
	Phone     string // E.164
}

// AppointmentView is an appointment as engagement sees it.
type AppointmentView struct {
	ID         string
	OrgID      string
	PatientID  string
	ProviderID string
	VisitType  string
	StartsAt   time.Time
	EndsAt     time.Time
	TimeZone   string // IANA name of the location's (or patient's) zone
	Location   string // display name and address line of the location
	Status     string
}

// Slot is a bookable time with a provider.
type Slot struct {
	OrgID      string
	ProviderID string
	VisitType  string
	StartsAt   time.Time
	EndsAt     time.Time
	TimeZone   string
	Location   string
}

// Key names the slot in workflow IDs: <provider>@<start UTC>.
func (s Slot) Key() string {
	return s.ProviderID + "@" + s.StartsAt.UTC().Format("20060102T1504Z")
}

// BookRequest books a slot for a patient.
type BookRequest struct {
	Slot            Slot
	PatientID       string
	WaitlistEntryID string // set when booking from the waitlist
	SeriesID        string // set for an occurrence of a series
	IdempotencyKey  string
}

// WaitlistCandidate is one matching waitlist entry (IDs only).
type WaitlistCandidate struct {
	EntryID   string
	PatientID string
	Priority  int
}

// EngagementLedger is claimflow's own engagement state (store/engagement.go):
// SMS threads so replies reach the right workflow, opt-outs, statements and
// exactly-once payment and refund postings.
type EngagementLedger interface {
	// RecordOutboundSMS remembers that phone was last messaged by
	// workflowID about ref (an appointment or waitlist entry ID).
	RecordOutboundSMS(ctx context.Context, phone, workflowID, ref string) error
	SMSOptedOut(ctx context.Context, phone string) (bool, error)
	OpenStatement(ctx context.Context, s StatementRecord) error
	SetStatementIntent(ctx context.Context, statementID, paymentIntentID string) error
	// PostPayment posts a payment once per payment intent: a repeat
	// returns posted=false and changes nothing.
	PostPayment(ctx context.Context, p PaymentPosting) (posted bool, err error)
	// PostRefund posts a refund once per refund ID.
	PostRefund(ctx context.Context, r RefundPosting) (posted bool, err error)
	SetStatementStatus(ctx context.Context, statementID, status string) error
}

// StatementReader reads a statement as a paper statement shows it
// (package store's *Store provides it; every read is audited there).
type StatementReader interface {
	StatementView(ctx context.Context, a rcm.Actor, id string) (rcm.StatementView, error)
}

// PayLinkMinter mints a link token for one record (paylink.Links): a
// statement's payment link, an appointment's confirm-or-cancel link.
type PayLinkMinter interface {
	Mint(ctx context.Context, statementID string) (string, error)
}

// PaymentGateway is the Stripe adapter (payments.Stripe).
type PaymentGateway interface {
	CreatePaymentIntent(ctx context.Context, r payments.IntentRequest) (payments.Intent, error)
	CreateRefund(ctx context.Context, r payments.RefundRequest) (payments.Refund, error)
}

// Engagement holds the patient-engagement activities' dependencies.
// Register it with workflows.RegisterEngagementActivities.
type Engagement struct {
	Scheduling Scheduling
	Ledger     EngagementLedger
	Mail       notify.Mailer
	SMS        notify.SMSSender
	Payments   PaymentGateway
	// OfficePhone is printed in messages for patients to call.
	OfficePhone string
	// PayURL is the patient payment page; "?t=<token>" is appended, the
	// token from PayLinks (never a raw statement ID).
	PayURL string
	// Statements reads what a statement shows (practice, dates of
	// service, amounts); PayLinks mints its payment-link tokens.
	Statements StatementReader
	PayLinks   PayLinkMinter
	// ManageURL is the appointment page where a patient without SMS
	// confirms or cancels; "?t=<token>" is appended, the token from
	// ManageLinks. Unset: such patients are told to call the office.
	ManageURL   string
	ManageLinks PayLinkMinter
	// MessageIDDomain ends email Message-IDs (default claimflow.invalid).
	MessageIDDomain string
}

// Channels.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)
