package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
)

// AdvanceClaimPayer answers the scripted next payers of the claim, in order.
func (m *memClaims) AdvanceClaimPayer(_ context.Context, in rcm.COBAdvance) (rcm.COBNext, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.next[in.ClaimID]
	if len(q) == 0 {
		return rcm.COBNext{}, nil
	}
	m.next[in.ClaimID] = q[1:]
	return q[0], nil
}

func (m *memClaims) HasLaterPayer(context.Context, string, string) (bool, error) { return false, nil }

// secondaryRemit is the secondary payer's 835: OA-23 for what the primary
// settled, paid, and what the patient still owes.
func secondaryRemit(key string, prior, paid, patient int64) RemitSignal {
	return RemitSignal{TraceNumber: "TRN" + key, FileKey: key, ClaimStatusCode: "2", ChargeCents: 20000, PaidCents: paid, PatientRespCents: patient,
		Adjustments: []activities.Adjustment{{Group: "OA", Reason: "23", AmountCents: prior}, {Group: "PR", Reason: "2", AmountCents: patient}}}
}

// TestClaimCOBSecondaryBilled: the primary pays 150.00 and leaves 20.00 to
// the patient; the patient has a secondary coverage, so the claim goes
// back to ready and through batch, 999 and 277CA to the secondary, whose
// 835 pays 15.00: paid, 165.00 in all, the patient owes 5.00.
func TestClaimCOBSecondaryBilled(t *testing.T) {
	e := newClaimEnv(t)
	calls := 0
	e.cob = func(req activities.COBRequest) rcm.COBNext {
		calls++
		if calls == 1 {
			return rcm.COBNext{Next: true, Seq: 2, PayerID: "ZZPAYER2", PayerName: "SECOND PAYER"}
		}
		return rcm.COBNext{}
	}
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 15000, 2000))
	e.signalAt(11*day, SignalClaimSubmitted, SubmittedSignal{BatchID: "B2", InterchangeControl: "000000002"})
	e.signalAt(11*day+time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack2"})
	e.signalAt(11*day+2*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN2", FileKey: "ca2"})
	e.signalAt(20*day, SignalClaimRemit, secondaryRemit("r2", 18000, 1500, 500))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid,
		StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	if got := e.statusSeq(); !slices.Equal(got, want) {
		t.Errorf("statuses = %v\nwant %v", got, want)
	}
	if st.PaidCents != 16500 || st.PatientRespCents != 500 || st.PayerSeq != 2 || st.Payer != "ZZPAYER2" || st.PayerClaimNumber != "PCN2" {
		t.Errorf("final state: paid %d patient %d payer %d %s claim number %s", st.PaidCents, st.PatientRespCents, st.PayerSeq, st.Payer, st.PayerClaimNumber)
	}
	if len(e.cobs) != 2 || e.cobs[0].Payment.FileKey != "r1" || e.cobs[1].Payment.FileKey != "r2" {
		t.Errorf("AdvanceCOB calls = %+v", e.cobs)
	}
	// The secondary claim is an original: its status writes carry no claim
	// number of the primary until the secondary's 277CA gives its own.
	for _, s := range e.statuses {
		if s.Status == StatusReady && s.Seq > 2 && s.PayerClaimNumber != "" {
			t.Errorf("secondary ready carries the primary's claim number %q", s.PayerClaimNumber)
		}
	}
}

// TestClaimCOBCrossover: the primary forwarded the claim (a crossover):
// nothing is billed again; the claim waits as accepted for the secondary's
// 835.
func TestClaimCOBCrossover(t *testing.T) {
	e := newClaimEnv(t)
	e.cob = func(req activities.COBRequest) rcm.COBNext {
		if req.Payment.FileKey == "r1" {
			return rcm.COBNext{Next: true, Seq: 2, PayerID: "ZZPAYER2", Crossover: true}
		}
		return rcm.COBNext{}
	}
	e.submitAndAccept()
	r1 := paidRemit("r1", 15000, 2000)
	r1.ClaimStatusCode, r1.RARCs = "19", []string{"MA18"}
	e.signalAt(10*day, SignalClaimRemit, r1)
	e.signalAt(20*day, SignalClaimRemit, secondaryRemit("r2", 18000, 2000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid, StatusAccepted, StatusPaid}
	if got := e.statusSeq(); !slices.Equal(got, want) {
		t.Errorf("statuses = %v\nwant %v", got, want)
	}
	if st.PaidCents != 17000 || st.PatientRespCents != 0 {
		t.Errorf("paid %d patient %d, want 17000 and 0", st.PaidCents, st.PatientRespCents)
	}
}

// TestClaimCOBOnDevServer runs a claim paid by its primary and then by its
// secondary on a real dev server; with -record-histories it saves the
// history TestReplayCommittedHistories replays (versionCOB).
func TestClaimCOBOnDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	id := fmt.Sprintf("dev-cob-%d", time.Now().UnixNano())
	mem := &memClaims{statuses: map[string][]string{}, next: map[string][]rcm.COBNext{
		id: {{Next: true, Seq: 2, PayerID: "ZZPAYER2", PayerName: "SECOND PAYER"}}}}
	startWorker(t, c, &activities.Activities{Claims: mem, Appeals: mem, COB: mem})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ClaimIDPrefix + id, TaskQueue: DefaultTaskQueue},
		ClaimWorkflowName, ClaimInput{ClaimID: id})
	require.NoError(t, err)
	waitStatus := func(want string, n int) {
		t.Helper()
		testenv.WaitFor(t, 20*time.Second, "claim status "+want, func() bool {
			mem.mu.Lock()
			defer mem.mu.Unlock()
			got := mem.statuses[id]
			return len(got) >= n && got[n-1] == want
		})
	}
	signal := func(name string, v any) { require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", name, v)) }
	for i, key := range []string{"1", "2"} {
		base := 5 * i
		waitStatus(StatusReady, base+2)
		signal(SignalClaimSubmitted, SubmittedSignal{BatchID: "B" + key, InterchangeControl: "00000000" + key})
		signal(SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack" + key})
		signal(SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN" + key, FileKey: "ca" + key})
		waitStatus(StatusAccepted, base+5)
		if i == 0 {
			signal(SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T1", FileKey: "r1", PayerID: "ZZPAYER1", ClaimStatusCode: "1",
				ChargeCents: 12500, PaidCents: 8000, PatientRespCents: 1000,
				Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 3500}, {Group: "PR", Reason: "2", AmountCents: 1000}}})
			continue
		}
		signal(SignalClaimRemit, RemitSignal{ClaimID: id, TraceNumber: "T2", FileKey: "r2", PayerID: "ZZPAYER2", ClaimStatusCode: "2",
			ChargeCents: 12500, PaidCents: 800, PatientRespCents: 200,
			Adjustments: []activities.Adjustment{{Group: "OA", Reason: "23", AmountCents: 11500}, {Group: "PR", Reason: "2", AmountCents: 200}}})
	}
	var st ClaimState
	require.NoError(t, run.Get(ctx, &st))
	if st.Status != StatusPaid || st.PaidCents != 8800 || st.PatientRespCents != 200 {
		t.Fatalf("final state = %s paid %d patient %d", st.Status, st.PaidCents, st.PatientRespCents)
	}
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid,
		StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	mem.mu.Lock()
	got := slices.Clone(mem.statuses[id])
	mem.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("recorded statuses = %v\nwant %v", got, want)
	}
	if *recordHistories {
		saveHistory(t, c, run.GetID(), run.GetRunID(), "claim_cob_secondary_paid.json")
	}
}

