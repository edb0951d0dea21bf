package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// PriorAuthInput names the authorization; zero options take the defaults.
type PriorAuthInput struct {
	AuthID string
	// MaxFollowUps bounds the follow-ups of a pended review (default 12);
	// past them the authorization stays pended for staff to chase.
	MaxFollowUps int
	// ExpiryWarning is how long before an approved authorization's last
	// day it is flagged as expiring (default 7 days), ahead of the visits
	// scheduled under it.
	ExpiryWarning time.Duration
}

// PriorAuthState is the authorization as its workflow knows it.
type PriorAuthState struct {
	Status       string // rcm.AuthRequested, AuthPended, AuthApproved, AuthDenied, AuthExpired, AuthError
	Number       string
	From, To     string // YYYY-MM-DD, the certified period
	Units        int
	Reason       string
	Attempts     int  // 278 requests sent
	ExpiringSoon bool // within ExpiryWarning of its last day
}

// PriorAuthorization is one prior authorization's process: send the 278;
// while the payer pends the review, ask again after the follow-up time the
// activity returns; once approved, wait for the certified period to near
// its end (flag it) and to pass (mark it expired). Denied and rejected
// requests end at once. The activity records every outcome.
func PriorAuthorization(ctx workflow.Context, in PriorAuthInput) (PriorAuthState, error) {
	st := PriorAuthState{Status: rcm.AuthRequested}
	if err := workflow.SetQueryHandler(ctx, QueryPriorAuthState, func() (PriorAuthState, error) { return st, nil }); err != nil {
		return st, err
	}
	maxFollow := in.MaxFollowUps
	if maxFollow <= 0 {
		maxFollow = 12
	}
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			MaximumAttempts: 20},
	})
	for attempt := 1; ; attempt++ {
		var res activities.PriorAuthResult
		st.Attempts = attempt
		if err := workflow.ExecuteActivity(actx, a.RequestPriorAuth, activities.PriorAuthRequest{AuthID: in.AuthID, Attempt: attempt}).Get(ctx, &res); err != nil {
			st.Status, st.Reason = rcm.AuthError, "the 278 request failed"
			return st, err
		}
		st.Status, st.Number, st.From, st.To, st.Units, st.Reason = res.Status, res.Number, res.From, res.To, res.Units, res.Reason
		if res.Status != rcm.AuthPended || attempt > maxFollow {
			break
		}
		if err := workflow.Sleep(ctx, res.FollowUp); err != nil {
			return st, err
		}
	}
	if st.Status != rcm.AuthApproved {
		return st, nil
	}
	last, err := time.Parse(time.DateOnly, st.To)
	if err != nil {
		return st, temporal.NewNonRetryableApplicationError("approved authorization without a valid end date", "BadAuthDates", err)
	}
	end := last.AddDate(0, 0, 1) // the certified period includes its last day
	warn := in.ExpiryWarning
	if warn <= 0 {
		warn = 7 * 24 * time.Hour
	}
	if d := end.Add(-warn).Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return st, err
		}
	}
	st.ExpiringSoon = true
	workflow.GetLogger(ctx).Info("prior authorization nears its end", "auth", in.AuthID, "to", st.To)
	if d := end.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return st, err
		}
	}
	if err := workflow.ExecuteActivity(actx, a.ExpirePriorAuth, in.AuthID).Get(ctx, nil); err != nil {
		return st, err
	}
	st.Status = rcm.AuthExpired
	return st, nil
}
