package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
)

// memRemits posts nothing: it answers a fixed 835's claim payments, all of
// them in the result of an unpaged posting (the first version of the
// workflow), a page at a time otherwise.
type memRemits struct{ pays []activities.ClaimPayment }

func (m *memRemits) Post(_ context.Context, req activities.RemittanceRequest) (activities.PostingResult, error) {
	res := activities.PostingResult{NewlyPosted: len(m.pays), Balanced: true}
	for _, p := range m.pays {
		res.PaidCents += p.PaidCents
	}
	if !req.Paged {
		res.Payments = m.pays
	}
	return res, nil
}

func (m *memRemits) Payments(_ context.Context, req activities.RemittancePageRequest) (activities.RemittancePage, error) {
	start := min(req.AfterSeq, len(m.pays))
	end := min(start+req.Limit, len(m.pays))
	return activities.RemittancePage{Payments: m.pays[start:end], NextSeq: end, More: end < len(m.pays)}, nil
}

// memPatients answers each claim's patient (PatientBalances).
type memPatients struct{}

func (memPatients) PutSmokeRun(context.Context, rcm.SmokeRun) error { return nil }
func (memPatients) GetSmokeRun(context.Context, string) (rcm.SmokeRun, error) {
	return rcm.SmokeRun{}, nil
}
func (memPatients) ClaimPatientID(_ context.Context, claimID string) (string, error) {
	return "patient-of-" + claimID, nil
}

// TestRemittancePostingOnDevServer runs the remittance workflow on a real
// Temporal dev server: three claim payments whose claims have no running
// workflow, one with a patient balance. With -record-histories it saves
// the history for the replay test (remittance_paged.json; the history of
// the workflow's first version, remittance_v0.json, was recorded with the
// code before remitPagedVersion).
func TestRemittancePostingOnDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	remits := &memRemits{pays: []activities.ClaimPayment{
		{ClaimID: "dev-c1", TraceNumber: "DEVTRACE", PaidCents: 9000, PatientRespCents: 2000, ClaimStatusCode: "1",
			Adjustments: []activities.Adjustment{{Group: "PR", Reason: "2", AmountCents: 2000}}},
		{ClaimID: "dev-c2", TraceNumber: "DEVTRACE", ClaimStatusCode: "4"},
		{ClaimID: "dev-c3", TraceNumber: "DEVTRACE", PaidCents: 5000, ClaimStatusCode: "1"},
	}}
	startWorker(t, c, &activities.Activities{Remits: remits, Store: memPatients{}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	trace := fmt.Sprintf("DEV%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: RemittanceID("sim", "ZZPAYER1", trace), TaskQueue: DefaultTaskQueue},
		RemittanceWorkflowName, RemittanceInput{Partner: "sim", FileKey: "k", PayerID: "ZZPAYER1", TraceNumber: trace})
	require.NoError(t, err)
	var res RemittanceResult
	require.NoError(t, run.Get(ctx, &res))
	if res.NewlyPosted != 3 || res.ClaimsNotFound != 3 || res.Signalled != 0 || res.Statements != 1 || len(res.Payments) != 0 {
		t.Errorf("result = %+v", res)
	}
	if *recordHistories {
		saveHistory(t, c, run.GetID(), run.GetRunID(), "remittance_paged.json")
	}
}
