package workflows

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterActivity(a)
	return env
}

func TestRemittancePostingSignalsEachClaim(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	posted := activities.PostingResult{
		Payments: []activities.ClaimPayment{
			{ClaimID: "C1", TraceNumber: "T1", PaidCents: 100},
			{ClaimID: "C2", TraceNumber: "T1", PaidCents: 0, ClaimStatusCode: "4"},
			{ClaimID: "C3", TraceNumber: "T1", PaidCents: 50},
		},
		NewlyPosted: 3, Balanced: true, PaidCents: 150,
	}
	counts := posted
	counts.Payments = nil
	env.OnActivity(a.PostRemittance, mock.Anything, mock.MatchedBy(func(r activities.RemittanceRequest) bool { return r.Paged })).Return(counts, nil).Once()
	env.OnActivity(a.RemittancePayments, mock.Anything, mock.MatchedBy(func(r activities.RemittancePageRequest) bool { return r.AfterSeq == 0 })).
		Return(activities.RemittancePage{Payments: posted.Payments, NextSeq: 4}, nil).Once()
	env.OnActivity(a.PatientBalances, mock.Anything, mock.Anything).Return([]activities.PatientBalance{{StatementID: "C1-T1", PatientID: "P1", AmountCents: 2000}}, nil)
	env.RegisterWorkflowWithOptions(PatientStatement, workflow.RegisterOptions{Name: StatementWorkflowName})
	// The test environment runs mocked children and signals in their own
	// goroutines: what they record goes under mu.
	var mu sync.Mutex
	var statement StatementInput
	env.OnWorkflow(StatementWorkflowName, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in StatementInput) (StatementResult, error) {
		mu.Lock()
		defer mu.Unlock()
		statement = in
		return StatementResult{}, nil
	})
	// Runs before remitTellVersion: a SignalExternal per claim.
	env.OnGetVersion(remitTellVersion, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	signalled := map[string]activities.ClaimPayment{}
	for _, p := range posted.Payments {
		var err error
		if p.ClaimID == "C3" {
			err = serviceerror.NewNotFound("workflow not found")
		}
		env.OnSignalExternalWorkflow(mock.Anything, ClaimIDPrefix+p.ClaimID, "", SignalClaimRemit, mock.Anything).
			Run(func(args mock.Arguments) {
				mu.Lock()
				defer mu.Unlock()
				signalled[p.ClaimID] = args.Get(4).(activities.ClaimPayment)
			}).Return(err)
	}
	env.ExecuteWorkflow(RemittancePosting, RemittanceInput{FileKey: "k", PayerID: "ZZPAYER1", TraceNumber: "T1"})
	require.NoError(t, env.GetWorkflowError())
	var res RemittanceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if res.Signalled != 2 || res.ClaimsNotFound != 1 || res.NewlyPosted != 3 {
		t.Errorf("result = %+v", res)
	}
	if got := signalled["C2"].ClaimStatusCode; got != "4" {
		t.Errorf("C2 was told status %q, want 4", got)
	}
	if res.Statements != 1 || statement.StatementID != "C1-T1" || statement.AmountCents != 2000 || statement.PatientID != "P1" {
		t.Errorf("statements = %d, input %+v", res.Statements, statement)
	}
}

func TestRemittancePostingRetriesPostingFailure(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	env.OnActivity(a.PostRemittance, mock.Anything, mock.Anything).Return(activities.PostingResult{}, errors.New("connection reset")).Once()
	env.OnActivity(a.PostRemittance, mock.Anything, mock.Anything).Return(activities.PostingResult{AlreadyPosted: 1, Balanced: true}, nil).Once()
	env.OnActivity(a.RemittancePayments, mock.Anything, mock.Anything).Return(activities.RemittancePage{Payments: []activities.ClaimPayment{{ClaimID: "C1"}}, NextSeq: 1}, nil).Once()
	env.OnActivity(a.TellClaimsPaid, mock.Anything, mock.Anything).Return(activities.TellResult{Claims: 1, Signalled: 1}, nil)
	env.OnActivity(a.PatientBalances, mock.Anything, mock.Anything).Return(nil, nil)
	env.ExecuteWorkflow(RemittancePosting, RemittanceInput{FileKey: "k", TraceNumber: "T1"})
	require.NoError(t, env.GetWorkflowError())
	var res RemittanceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if res.AlreadyPosted != 1 || res.Signalled != 1 {
		t.Errorf("result = %+v", res)
	}
}

