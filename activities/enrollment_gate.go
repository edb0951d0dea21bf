package activities

import (
	"context"
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
