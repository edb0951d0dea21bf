package activities

import (
	"context"
	"errors"

	"github.com/claimflow/claimflow/rcm"
)

// Enrollment gating (issue 19) beyond the reads in claims837.go: the
// scrub records the claims it holds for enrollment, so that recording
// the provider's approval releases them (store: an outbox intent that
// resubmits each through its workflow), and remittance posting flags an
// ERA for a provider not enrolled for 835 with the payer.

// EnrollmentHolds records the claims the scrub holds for enrollment.
type EnrollmentHolds interface {
	// RecordEnrollmentHold reports false when the approval arrived since
	// the scrub read the enrollment (then nothing holds the claim).
	RecordEnrollmentHold(ctx context.Context, claimID, reason string) (bool, error)
	CloseEnrollmentHold(ctx context.Context, claimID string) error
}

// recordEnrollmentHold records the scrub's enrollment hold (hold non-empty)
// or closes a former one (hold empty), and returns the hold that stands.
func recordEnrollmentHold(ctx context.Context, r EnrollmentHolds, claimID, hold string) (string, error) {
	if hold == "" {
		return "", r.CloseEnrollmentHold(ctx, claimID)
	}
	held, err := r.RecordEnrollmentHold(ctx, claimID, hold)
	if err != nil {
		return "", err
	}
	if !held { // approved meanwhile: the claim goes on
		return "", nil
	}
	return hold, nil
}

// RemittanceEnrollmentFlagger flags a posted claim payment whose provider
// is not enrolled with the payer for remittance (store: a work item of
// kind not_enrolled_835 with the reason).
type RemittanceEnrollmentFlagger interface {
	FlagRemittanceEnrollment(ctx context.Context, remittanceID string, seq int, claimID, paymentDate string) (string, error)
}

// flagERAEnrollment runs the remittance enrollment check on a posted
// payment when the records can (the flag is staff's cue; posting never
// waits for it). It returns the reason, or "".
func flagERAEnrollment(ctx context.Context, r RemitRecords, remittanceID string, seq int, claimID, paymentDate string) (string, error) {
	f, ok := r.(RemittanceEnrollmentFlagger)
	if !ok || claimID == "" {
		return "", nil
	}
	reason, err := f.FlagRemittanceEnrollment(ctx, remittanceID, seq, claimID, paymentDate)
	if errors.Is(err, rcm.ErrNotFound) {
		return "", nil
	}
	return reason, err
}
