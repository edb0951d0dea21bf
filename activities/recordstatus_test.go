package activities

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/rcm"
)

// refusingClaims is a ClaimService whose store refuses every status write
// with err.
type refusingClaims struct{ err error }

func (refusingClaims) Scrub(context.Context, ScrubRequest) (ScrubResult, error) {
	return ScrubResult{}, nil
}

func (r refusingClaims) RecordStatus(context.Context, ClaimStatusChange) error { return r.err }

// TestRecordClaimStatusIllegalIsFinal: an illegal move is a non-retryable
// IllegalClaimTransition (a retry cannot make it legal); other store
// errors stay retryable.
func TestRecordClaimStatusIllegalIsFinal(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	for _, tc := range []struct {
		err       error
		retryable bool
	}{
		{&rcm.IllegalTransitionError{From: rcm.StatusBatched, To: rcm.StatusOnHold}, false},
		{errors.New("connection reset"), true},
	} {
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(&Activities{Claims: refusingClaims{tc.err}})
		var a *Activities
		_, err := env.ExecuteActivity(a.RecordClaimStatus, ClaimStatusChange{ClaimID: "C1", Status: "on_hold", Seq: 3, Attempt: 1})
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) {
			t.Fatalf("%v: got %v, want an application error", tc.err, err)
		}
		if ae.NonRetryable() == tc.retryable {
			t.Errorf("%v: non-retryable = %v, want %v", tc.err, ae.NonRetryable(), !tc.retryable)
		}
		if !tc.retryable && ae.Type() != "IllegalClaimTransition" {
			t.Errorf("type = %q", ae.Type())
		}
	}
}
