package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

// versionEligibilityHeld marks Eligibility runs that end with a result
// saying why when the batch 270 was not sent because the provider is not
// enrolled with the payer for eligibility (issue 19); earlier runs failed
// with the activity's error. The version is read only on that path, so
// histories that never reach it replay unchanged.
const (
	versionEligibilityHeldChange = "eligibility-held-result"
	versionEligibilityHeld       = 1
)

// eligibilityNotSent answers a failed batch submission: the held check's
// result (status rejected, Held the reason; the activity stored it) for a
// provider not enrolled, else the error.
func eligibilityNotSent(ctx workflow.Context, err error) (activities.EligibilityResult, error) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrTypeNotEnrolled {
		return activities.EligibilityResult{}, err
	}
	if workflow.GetVersion(ctx, versionEligibilityHeldChange, workflow.DefaultVersion, versionEligibilityHeld) == workflow.DefaultVersion {
		return activities.EligibilityResult{}, err
	}
	reason := app.Message()
	return activities.EligibilityResult{Status: "rejected", RejectCodes: []string{reason}, Mode: "batch", Held: reason}, nil
}
