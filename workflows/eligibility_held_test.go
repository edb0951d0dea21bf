package workflows

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/activities"
)

// TestEligibilityBatchHeldForEnrollment (issue 19): when real time is
// refused and the batch 270 is not sent because the provider is not
// enrolled with the payer for eligibility, the check ends with a result
// saying why (rejected, Held the reason) instead of failing; any other
// batch failure still fails the run.
func TestEligibilityBatchHeldForEnrollment(t *testing.T) {
	const reason = "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for eligibility (status: submitted); no 270 was sent"
	for _, tc := range []struct {
		name     string
		batchErr error
		wantErr  bool
	}{
		{"not enrolled", temporal.NewNonRetryableApplicationError(reason, activities.ErrTypeNotEnrolled, nil), false},
		{"another failure", temporal.NewNonRetryableApplicationError("built 270 fails validation", "Invalid270", nil), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			var a *activities.Activities
			env.OnActivity(a.CheckEligibilityRealtime, mock.Anything, mock.Anything).Return(activities.EligibilityResult{},
				temporal.NewNonRetryableApplicationError("core: UnAuthorized (HTTP 401)", activities.ErrTypeRealTimeRejected, nil))
			env.OnActivity(a.SubmitEligibilityBatch, mock.Anything, mock.Anything).Return(func(context.Context, activities.EligibilityRequest) error {
				return tc.batchErr
			})
			env.ExecuteWorkflow(Eligibility, EligibilityInput{AppointmentID: "A1"})
			if tc.wantErr {
				require.Error(t, env.GetWorkflowError())
				return
			}
			require.NoError(t, env.GetWorkflowError())
			var res activities.EligibilityResult
			require.NoError(t, env.GetWorkflowResult(&res))
			if res.Status != "rejected" || res.Held != reason || res.Mode != "batch" || len(res.RejectCodes) != 1 {
				t.Errorf("result = %+v; want rejected, held with the reason", res)
			}
		})
	}
}
