package activities

import (
	"context"
	"time"
)

// ClaimPayment is one 835 claim payment (CLP loop 2100) as posted, and the
// signal remittance posting sends to the claim's workflow.
type ClaimPayment struct {
	ClaimID     string // CLP01 patient control number = our claim ID
	TraceNumber string // TRN02
	FileKey     string // archive key of the 835
	// PayerID is the 835's payer (REF*2U, else N1*PR): which of the
	// patient's payers paid (coordination of benefits).
	PayerID          string `json:",omitempty"`
	ClaimStatusCode  string // CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal
	ChargeCents      int64  // CLP03
	PaidCents        int64  // CLP04
	PatientRespCents int64  // CLP05
	PayerClaimNumber string // CLP07
	Adjustments      []Adjustment
	RARCs            []string
}

// RemittanceRequest names one 835 transaction to post.
type RemittanceRequest struct {
	Partner     string // the trading-partner account the file came through
	FileKey     string // archive key
	Transaction int    // index of the ST/SE within the file
	PayerID     string
	TraceNumber string // TRN02
	// Paged: posting answers counts only (no Payments); the remittance
	// workflow reads the matched payments a page at a time
	// (RemittancePayments), so its history holds no 10,000-payment result,
	// and a retried posting attempt resumes after the slices committed.
	Paged bool `json:",omitempty"`
	// Resume is set by the remittance workflow when it continues as new
	// part-way through telling the claims (workflow input only).
	Resume *RemittanceResume `json:",omitempty"`
}

// RemittanceResume is where a continued remittance workflow picks up: the
// posting's result (without payments), the last claim payment told, and
// the running counts.
type RemittanceResume struct {
	Posting        PostingResult
	AfterSeq       int
	Signalled      int
	ClaimsNotFound int
	Statements     int
}

// RemittancePageRequest asks for the matched claim payments of a posted
// remittance after AfterSeq (CLP position), at most Limit.
type RemittancePageRequest struct {
	Remittance RemittanceRequest
	AfterSeq   int
	Limit      int
}

// RemittancePage is one page of a posted remittance's matched claim
// payments, as each claim's workflow is told of them.
type RemittancePage struct {
	Payments []ClaimPayment
	NextSeq  int  // the last payment's CLP position (AfterSeq of the next page)
	More     bool // the page was full: there may be more
}

// PostingResult is what posting one 835 did.
type PostingResult struct {
	Payments         []ClaimPayment // every matched claim payment (posted now or before)
	NewlyPosted      int            // claim payments posted by this call
	AlreadyPosted    int            // claim payments found posted before (a re-delivery or a retry)
	Unmatched        int            // claim payments queued for staff: no such claim
	PaidCents        int64          // BPR02
	ProviderAdjCents int64          // PLB total
	Balanced         bool           // BPR02 = sum(CLP04) - sum(PLB)
	BalanceProblems  []string
	EFTReconciled    bool // the EFT trace matched a recorded deposit
	// NotEnrolled counts claim payments posted for a provider not enrolled
	// with the payer for remittance (835): flagged to staff (issue 19).
	NotEnrolled int `json:",omitempty"`
}

// RemittancePoster posts an 835: a slice of claim payments per
// transaction, each exactly once (keyed by payer, trace number and claim payment position).
type RemittancePoster interface {
	Post(ctx context.Context, req RemittanceRequest) (PostingResult, error)
	Payments(ctx context.Context, req RemittancePageRequest) (RemittancePage, error)
}

// BatchRequest asks for one batch run for a clearinghouse.
type BatchRequest struct {
	ClearinghouseID string
	RunID           string // the batch workflow's ID: a retried run reuses its batches
	// OrgID, when set, limits the run to that organisation's ready claims
	// (and those below it): a practice's "Submit now".
	OrgID string
}

// Batch is one uploaded 837 interchange.
type Batch struct {
	BatchID            string
	FileKey            string // archive key
	InterchangeControl string // ISA13
	GroupControl       string // GS06
	Claims             []BatchClaim
}

