package workflows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
)

// inquireAt sends the claim.inquire-now update at d; the answer or the
// refusal lands in out.
func (e *claimEnv) inquireAt(d time.Duration, req InquiryRequest, out *inquiryOutcome) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(UpdateClaimInquireNow, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { out.rejected = err },
			OnComplete: func(v any, err error) {
				out.completed, out.err, out.inquiredBefore = true, err, e.inquired
				switch v := v.(type) {
				case InquiryAnswer:
					out.answer = v
				case *commonpb.Payloads:
					if err := converter.GetDefaultDataConverter().FromPayloads(v, &out.answer); err != nil {
						e.t.Errorf("decode the answer: %v", err)
					}
				}
			},
		}, req)
	}, d)
}

type inquiryOutcome struct {
	rejected, err  error
	completed      bool
	answer         InquiryAnswer
	inquiredBefore int // inquiries sent when the update completed
}

// TestClaimInquireNowSendsA276AtOnce: staff asking for a status inquiry
// on an accepted claim make the waiting loop send a 276 at once (days
// before FirstInquiry), record its 277 answer in the status history with
// the staff member, and answer the update with it; the claim then goes on
// to its 835 without another inquiry. Asked before the claim was
// submitted, the update is refused with the reason, and nothing is sent.
func TestClaimInquireNowSendsA276AtOnce(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	var early, now inquiryOutcome
	e.inquireAt(30*time.Minute, InquiryRequest{User: "biller1"}, &early)
	e.inquireAt(4*time.Hour, InquiryRequest{User: "biller1", Note: "patient called"}, &now)
	e.signalAt(5*time.Hour, SignalClaimRemit, paidRemit("r1", 16000, 0))
	e.ExecuteWorkflow(Claim, ClaimInput{ClaimID: "c1"})
	st := e.result()

	if early.rejected == nil || !strings.Contains(early.rejected.Error(), "not been submitted yet (status ready)") {
		t.Errorf("inquiry on a ready claim: rejected %v, completed %v; want refused as not submitted", early.rejected, early.completed)
	}
	if now.rejected != nil || !now.completed || now.err != nil {
		t.Fatalf("inquiry on an accepted claim: rejected %v, completed %v, err %v", now.rejected, now.completed, now.err)
	}
	if now.inquiredBefore != 1 || now.answer.Status != StatusAccepted || now.answer.Summary != "STC A2:20" {
		t.Errorf("answer %+v after %d inquiries, want accepted with STC A2:20 after one", now.answer, now.inquiredBefore)
	}
	if e.inquired != 1 || st.Status != StatusPaid {
		t.Errorf("%d inquiries sent, final status %s; want one (asked by staff; FirstInquiry is 30 days) and paid", e.inquired, st.Status)
	}
	var row *activities.ClaimStatusChange
	for i := range e.statuses {
		if strings.HasPrefix(e.statuses[i].Note, "276 inquiry") {
			row = &e.statuses[i]
		}
	}
	if row == nil || row.Status != StatusAccepted || row.Actor != "biller1" || row.Note != "276 inquiry asked by staff: STC A2:20; patient called" {
		t.Errorf("inquiry history row = %+v", row)
	}
	if st.LastInquiry == nil || st.LastInquiry.Category != "A2" {
		t.Errorf("last inquiry = %+v", st.LastInquiry)
	}
}

// TestClaimInquireNowRefusedAfterAdjudication: once the 835 denied the
// claim, a status inquiry is refused as adjudicated.
func TestClaimInquireNowRefusedAfterAdjudication(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	var late inquiryOutcome
	e.signalAt(4*time.Hour, SignalClaimRemit, deniedRemit("r1", "CO", "50"))
	e.inquireAt(5*time.Hour, InquiryRequest{User: "biller1"}, &late)
	e.decideAt(6*time.Hour, Decision{Action: ActionWriteOff, User: "biller1"}, nil)
	e.ExecuteWorkflow(Claim, ClaimInput{ClaimID: "c1"})
	st := e.result()
	if late.rejected == nil || !strings.Contains(late.rejected.Error(), "already adjudicated or closed (status appeal_pending)") {
		t.Errorf("inquiry on a denied claim: rejected %v, completed %v", late.rejected, late.completed)
	}
	if e.inquired != 0 || st.Status != StatusWrittenOff {
		t.Errorf("%d inquiries, status %s; want none and written_off", e.inquired, st.Status)
	}
}

// memInquirer answers every 276 with a 277 "pending: in process" and
// counts them (the real inquiry service is tested in activities and api).
type memInquirer struct {
	mu    sync.Mutex
	calls int
}

func (m *memInquirer) Inquire(context.Context, string) (activities.StatusInquiryResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	return activities.StatusInquiryResult{Category: "P1", Status: "20"}, nil
}

// TestClaimInquireNowOnDevServer: on a real dev server, the inquire-now
// update on an accepted claim sends one 276 at once and answers with its
// 277; the run then completes on its 835. With -record-histories it saves
// the history for the replay test (claim_inquire_now_paid.json).
func TestClaimInquireNowOnDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	mem := &memClaims{statuses: map[string][]string{}}
	inq := &memInquirer{}
	startWorker(t, c, &activities.Activities{Claims: mem, Appeals: mem, COB: mem, Inquirer: inq})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	id := fmt.Sprintf("inq-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ClaimIDPrefix + id, TaskQueue: DefaultTaskQueue},
		ClaimWorkflowName, ClaimInput{ClaimID: id})
	require.NoError(t, err)
	inquire := func() (InquiryAnswer, error) {
		var ans InquiryAnswer
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: UpdateClaimInquireNow,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{InquiryRequest{User: "biller1"}}})
		if err == nil {
			err = h.Get(ctx, &ans)
		}
		return ans, err
	}
	state := func() ClaimState {
		v, err := c.QueryWorkflow(ctx, run.GetID(), "", QueryClaimState)
		require.NoError(t, err)
		var st ClaimState
		require.NoError(t, v.Get(&st))
		return st
	}
	testenv.WaitFor(t, 20*time.Second, "the claim to be ready", func() bool { return state().Status == StatusReady })
	if _, err := inquire(); err == nil || !strings.Contains(err.Error(), "not been submitted yet") {
		t.Fatalf("inquiry on a ready claim = %v, want refused as not submitted", err)
	}
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack"}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN9", FileKey: "ca"}))
	testenv.WaitFor(t, 20*time.Second, "the claim to be accepted", func() bool { return state().Status == StatusAccepted })
	ans, err := inquire()
	require.NoError(t, err)
	inq.mu.Lock()
	calls := inq.calls
	inq.mu.Unlock()
	if ans.Status != StatusAccepted || ans.Summary != "STC P1:20" || calls != 1 {
		t.Fatalf("inquiry answered %+v after %d 276s, want accepted, STC P1:20, one 276", ans, calls)
	}
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T1", FileKey: "r1",
		ClaimStatusCode: "1", ChargeCents: 12500, PaidCents: 9000, Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}}))
	var st ClaimState
	require.NoError(t, run.Get(ctx, &st))
	if st.Status != StatusPaid || st.LastInquiry == nil || st.LastInquiry.Category != "P1" {
		t.Fatalf("final state = %s, last inquiry %+v", st.Status, st.LastInquiry)
	}
	if *recordHistories {
		saveHistory(t, c, run.GetID(), run.GetRunID(), "claim_inquire_now_paid.json")
	}
}
