package api

import (
	"context"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// Records is everything the API asks of the records store, one interface
// per area of the API; package store's *Store provides all of them, and a
// test may fake only the area it exercises. Authentication, authorisation,
// audit and encryption live behind these methods.
type Records interface {
	Sessions
	Idempotency
	Directory
	Users
	PatientRecords
	Scheduling
	Billing
	AuditLog
	DashboardRecords
	ClaimSearchRecords
	StatementRecords
	PracticeSetup
	AppealRecords
	Enrollments
	PayerDirectory
}

// Sessions authenticates requests and records refused ones.
type Sessions interface {
	Authenticate(ctx context.Context, token string) (rcm.Principal, error)
	LoginFrom(ctx context.Context, addr, login, password, code string) (string, error)
	Logout(ctx context.Context, token string) error
	AuditDenial(ctx context.Context, a rcm.Actor, resource, resourceID string) error
}

// Idempotency stores the responses of requests that carry an
// Idempotency-Key.
type Idempotency interface {
	BeginIdempotent(ctx context.Context, a rcm.Actor, key string, reqHash []byte) (*rcm.StoredResponse, error)
	FinishIdempotent(ctx context.Context, principalID, key string, r rcm.StoredResponse) error
	ReleaseIdempotent(ctx context.Context, principalID, key string) error
}

// Directory is the organisations, providers and payers.
type Directory interface {
	CreateOrg(ctx context.Context, a rcm.Actor, o rcm.Org) (rcm.Org, error)
	GetOrg(ctx context.Context, a rcm.Actor, id string) (rcm.Org, error)
	ListOrgs(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.Org, string, error)
	RenameOrg(ctx context.Context, a rcm.Actor, id, name string) (rcm.Org, error)
	CreateProvider(ctx context.Context, a rcm.Actor, p rcm.Provider) (rcm.Provider, error)
	GetProvider(ctx context.Context, a rcm.Actor, id string) (rcm.Provider, error)
	ListProviders(ctx context.Context, a rcm.Actor, npi string, p rcm.Page) ([]rcm.Provider, string, error)
	UpdateProvider(ctx context.Context, a rcm.Actor, id string, ch rcm.ProviderPatch) (rcm.Provider, error)
	CreatePayer(ctx context.Context, a rcm.Actor, p rcm.Payer) (rcm.Payer, error)
	GetPayer(ctx context.Context, a rcm.Actor, id string) (rcm.Payer, error)
	ListPayers(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.Payer, string, error)
	UpdatePayer(ctx context.Context, a rcm.Actor, id string, ch rcm.PayerPatch) (rcm.Payer, error)
}

// Users is user administration: accounts, grants and API tokens.
type Users interface {
	CreateUser(ctx context.Context, a rcm.Actor, nu rcm.NewUser) (rcm.User, string, error)
	GetUser(ctx context.Context, a rcm.Actor, id string) (rcm.UserDetail, error)
	ListUsers(ctx context.Context, a rcm.Actor, f rcm.UserFilter, p rcm.Page) ([]rcm.UserDetail, string, error)
	DisableUser(ctx context.Context, a rcm.Actor, id string) (rcm.UserDetail, error)
	EnableUser(ctx context.Context, a rcm.Actor, id string) (rcm.UserDetail, error)
	UnlockUser(ctx context.Context, a rcm.Actor, id string) (rcm.UserDetail, error)
	Grant(ctx context.Context, a rcm.Actor, userID, orgID, role string) error
	RevokeGrant(ctx context.Context, a rcm.Actor, userID, orgID, role string) (rcm.GrantRevocation, error)
	IssueAPIToken(ctx context.Context, a rcm.Actor, userID string) (rcm.IssuedToken, error)
	ListAPITokens(ctx context.Context, a rcm.Actor, userID string, p rcm.Page) ([]rcm.APIToken, string, error)
	RotateAPIToken(ctx context.Context, a rcm.Actor, userID, tokenID string) (rcm.IssuedToken, error)
	RevokeAPIToken(ctx context.Context, a rcm.Actor, userID, tokenID string) (rcm.APIToken, error)
}

// PatientRecords is patients and their coverage.
type PatientRecords interface {
	CreatePatient(ctx context.Context, a rcm.Actor, p rcm.Patient) (rcm.Patient, error)
	GetPatient(ctx context.Context, a rcm.Actor, id string) (rcm.Patient, error)
	ListPatients(ctx context.Context, a rcm.Actor, f rcm.PatientFilter, p rcm.Page) ([]rcm.Patient, string, error)
	UpdatePatient(ctx context.Context, a rcm.Actor, id string, ch rcm.PatientPatch) (rcm.Patient, error)
	CreateCoverage(ctx context.Context, a rcm.Actor, c rcm.Coverage) (rcm.Coverage, error)
	GetCoverage(ctx context.Context, a rcm.Actor, id string) (rcm.Coverage, error)
	ListCoverages(ctx context.Context, a rcm.Actor, patientID, memberID string, p rcm.Page) ([]rcm.Coverage, string, error)
	UpdateCoverage(ctx context.Context, a rcm.Actor, id string, ch rcm.CoveragePatch) (rcm.Coverage, error)
}

// Scheduling is availability, appointments and the waitlist.
type Scheduling interface {
	AddAvailability(ctx context.Context, a rcm.Actor, t rcm.AvailabilityTemplate) (rcm.AvailabilityTemplate, error)
	AddAvailabilityException(ctx context.Context, a rcm.Actor, e rcm.AvailabilityException) (rcm.AvailabilityException, error)
	GetAvailability(ctx context.Context, a rcm.Actor, providerID string) (rcm.ProviderAvailability, error)
	Book(ctx context.Context, a rcm.Actor, b rcm.Booking) (rcm.Appointment, error)
	BookSeries(ctx context.Context, a rcm.Actor, sr rcm.Series) (rcm.Series, error)
	BookingStats() rcm.BookingStats
	Cancel(ctx context.Context, a rcm.Actor, id, reason string) (rcm.Appointment, error)
	Reschedule(ctx context.Context, a rcm.Actor, id string, start, end time.Time) (rcm.Appointment, error)
	GetAppointment(ctx context.Context, a rcm.Actor, id string) (rcm.Appointment, error)
	ListAppointments(ctx context.Context, a rcm.Actor, f rcm.AppointmentFilter, p rcm.Page) ([]rcm.Appointment, string, error)
	UpdateAppointment(ctx context.Context, a rcm.Actor, id string, ch rcm.AppointmentPatch) (rcm.Appointment, error)
	JoinWaitlist(ctx context.Context, a rcm.Actor, w rcm.WaitlistEntry) (rcm.WaitlistEntry, error)
	GetWaitlistEntry(ctx context.Context, a rcm.Actor, id string) (rcm.WaitlistEntry, error)
	ListWaitlist(ctx context.Context, a rcm.Actor, f rcm.WaitlistFilter, p rcm.Page) ([]rcm.WaitlistEntry, string, error)
	UpdateWaitlistEntry(ctx context.Context, a rcm.Actor, id string, ch rcm.WaitlistPatch) (rcm.WaitlistEntry, error)
	LeaveWaitlist(ctx context.Context, a rcm.Actor, id string) (rcm.WaitlistEntry, error)
}

// Billing is encounters and claims.
type Billing interface {
	CreateEncounter(ctx context.Context, a rcm.Actor, e rcm.Encounter) (rcm.Encounter, error)
	GetEncounter(ctx context.Context, a rcm.Actor, id string) (rcm.Encounter, error)
	ListEncounters(ctx context.Context, a rcm.Actor, patientID string, p rcm.Page) ([]rcm.Encounter, string, error)
	UpdateEncounter(ctx context.Context, a rcm.Actor, id string, ch rcm.EncounterPatch) (rcm.Encounter, error)
	CreateClaim(ctx context.Context, a rcm.Actor, encounterID string) (rcm.Claim, error)
	GetClaim(ctx context.Context, a rcm.Actor, id string) (rcm.Claim, error)
	ListClaims(ctx context.Context, a rcm.Actor, f rcm.ClaimFilter, p rcm.Page) ([]rcm.Claim, string, error)
	EditClaim(ctx context.Context, a rcm.Actor, claimID string, e rcm.ClaimEdit) (rcm.ClaimVersion, error)
	ListClaimVersions(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.ClaimVersion, error)
}

// AuditLog reads the audit log and records reads the store does not see.
type AuditLog interface {
	QueryAudit(ctx context.Context, a rcm.Actor, f rcm.AuditFilter, p rcm.Page) ([]rcm.AuditEntry, string, error)
	RecordAccess(ctx context.Context, a rcm.Actor, e rcm.AuditEntry) error
}

// DashboardRecords is the billing dashboard's read models and the work queue.
type DashboardRecords interface {
	CanSeePHI(ctx context.Context, a rcm.Actor, orgID string) (bool, error)
	CanWriteClaim(ctx context.Context, a rcm.Actor, orgID string) (bool, error)
	DashClaims(ctx context.Context, a rcm.Actor, f rcm.DashClaimFilter, p rcm.Page) ([]rcm.DashClaim, string, error)
	DashStatusCounts(ctx context.Context, a rcm.Actor, f rcm.DashClaimFilter) ([]rcm.StatusCount, time.Time, error)
	DashClaimDocuments(ctx context.Context, claimID string) (rcm.ClaimDocuments, error)
	ClaimStatusInquiries(ctx context.Context, claimID string) ([]rcm.StatusInquiry, error)
	ClaimEvents(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.ClaimEvent, error)
	// ClaimDeviations lists the deviations from their guides found in the
	// files received about the claim (an audited read).
	ClaimDeviations(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.Deviation, error)
	LatestEligibility(ctx context.Context, a rcm.Actor, appointmentID string, out any) (rcm.EligibilityCheck, error)
	DashReceivables(ctx context.Context, a rcm.Actor) (rcm.Receivables, error)
	// DashRemittances lists remittances with their totals, no claim
	// payments; DashRemittancesWithPayments adds them (the export).
	DashRemittances(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.DashRemittance, string, error)
	DashRemittancesWithPayments(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.DashRemittance, string, error)
	DashRemittanceVersion(ctx context.Context, a rcm.Actor) (rcm.RemittanceVersion, error)
	DashWorkQueue(ctx context.Context, a rcm.Actor) ([]rcm.WorkItem, error)
	DashWorkQueuePage(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.WorkItem, string, error)
	ResolveWorkItem(ctx context.Context, a rcm.Actor, id string, in rcm.WorkResolution) (rcm.ResolvedWorkItem, bool, error)
	ERARecords
}

// PracticeSetup is billing profiles per organisation and the payers whose
// routing names no configured clearinghouse.
type PracticeSetup interface {
	GetPracticeBilling(ctx context.Context, a rcm.Actor, orgID string) (rcm.PracticeBilling, error)
	PutPracticeBilling(ctx context.Context, a rcm.Actor, orgID string, in rcm.BillingSetup) (rcm.PracticeBilling, error)
	RoutingWarnings(ctx context.Context, a rcm.Actor, known []string) ([]rcm.RoutingWarning, error)
}