// BatchClaim places one claim in a batch.
type BatchClaim struct {
	ClaimID            string
	TransactionControl string // ST02
}

// BatchProgress is how far a batch run got: the batches uploaded so far.
// SubmitClaimBatch heartbeats it after each upload; a retried attempt
// resumes from it and does not touch those batches again.
type BatchProgress struct {
	Uploaded []Batch
}

// BatchSubmitter gathers ready claims for a clearinghouse, builds 837
// interchanges with fresh control numbers, archives and uploads them.
// SubmitBatchFrom resumes a run from a previous attempt's progress and
// calls report after each batch it uploads.
type BatchSubmitter interface {
	SubmitBatchFrom(ctx context.Context, req BatchRequest, from BatchProgress, report func(BatchProgress)) ([]Batch, error)
}

// EligibilityRequest asks for one eligibility check.
type EligibilityRequest struct {
	AppointmentID string
	TraceNumber   string // TRN02 of the 270
}

// EligibilityResult summarises a 271 (benefits are stored; no PHI here).
type EligibilityResult struct {
	Status      string // active, inactive, rejected, pending
	RejectCodes []string
	BenefitsID  string
	Mode        string // realtime or batch
	// Held says why no 270 was sent (the provider is not enrolled with the
	// payer for eligibility, issue 19); the check is stored rejected with
	// this reason.
	Held string `json:",omitempty"`
}

// EligibilityChecker sends 270s and stores what the 271s say.
type EligibilityChecker interface {
	CheckRealtime(ctx context.Context, req EligibilityRequest) (EligibilityResult, error)
	SubmitBatch(ctx context.Context, req EligibilityRequest) error
	StoreResponse(ctx context.Context, req EligibilityRequest, fileKey string) (EligibilityResult, error)
	UpcomingAppointments(ctx context.Context, from, to time.Time) ([]string, error)
}

// PostRemittance posts one 835 transaction.
func (a *Activities) PostRemittance(ctx context.Context, req RemittanceRequest) (PostingResult, error) {
	if a.Remits == nil {
		return PostingResult{}, notWired("remittance posting")
	}
	return a.Remits.Post(ctx, req)
}

// RemittancePayments reads one page of a posted remittance's matched claim
// payments (the paged remittance workflow tells the claims from these).
func (a *Activities) RemittancePayments(ctx context.Context, req RemittancePageRequest) (RemittancePage, error) {
	if a.Remits == nil {
		return RemittancePage{}, notWired("remittance posting")
	}
	return a.Remits.Payments(ctx, req)
}

// SubmitClaimBatch builds and uploads the clearinghouse's next 837s. It
// heartbeats the batches uploaded so far (BatchProgress) after each one
// (and repeats the latest while an upload runs); a retried attempt resumes
// from those details. The clearinghouse connector
// makes one attempt per call, so this activity's retry policy is the only
// retry; a permanent refusal is non-retryable (ClearinghouseRejected).
func (a *Activities) SubmitClaimBatch(ctx context.Context, req BatchRequest) ([]Batch, error) {
	if a.Batches == nil {
		return nil, notWired("batch submission")
	}
	var from BatchProgress
	resumeFrom(ctx, &from)
	record, stop := progressHeartbeats(ctx, from, 5*time.Second)
	defer stop()
	out, err := a.Batches.SubmitBatchFrom(ctx, req, from, func(p BatchProgress) { record(p) })
	return out, nonRetryableIfPermanent(err, ErrTypeClearinghouseRejected)
}

// CheckEligibilityRealtime sends a 270 in real time.
func (a *Activities) CheckEligibilityRealtime(ctx context.Context, req EligibilityRequest) (EligibilityResult, error) {
	if a.Eligibility == nil {
		return EligibilityResult{}, notWired("eligibility")
	}
	return a.Eligibility.CheckRealtime(ctx, req)
}

