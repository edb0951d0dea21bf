package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/rcm"
)

// authRecords is an in-memory PriorAuthRecords: one authorization.
type authRecords struct {
	mu       sync.Mutex
	bundle   rcm.AuthBundle
	outcomes []rcm.AuthOutcome
	expired  int
}

func (r *authRecords) AuthorizationBundle(_ context.Context, id string) (rcm.AuthBundle, error) {
	if id != r.bundle.Auth.ID {
		return rcm.AuthBundle{}, rcm.ErrNotFound
	}
	return r.bundle, nil
}

func (r *authRecords) BillingProfileFor(context.Context, string) (rcm.BillingProfile, error) {
	return rcm.BillingProfile{Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001", SubmitterID: "ZZSUBMIT1"}, nil
}

func (r *authRecords) RecordAuthOutcome(_ context.Context, _ string, o rcm.AuthOutcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes = append(r.outcomes, o)
	return nil
}

func (r *authRecords) ExpireAuthorization(context.Context, string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expired++
	return nil
}

// simSender sends 278s to the simulator's payer in process.
type simSender struct{ a *payer.Adjudicator }

func (s simSender) RealTime278(ctx context.Context, _, _ string, x []byte) ([]byte, error) {
	rep, err := s.a.RealTime(ctx, clearinghouse.PayloadType278, x)
	return rep.Payload, err
}

func runPriorAuth(t *testing.T, code string) (PriorAuthState, *authRecords, time.Time) {
	t.Helper()
	cfg, err := payer.ParseConfig([]byte(`{"payer": {"name": "TEST PAYER", "id": "ZZPAYER1"},
		"members": {"ZZ0000006": {"lastName": "TESTPATIENT", "firstName": "ALPHA"}},
		"authorizations": [{"procedures": ["72148"], "action": "pend"}, {"procedures": ["22867"], "action": "deny"},
		                   {"procedures": ["70553"], "days": 30, "units": 1}]}`))
	require.NoError(t, err)
	sim, err := payer.New(cfg, payer.Options{})
	require.NoError(t, err)
	rec := &authRecords{bundle: rcm.AuthBundle{
		Auth: rcm.Authorization{ID: "auth-1", OrgID: "org-1", Codes: []string{code}, Diagnoses: []string{"M54.50"}, Units: 3,
			ServiceFrom: "2030-03-01", ServiceTo: "2030-05-31", Trace: "PATEST0001"},
		Patient:  rcm.Patient{FirstName: "Testpatient", LastName: "Alpha", BirthDate: "1980-01-01", Sex: "F"},
		Coverage: rcm.Coverage{MemberID: "ZZ0000006", Relationship: "self"},
		Payer:    rcm.Payer{Name: "TEST PAYER", PayerID: "ZZPAYER1", Clearinghouse: "sim"},
		Provider: rcm.Provider{FirstName: "Testdoc", LastName: "One", NPI: "1234567893"},
	}}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2030, 2, 20, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	Register(env, &activities.Activities{PriorAuth: &activities.PriorAuthService{Records: rec, RealTime: simSender{sim}, FollowUp: time.Hour}})
	env.ExecuteWorkflow(PriorAuthWorkflowName, PriorAuthInput{AuthID: "auth-1"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var st PriorAuthState
	require.NoError(t, env.GetWorkflowResult(&st))
	return st, rec, env.Now()
}

// TestPriorAuthPendedThenApprovedThenExpired: the payer pends the review;
// an hour later the workflow asks again and it is approved; the
// authorization is flagged a week before its last day and expires after it.
func TestPriorAuthPendedThenApprovedThenExpired(t *testing.T) {
	st, rec, end := runPriorAuth(t, "72148")
	require.Equal(t, rcm.AuthExpired, st.Status)
	require.Equal(t, 2, st.Attempts)
	require.True(t, st.ExpiringSoon)
	require.Len(t, rec.outcomes, 2)
	require.Equal(t, rcm.AuthPended, rec.outcomes[0].Status)
	approved := rec.outcomes[1]
	require.Equal(t, rcm.AuthApproved, approved.Status)
	require.NotEmpty(t, approved.Number)
	require.Equal(t, "2030-03-01", approved.From)
	require.Equal(t, "2030-05-31", approved.To)
	require.Equal(t, 3, approved.Units)
	require.Equal(t, 1, rec.expired)
	require.False(t, end.Before(time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)), "expired at %v, before the end of its last day", end)
}

// TestPriorAuthDenied: a denial ends the workflow at once, not expired.
func TestPriorAuthDenied(t *testing.T) {
	st, rec, _ := runPriorAuth(t, "22867")
	require.Equal(t, rcm.AuthDenied, st.Status)
	require.Equal(t, 1, st.Attempts)
	require.Zero(t, rec.expired)
	require.Equal(t, "A3", rec.outcomes[0].Decision)
}

// TestPriorAuthCappedByRule: the payer certifies fewer days and units
// than asked; the authorization expires at the end of the shorter period.
func TestPriorAuthCappedByRule(t *testing.T) {
	st, rec, end := runPriorAuth(t, "70553")
	require.Equal(t, rcm.AuthExpired, st.Status)
	require.Equal(t, "2030-03-30", rec.outcomes[0].To)
	require.Equal(t, 1, rec.outcomes[0].Units)
	require.True(t, end.Before(time.Date(2030, 4, 2, 0, 0, 0, 0, time.UTC)), "expired at %v, well after the capped period", end)
}