func TestRemittancePostingMalformedFileFailsWithoutRetry(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	calls := 0
	env.OnActivity(a.PostRemittance, mock.Anything, mock.Anything).Return(func(context.Context, activities.RemittanceRequest) (activities.PostingResult, error) {
		calls++
		return activities.PostingResult{}, temporal.NewNonRetryableApplicationError("835 segment 12 CLP: CLP04 is not a number", "MalformedRemittance", nil)
	})
	env.ExecuteWorkflow(RemittancePosting, RemittanceInput{FileKey: "k", TraceNumber: "T1"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != "MalformedRemittance" {
		t.Fatalf("err = %v, want MalformedRemittance", err)
	}
	if calls != 1 {
		t.Errorf("posting tried %d times, want 1", calls)
	}
}

func TestBatchSubmissionSignalsClaims(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	env.OnActivity(a.SubmitClaimBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, req activities.BatchRequest) ([]activities.Batch, error) {
		if req.ClearinghouseID != "sim" || req.RunID == "" {
			t.Errorf("request = %+v", req)
		}
		return []activities.Batch{
			{BatchID: "B1", InterchangeControl: "000000101", GroupControl: "101", Claims: []activities.BatchClaim{{ClaimID: "C1", TransactionControl: "0001"}, {ClaimID: "C2", TransactionControl: "0002"}}},
			{BatchID: "B2", InterchangeControl: "000000102", GroupControl: "102", Claims: []activities.BatchClaim{{ClaimID: "C3", TransactionControl: "0001"}}},
		}, nil
	})
	// Runs before batchTellVersion: a SignalExternal per claim.
	env.OnGetVersion(batchTellVersion, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	var mu sync.Mutex // signal mocks run in the test environment's goroutines
	got := map[string]SubmittedSignal{}
	for _, id := range []string{"C1", "C2", "C3"} {
		env.OnSignalExternalWorkflow(mock.Anything, ClaimIDPrefix+id, "", SignalClaimSubmitted, mock.Anything).
			Run(func(args mock.Arguments) {
				mu.Lock()
				defer mu.Unlock()
				got[id] = args.Get(4).(SubmittedSignal)
			}).Return(nil)
	}
	env.ExecuteWorkflow(BatchSubmission, BatchInput{ClearinghouseID: "sim"})
	require.NoError(t, env.GetWorkflowError())
	var res BatchResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if res.Claims != 3 || res.Signalled != 3 || len(res.Batches) != 2 {
		t.Errorf("result = %+v", res)
	}
	if s := got["C2"]; s.BatchID != "B1" || s.TransactionControl != "0002" || s.InterchangeControl != "000000101" {
		t.Errorf("C2 signal = %+v", s)
	}
}

// TestTellClaimsByActivity: from batchTellVersion and remitTellVersion the
// batch and the remittance tell their claims in one activity each, and
// count what it told.
func TestTellClaimsByActivity(t *testing.T) {
	t.Run("batch", func(t *testing.T) {
		env := newEnv(t)
		var a *activities.Activities
		batches := []activities.Batch{
			{BatchID: "B1", InterchangeControl: "000000101", Claims: []activities.BatchClaim{{ClaimID: "C1"}, {ClaimID: "C2"}}},
			{BatchID: "B2", InterchangeControl: "000000102", Claims: []activities.BatchClaim{{ClaimID: "C3"}}},
		}
		env.OnActivity(a.SubmitClaimBatch, mock.Anything, mock.Anything).Return(batches, nil)
		var told []activities.Batch
		env.OnActivity(a.TellClaimsSubmitted, mock.Anything, mock.Anything).Return(func(_ context.Context, b []activities.Batch) (activities.TellResult, error) {
			told = b
			return activities.TellResult{Claims: 3, Signalled: 2, NotFound: 1, NotFoundIDs: []string{"C3"}}, nil
		})
		env.ExecuteWorkflow(BatchSubmission, BatchInput{ClearinghouseID: "sim"})
		require.NoError(t, env.GetWorkflowError())
		var res BatchResult
		require.NoError(t, env.GetWorkflowResult(&res))
		if res.Claims != 3 || res.Signalled != 2 || len(res.Batches) != 2 || len(told) != 2 || told[1].Claims[0].ClaimID != "C3" {
			t.Errorf("result = %+v, told %+v", res, told)
		}
	})
	t.Run("remittance", func(t *testing.T) {
		env := newEnv(t)
		var a *activities.Activities
		pays := []activities.ClaimPayment{{ClaimID: "C1", TraceNumber: "T1"}, {ClaimID: "C2", TraceNumber: "T1"}}
		env.OnActivity(a.PostRemittance, mock.Anything, mock.Anything).Return(activities.PostingResult{NewlyPosted: 2, Balanced: true}, nil)
		env.OnActivity(a.RemittancePayments, mock.Anything, mock.Anything).Return(activities.RemittancePage{Payments: pays, NextSeq: 2}, nil).Once()
		env.OnActivity(a.PatientBalances, mock.Anything, mock.Anything).Return(nil, nil)
		var told []activities.ClaimPayment
		env.OnActivity(a.TellClaimsPaid, mock.Anything, mock.Anything).Return(func(_ context.Context, p []activities.ClaimPayment) (activities.TellResult, error) {
			told = p
			return activities.TellResult{Claims: 2, Signalled: 1, NotFound: 1, NotFoundIDs: []string{"C2"}}, nil
		})
		env.ExecuteWorkflow(RemittancePosting, RemittanceInput{FileKey: "k", TraceNumber: "T1"})
		require.NoError(t, env.GetWorkflowError())
		var res RemittanceResult
		require.NoError(t, env.GetWorkflowResult(&res))
		if res.Signalled != 1 || res.ClaimsNotFound != 1 || len(told) != 2 {
			t.Errorf("result = %+v, told %+v", res, told)
		}
	})
}

func TestEligibilityRealtime(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	env.OnActivity(a.CheckEligibilityRealtime, mock.Anything, mock.Anything).Return(activities.EligibilityResult{Status: "active", BenefitsID: "b1"}, nil)
	env.ExecuteWorkflow(Eligibility, EligibilityInput{AppointmentID: "A1"})
	require.NoError(t, env.GetWorkflowError())
	var res activities.EligibilityResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if res.Status != "active" || res.Mode != "realtime" {
		t.Errorf("result = %+v", res)
	}
}

func TestEligibilityFallsBackToBatch(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reply      bool
		wantStatus string
		rtErr      error
		wantTries  int
	}{
		// Temporal's retry policy is the only retry of the one-attempt
		// CORE client: six tries, then batch.
		{"271 arrives", true, "inactive", errors.New("real-time endpoint timed out"), 6},
		{"271 never arrives", false, "pending", errors.New("real-time endpoint timed out"), 6},
		// A request the endpoint refuses is not retried.
		{"request refused", true, "inactive",
			temporal.NewNonRetryableApplicationError("core: UnAuthorized (HTTP 401)", activities.ErrTypeRealTimeRejected, nil), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			var a *activities.Activities
			rt := 0
			env.OnActivity(a.CheckEligibilityRealtime, mock.Anything, mock.Anything).Return(func(context.Context, activities.EligibilityRequest) (activities.EligibilityResult, error) {
				rt++
				return activities.EligibilityResult{}, tc.rtErr
			})
			var trace string
			env.OnActivity(a.SubmitEligibilityBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, req activities.EligibilityRequest) error {
				trace = req.TraceNumber
				return nil
			})
			env.OnActivity(a.StoreEligibilityResponse, mock.Anything, mock.Anything, "archive/271-key").Return(func(_ context.Context, req activities.EligibilityRequest, _ string) (activities.EligibilityResult, error) {
				if req.TraceNumber != trace {
					t.Errorf("stored with trace %q, sent %q", req.TraceNumber, trace)
				}
				return activities.EligibilityResult{Status: "inactive", RejectCodes: []string{"AAA:72"}}, nil
			})
			if tc.reply {
				env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalEligibility271, "archive/271-key") }, 3*time.Hour)
			}
			env.ExecuteWorkflow(Eligibility, EligibilityInput{AppointmentID: "A1"})
			require.NoError(t, env.GetWorkflowError())
			var res activities.EligibilityResult
			require.NoError(t, env.GetWorkflowResult(&res))
			if res.Status != tc.wantStatus || res.Mode != "batch" || rt != tc.wantTries || trace == "" {
				t.Errorf("result = %+v after %d real-time tries, trace %q", res, rt, trace)
			}
		})
	}
}