// SubmitEligibilityBatch sends the 270 in a batch file instead.
func (a *Activities) SubmitEligibilityBatch(ctx context.Context, req EligibilityRequest) error {
	if a.Eligibility == nil {
		return notWired("eligibility")
	}
	return a.Eligibility.SubmitBatch(ctx, req)
}

// StoreEligibilityResponse reads a batch 271 and stores the benefits.
func (a *Activities) StoreEligibilityResponse(ctx context.Context, req EligibilityRequest, fileKey string) (EligibilityResult, error) {
	if a.Eligibility == nil {
		return EligibilityResult{}, notWired("eligibility")
	}
	return a.Eligibility.StoreResponse(ctx, req, fileKey)
}

// UpcomingAppointments lists appointments between from and to (IDs only).
func (a *Activities) UpcomingAppointments(ctx context.Context, from, to time.Time) ([]string, error) {
	if a.Eligibility == nil {
		return nil, notWired("eligibility")
	}
	return a.Eligibility.UpcomingAppointments(ctx, from, to)
}

// PollSummary counts what one inbound poll of a clearinghouse did.
type PollSummary struct {
	Listed, Archived, Duplicates, Routed, Removed, Failed int
}

// PollProgress is how far an inbound poll got: whether the folder was
// listed into the ledger, and the counts so far (Failed: the current
// attempt's). PollInbound heartbeats it after each step; a retried attempt
// resumes from it: it does not list again, works the ledger's open files
// (each from the step the ledger recorded) and adds to the counts.
type PollProgress struct {
	Listed  bool
	Summary PollSummary
}

// Poller polls a clearinghouse's inbound folder: download, archive, route,
// then remove, each file exactly once (the connector's ledger). It resumes
// from a previous attempt's progress and calls report after each step.
type Poller interface {
	Poll(ctx context.Context, clearinghouse string, from PollProgress, report func(PollProgress)) (PollSummary, error)
}

// PollInbound polls one clearinghouse, heartbeating its progress
// (PollProgress) after each step (and repeating the latest while a
// transfer runs); a retried attempt resumes from the last heartbeat's
// details. The connector makes one attempt per call, so this
// activity's retry policy is the only retry; a permanent refusal is
// non-retryable (ClearinghouseRejected).
func (a *Activities) PollInbound(ctx context.Context, clearinghouse string) (PollSummary, error) {
	if a.Inbound == nil {
		return PollSummary{}, notWired("inbound polling")
	}
	var from PollProgress
	resumeFrom(ctx, &from)
	record, stop := progressHeartbeats(ctx, from, 5*time.Second)
	defer stop()
	res, err := a.Inbound.Poll(ctx, clearinghouse, from, func(p PollProgress) { record(p) })
	return res, nonRetryableIfPermanent(err, ErrTypeClearinghouseRejected)
}

// PatientBalance is a patient's responsibility from one claim payment, to
// bill on a statement.
type PatientBalance struct {
	StatementID string // <claim-id>-<trace>: one statement per claim payment
	PatientID   string
	AmountCents int64
}

// PatientBalances turns the posted claim payments with patient
// responsibility into statements to open (IDs only, no PHI).
func (a *Activities) PatientBalances(ctx context.Context, pays []ClaimPayment) ([]PatientBalance, error) {
	if a.Store == nil {
		return nil, notWired("the records store")
	}
	var out []PatientBalance
	for _, p := range pays {
		if p.PatientRespCents <= 0 || p.ClaimID == "" {
			continue
		}
		// Not the last payer: the next payer gets the balance first (cob.go).
		if later, err := a.laterPayer(ctx, p); err != nil || later {
			if err != nil {
				return nil, err
			}
			continue
		}
		pid, err := a.Store.ClaimPatientID(ctx, p.ClaimID)
		if err != nil {
			return nil, err
		}
		out = append(out, PatientBalance{StatementID: p.ClaimID + "-" + p.TraceNumber, PatientID: pid, AmountCents: p.PatientRespCents})
	}
	return out, nil
}
