package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/rcm"
)

// ClaimService is what the claim activities need from the records store.
type ClaimService interface {
	// Scrub checks a claim against the payer's and the guide's rules before
	// submission and returns what is wrong (codes and fields, never PHI).
	Scrub(ctx context.Context, req ScrubRequest) (ScrubResult, error)
	// RecordStatus appends a status history row (idempotent by claim,
	// attempt and sequence) and sets the claim's current status.
	RecordStatus(ctx context.Context, ch ClaimStatusChange) error
}

// StatusInquirer sends a 276 for a claim and reads the 277 answer.
type StatusInquirer interface {
	Inquire(ctx context.Context, claimID string) (StatusInquiryResult, error)
}

// AppealFiler records and sends an appeal.
type AppealFiler interface {
	FileAppeal(ctx context.Context, req AppealRequest) error
}

// ScrubRequest names the claim and how it is being (re)submitted.
type ScrubRequest struct {
	ClaimID          string
	FrequencyCode    string // CLM05-3
	PayerClaimNumber string // REF*F8 for a corrected claim
}

// ScrubResult is what scrubbing found.
type ScrubResult struct {
	PayerID         string
	ClearinghouseID string
	ChargeCents     int64
	FilingLimitDays int
	Problems        []string // e.g. "2300 CLM02: total 120.00 differs from lines 100.00"
}

// ClaimStatusChange is one status history row.
type ClaimStatusChange struct {
	ClaimID          string
	Attempt          int
	Seq              int
	Status           string
	Note             string
	At               time.Time
	PaidCents        int64
	PayerClaimNumber string
	FrequencyCode    string // CLM05-3 of this attempt
	// Actor is the staff member whose decision this change applies (their
	// user ID), empty for the workflow's own moves.
	Actor string `json:",omitempty"`
	// Denial is the claim's latest denial while it waits for a denial
	// decision or an appeal's answer, with its filing deadline (recorded
	// for the appeals worklist); nil otherwise.
	Denial *rcm.ClaimDenial `json:",omitempty"`
}

// StatusInquiryResult is a 277's answer for one claim (STC segment).
type StatusInquiryResult struct {
	Category string // STC01-1, e.g. A1, P1, F1, F2
	Status   string // STC01-2
	Entity   string // STC01-3
	Date     time.Time
	Note     string
}

// Summary renders the result as codes, never PHI.
func (r StatusInquiryResult) Summary() string {
	if r.Category == "" {
		return "no answer"
	}
	parts := []string{r.Category, r.Status}
	if r.Entity != "" {
		parts = append(parts, r.Entity)
	}
	return "STC " + strings.Join(parts, ":")
}

// AppealRequest is a staff decision to appeal a denial.
type AppealRequest struct {
	ClaimID          string
	PayerClaimNumber string
	Codes            []string
	Note             string
	User             string
}

// Adjustment is one CAS adjustment: group (CO, PR, OA, PI), CARC, amount.
type Adjustment struct {
	Group       string
	Reason      string
	AmountCents int64
}

func notWired(what string) error {
	return temporal.NewNonRetryableApplicationError(what+" is not wired into this worker", "NotWired", nil)
}

// ScrubClaim scrubs a claim before submission.
func (a *Activities) ScrubClaim(ctx context.Context, req ScrubRequest) (ScrubResult, error) {
	if a.Claims == nil {
		return ScrubResult{}, notWired("the claim service")
	}
	return a.Claims.Scrub(ctx, req)
}

// RecordClaimStatus writes a claim status change (a local activity).
func (a *Activities) RecordClaimStatus(ctx context.Context, ch ClaimStatusChange) error {
	if a.Claims == nil {
		return notWired("the claim service")
	}
	if ch.ClaimID == "" || ch.Status == "" {
		return temporal.NewNonRetryableApplicationError("claim status change lacks claim or status", "BadStatusChange", nil)
	}
	if err := a.Claims.RecordStatus(ctx, ch); err != nil {
		if errors.Is(err, rcm.ErrIllegalTransition) {
			// The stored claim is not where the workflow thought (a batch
			// reserved it meanwhile, or a legacy status): retrying cannot help.
			return temporal.NewNonRetryableApplicationError(err.Error(), "IllegalClaimTransition", err)
		}
		return err
	}
	// IDs and codes only: which worker moved which claim where.
	activity.GetLogger(ctx).Info("claim status recorded", "claim", ch.ClaimID, "status", ch.Status, "attempt", ch.Attempt, "worker", a.WorkerID)
	return nil
}

// SendStatusInquiry sends a 276 and returns the 277's status.
func (a *Activities) SendStatusInquiry(ctx context.Context, claimID string) (StatusInquiryResult, error) {
	if a.Inquirer == nil {
		return StatusInquiryResult{}, notWired("the status inquiry connector")
	}
	res, err := a.Inquirer.Inquire(ctx, claimID)
	if err != nil {
		// A permanent failure stays permanent: the SDK reads retryability
		// from the returned error itself, not from one it wraps.
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) && ae.NonRetryable() {
			return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("276 for claim %s: %s", claimID, ae.Message()), ae.Type(), err)
		}
		return res, fmt.Errorf("276 for claim %s: %w", claimID, err)
	}
	return res, nil
}

// FileAppeal files an appeal for a denied claim.
func (a *Activities) FileAppeal(ctx context.Context, req AppealRequest) error {
	if a.Appeals == nil {
		return notWired("the appeal filer")
	}
	return a.Appeals.FileAppeal(ctx, req)
}