func TestEligibilityNoCoverage(t *testing.T) {
	env := newEnv(t)
	var a *activities.Activities
	env.OnActivity(a.CheckEligibilityRealtime, mock.Anything, mock.Anything).Return(activities.EligibilityResult{},
		temporal.NewNonRetryableApplicationError("appointment has no coverage", "NoCoverage", nil))
	env.ExecuteWorkflow(Eligibility, EligibilityInput{AppointmentID: "A1"})
	require.NoError(t, env.GetWorkflowError())
	var res activities.EligibilityResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if res.Status != "rejected" {
		t.Errorf("result = %+v", res)
	}
}

func TestEligibilitySweepStartsOneCheckPerAppointment(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(Eligibility, workflow.RegisterOptions{Name: EligibilityWorkflowName})
	var a *activities.Activities
	var ids []string
	for i := range 45 {
		ids = append(ids, "A"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	env.OnActivity(a.UpcomingAppointments, mock.Anything, mock.Anything, mock.Anything).Return(func(_ context.Context, from, to time.Time) ([]string, error) {
		if got := to.Sub(from); got != 48*time.Hour {
			t.Errorf("window = %v, want 48h", got)
		}
		return ids, nil
	})
	var checked atomic.Int32 // child workflows' activities run concurrently
	env.OnActivity(a.CheckEligibilityRealtime, mock.Anything, mock.Anything).Return(func(context.Context, activities.EligibilityRequest) (activities.EligibilityResult, error) {
		checked.Add(1)
		return activities.EligibilityResult{Status: "active"}, nil
	})
	env.ExecuteWorkflow(EligibilitySweep, EligibilitySweepInput{})
	require.NoError(t, env.GetWorkflowError())
	var n int
	require.NoError(t, env.GetWorkflowResult(&n))
	if n != 45 || checked.Load() != 45 {
		t.Errorf("sweep completed %d, checked %d; want 45", n, checked.Load())
	}
}