// TestClaimSubmittedTwiceTakenOnce: the batch's telling activity, retried,
// signals a claim twice for one batch (activities/tellclaims.go); the
// repeat is ignored, so the secondary's wait for its own batch does not
// take the primary's.
func TestClaimSubmittedTwiceTakenOnce(t *testing.T) {
	e := newClaimEnv(t)
	e.cob = func(req activities.COBRequest) rcm.COBNext {
		if len(e.cobs) == 1 {
			return rcm.COBNext{Next: true, Seq: 2, PayerID: "ZZPAYER2", PayerName: "SECOND PAYER"}
		}
		return rcm.COBNext{}
	}
	e.submitAndAccept()
	e.signalAt(90*time.Minute, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"})
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 15000, 2000))
	e.signalAt(11*day, SignalClaimSubmitted, SubmittedSignal{BatchID: "B2", InterchangeControl: "000000002"})
	e.signalAt(11*day+time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack2"})
	e.signalAt(11*day+2*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN2", FileKey: "ca2"})
	e.signalAt(20*day, SignalClaimRemit, secondaryRemit("r2", 18000, 1500, 500))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if st.BatchID != "B2" {
		t.Errorf("secondary batch = %s, want B2", st.BatchID)
	}
	var notes []string
	for _, ev := range st.Events {
		if ev.Status == StatusSubmitted {
			notes = append(notes, ev.Note)
		}
	}
	if len(notes) != 2 || !strings.HasPrefix(notes[1], "batch B2") {
		t.Errorf("submitted events = %q", notes)
	}
}
