// Package store's names for the records and rules that live in package
// rcm: the store's methods keep their signatures and bodies.

package store

import "github.com/claimflow/claimflow/rcm"

type (
	APIToken              = rcm.APIToken
	Actor                 = rcm.Actor
	AgingRow              = rcm.AgingRow
	DenialRate            = rcm.DenialRate
	Grade                 = rcm.Grade
	Analytics             = rcm.Analytics
	ClaimFacts            = rcm.ClaimFacts
	Appeal                = rcm.Appeal
	Appointment           = rcm.Appointment
	AppointmentFilter     = rcm.AppointmentFilter
	AppointmentPatch      = rcm.AppointmentPatch
	AuditEntry            = rcm.AuditEntry
	AuditFilter           = rcm.AuditFilter
	AvailabilityException = rcm.AvailabilityException
	AvailabilityTemplate  = rcm.AvailabilityTemplate
	BatchedClaim          = rcm.BatchedClaim
	BatchedClaimControl   = rcm.BatchedClaimControl
	BillingProfile        = rcm.BillingProfile
	Booking               = rcm.Booking
	BookingStats          = rcm.BookingStats
	Charge                = rcm.Charge
	Claim                 = rcm.Claim
	ClaimBatch            = rcm.ClaimBatch
	ClaimBundle           = rcm.ClaimBundle
	ClaimDocuments        = rcm.ClaimDocuments
	ClaimFilter           = rcm.ClaimFilter
	ClaimPaymentRecord    = rcm.ClaimPaymentRecord
	ClaimPosting          = rcm.ClaimPosting
	ClaimProgress         = rcm.ClaimProgress
	ClaimSubmission       = rcm.ClaimSubmission
	Coverage              = rcm.Coverage
	CoveragePatch         = rcm.CoveragePatch
	DashClaim             = rcm.DashClaim
	DashClaimFilter       = rcm.DashClaimFilter
	DashRemittance        = rcm.DashRemittance
	RemittanceTotals      = rcm.RemittanceTotals
	EligibilityBundle     = rcm.EligibilityBundle
	EligibilityCheck      = rcm.EligibilityCheck
	Encounter             = rcm.Encounter
	EncounterPatch        = rcm.EncounterPatch
	FieldProblem          = rcm.FieldProblem
	GrantRevocation       = rcm.GrantRevocation
	Identity              = rcm.Identity
	InboundFile           = rcm.InboundFile
	IssuedToken           = rcm.IssuedToken
	NewUser               = rcm.NewUser
	OIDCAuthRequest       = rcm.OIDCAuthRequest
	OIDCSigningKey        = rcm.OIDCSigningKey
	Org                   = rcm.Org
	OutboundFile          = rcm.OutboundFile
	Page                  = rcm.Page
	Patient               = rcm.Patient
	PatientFilter         = rcm.PatientFilter
	PatientPatch          = rcm.PatientPatch
	Payer                 = rcm.Payer
	PayerPatch            = rcm.PayerPatch
	PaymentAdjustment     = rcm.PaymentAdjustment
	Principal             = rcm.Principal
	Provider              = rcm.Provider
	ProviderAvailability  = rcm.ProviderAvailability
	ProviderPatch         = rcm.ProviderPatch
	RateLimited           = rcm.RateLimited
	Receivables           = rcm.Receivables
	Remittance            = rcm.Remittance
	RemittancePayment     = rcm.RemittancePayment
	RemittanceVersion     = rcm.RemittanceVersion
	ReservedBatch         = rcm.ReservedBatch
	ResolvedWorkItem      = rcm.ResolvedWorkItem
	SMSThread             = rcm.SMSThread
	Series                = rcm.Series
	SlotConflict          = rcm.SlotConflict
	SmokeRun              = rcm.SmokeRun
	Statement             = rcm.Statement
	StatusChange          = rcm.StatusChange
	StatusCount           = rcm.StatusCount
	StatusInquiry         = rcm.StatusInquiry
	StoredResponse        = rcm.StoredResponse
	TrendPoint            = rcm.TrendPoint
	User                  = rcm.User
	UserDetail            = rcm.UserDetail
	UserFilter            = rcm.UserFilter
	UserGrant             = rcm.UserGrant
	ValidationError       = rcm.ValidationError
	WaitlistEntry         = rcm.WaitlistEntry
	WaitlistFilter        = rcm.WaitlistFilter
	WaitlistPatch         = rcm.WaitlistPatch
	WorkItem              = rcm.WorkItem
	WorkResolution        = rcm.WorkResolution
	problems              = rcm.Problems
)

const (
	ActionCreate          = rcm.ActionCreate
	ActionList            = rcm.ActionList
	ActionRead            = rcm.ActionRead
	ActionUpdate          = rcm.ActionUpdate
	InboundArchived       = rcm.InboundArchived
	InboundDownloaded     = rcm.InboundDownloaded
	InboundListed         = rcm.InboundListed
	InboundRemoved        = rcm.InboundRemoved
	InboundRouted         = rcm.InboundRouted
	MaxAmountCents        = rcm.MaxAmountCents
	MaxChargeLines        = rcm.MaxChargeLines
	OutboundArchived      = rcm.OutboundArchived
	OutboundRenaming      = rcm.OutboundRenaming
	OutboundUploaded      = rcm.OutboundUploaded
	OutboundUploading     = rcm.OutboundUploading
	PermAppointmentRead   = rcm.PermAppointmentRead
	PermAppointmentWrite  = rcm.PermAppointmentWrite
	PermAuditRead         = rcm.PermAuditRead
	PermAvailabilityRead  = rcm.PermAvailabilityRead
	PermAvailabilityWrite = rcm.PermAvailabilityWrite
	PermClaimRead         = rcm.PermClaimRead
	PermClaimWrite        = rcm.PermClaimWrite
	PermCoverageRead      = rcm.PermCoverageRead
	PermCoverageWrite     = rcm.PermCoverageWrite
	PermEncounterRead     = rcm.PermEncounterRead
	PermEncounterWrite    = rcm.PermEncounterWrite
	PermOrgRead           = rcm.PermOrgRead
	PermOrgWrite          = rcm.PermOrgWrite
	PermPatientRead       = rcm.PermPatientRead
	PermPatientWrite      = rcm.PermPatientWrite
	PermPayerRead         = rcm.PermPayerRead
	PermPayerWrite        = rcm.PermPayerWrite
	PermProviderRead      = rcm.PermProviderRead
	PermProviderWrite     = rcm.PermProviderWrite
	PermUserWrite         = rcm.PermUserWrite
	PermWaitlistRead      = rcm.PermWaitlistRead
	PermWaitlistWrite     = rcm.PermWaitlistWrite
	PermWorkflowDecode    = rcm.PermWorkflowDecode
	ServiceYearsAhead     = rcm.ServiceYearsAhead
	ServiceYearsBack      = rcm.ServiceYearsBack
)

var (
	ErrConflict        = rcm.ErrConflict
	ErrIdempotencyBody = rcm.ErrIdempotencyBody
	ErrInProgress      = rcm.ErrInProgress
	ErrLocked          = rcm.ErrLocked
	ErrNoClaimWrite    = rcm.ErrNoClaimWrite
	ErrNoCoverage      = rcm.ErrNoCoverage
	ErrNotFound        = rcm.ErrNotFound
	ErrOIDCRequestGone = rcm.ErrOIDCRequestGone
	ErrSelfDisable     = rcm.ErrSelfDisable
	ErrUnauthenticated = rcm.ErrUnauthenticated
	System             = rcm.System
	ValidNPI           = rcm.ValidNPI
	validClock         = rcm.ValidClock
	validDate          = rcm.ValidDate
	validID            = rcm.ValidID
)

// Claim file events (claim_events).
type ClaimEvent = rcm.ClaimEvent

const (
	EventSent837    = rcm.EventSent837
	EventTA1        = rcm.EventTA1
	Event999        = rcm.Event999
	Event277CA      = rcm.Event277CA
	Event835        = rcm.Event835
	EventInquiry276 = rcm.EventInquiry276
)
