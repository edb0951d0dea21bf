package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

const day = 24 * time.Hour

// claimEnv is a time-skipping test environment for the claim workflow with
// its activities replaced by recorders (the SDK's test environment; the
// activities themselves are tested against Postgres in their package).
type claimEnv struct {
	*testsuite.TestWorkflowEnvironment
	t        *testing.T
	statuses []activities.ClaimStatusChange
	scrub    activities.ScrubResult
	appeals  []activities.AppealRequest
	inquired int
	// refuse, when set, makes the status write fail (as the store does).
	refuse func(activities.ClaimStatusChange) error
	// cob answers AdvanceCOB (claim_cob_test.go); nil: no next payer.
	cob  func(activities.COBRequest) rcm.COBNext
	cobs []activities.COBRequest
}

func newClaimEnv(t *testing.T) *claimEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	e := &claimEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment(), t: t,
		scrub: activities.ScrubResult{PayerID: "ZZPAYER1", ClearinghouseID: "sim", ChargeCents: 20000, FilingLimitDays: 90}}
	e.RegisterWorkflowWithOptions(Claim, workflow.RegisterOptions{Name: ClaimWorkflowName})
	var a *activities.Activities
	e.RegisterActivity(a)
	e.OnActivity(a.ScrubClaim, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.ScrubRequest) (activities.ScrubResult, error) {
			return e.scrub, nil
		})
	e.OnActivity(a.RecordClaimStatus, mock.Anything, mock.Anything).Return(
		func(_ context.Context, ch activities.ClaimStatusChange) error {
			if e.refuse != nil {
				if err := e.refuse(ch); err != nil {
					return err
				}
			}
			e.statuses = append(e.statuses, ch)
			return nil
		})
	e.OnActivity(a.SendStatusInquiry, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id string) (activities.StatusInquiryResult, error) {
			e.inquired++
			return activities.StatusInquiryResult{Category: "A2", Status: "20"}, nil
		})
	e.OnActivity(a.AdvanceCOB, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.COBRequest) (rcm.COBNext, error) {
			e.cobs = append(e.cobs, req)
			if e.cob == nil {
				return rcm.COBNext{}, nil
			}
			return e.cob(req), nil
		})
	e.OnActivity(a.FileAppeal, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.AppealRequest) error {
			e.appeals = append(e.appeals, req)
			return nil
		})
	return e
}

func (e *claimEnv) signalAt(d time.Duration, name string, v any) {
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(name, v) }, d)
}

// decideAt sends a staff decision as an update; rejected records whether
// the validator refused it.
func (e *claimEnv) decideAt(d time.Duration, dec Decision, rejected *error) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(UpdateClaimDecide, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) {
				if rejected != nil {
					*rejected = err
				}
			},
			OnComplete: func(any, error) {},
		}, dec)
	}, d)
}

// submitAndAccept drives the claim through batch, 999 and 277CA.
func (e *claimEnv) submitAndAccept() {
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"})
	e.signalAt(2*time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(3*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN1", FileKey: "ca1"})
}

func (e *claimEnv) result() ClaimState {
	e.t.Helper()
	require.True(e.t, e.IsWorkflowCompleted())
	require.NoError(e.t, e.GetWorkflowError())
	var st ClaimState
	require.NoError(e.t, e.GetWorkflowResult(&st))
	return st
}

func (e *claimEnv) statusSeq() []string {
	var out []string
	for _, s := range e.statuses {
		if len(out) == 0 || out[len(out)-1] != s.Status {
			out = append(out, s.Status)
		}
	}
	return out
}

func (e *claimEnv) continuedAsNew() ClaimInput {
	e.t.Helper()
	require.True(e.t, e.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.True(e.t, errors.As(e.GetWorkflowError(), &can), "want continue-as-new, got %v", e.GetWorkflowError())
	var next ClaimInput
	require.NoError(e.t, converterFromTest().FromPayloads(can.Input, &next))
	return next
}

func paidRemit(key string, paid, patient int64) RemitSignal {
	return RemitSignal{TraceNumber: "TRN" + key, FileKey: key, ClaimStatusCode: "1", ChargeCents: 20000, PaidCents: paid, PatientRespCents: patient,
		Adjustments: []activities.Adjustment{{Group: "CO", Reason: "45", AmountCents: 20000 - paid - patient}, {Group: "PR", Reason: "2", AmountCents: patient}}}
}

func deniedRemit(key, group, reason string) RemitSignal {
	return RemitSignal{TraceNumber: "TRN" + key, FileKey: key, ClaimStatusCode: "4", ChargeCents: 20000,
		Adjustments: []activities.Adjustment{{Group: group, Reason: reason, AmountCents: 20000}}, RARCs: []string{"N290"}}
}

func TestClaimPaid(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 15000, 2000))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if got, want := st.Status, StatusPaid; got != want {
		t.Fatalf("status = %s, want %s", got, want)
	}
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	if got := e.statusSeq(); !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if st.PaidCents != 15000 || st.PatientRespCents != 2000 || st.PayerClaimNumber != "PCN1" || st.BatchID != "B1" {
		t.Errorf("state = %+v", st)
	}
	if e.inquired != 0 {
		t.Errorf("sent %d inquiries before day 30, want 0", e.inquired)
	}
}

func TestClaimPartiallyPaid(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	r := paidRemit("r1", 9000, 1000)
	r.Adjustments = append(r.Adjustments, activities.Adjustment{Group: "CO", Reason: "97", AmountCents: 5000})
	r.Adjustments[0].AmountCents = 5000
	e.signalAt(10*day, SignalClaimRemit, r)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	if got, want := e.result().Status, StatusPartiallyPaid; got != want {
		t.Fatalf("status = %s, want %s", got, want)
	}
}

func TestClaimStatusInquiriesWhileWaiting(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	// 30 days then every 15: inquiries at ~30, 45, 60; the 835 comes on day 70.
	e.signalAt(70*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if got, want := e.inquired, 3; got != want {
		t.Errorf("inquiries = %d, want %d", got, want)
	}
	if st.Inquiries != 3 || st.LastInquiry == nil || st.LastInquiry.Category != "A2" {
		t.Errorf("state inquiries = %d, last = %+v", st.Inquiries, st.LastInquiry)
	}
	if st.Status != StatusPaid {
		t.Errorf("status = %s", st.Status)
	}
}

func TestClaimInquiriesStopAtMax(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	e.signalAt(200*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1", Timing: ClaimTiming{MaxInquiries: 2}})
	e.result()
	if got, want := e.inquired, 2; got != want {
		t.Errorf("inquiries = %d, want %d", got, want)
	}
}

func TestClaimScrubFailureResubmitted(t *testing.T) {
	e := newClaimEnv(t)
	e.scrub.Problems = []string{"2300 HI01: missing principal diagnosis"}
	var rejected error
	e.decideAt(time.Hour, Decision{Action: ActionAppeal, User: "biller1"}, &rejected) // not allowed here
	e.decideAt(2*time.Hour, Decision{Action: ActionResubmit, User: "biller1", Note: "added diagnosis"}, nil)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	next := e.continuedAsNew()
	if next.Attempt != 2 || next.FrequencyCode != "1" || next.ClaimID != "C1" {
		t.Errorf("next input = %+v", next)
	}
	if rejected == nil {
		t.Error("the validator accepted an appeal of a scrub failure")
	}
	if got, want := e.statusSeq(), []string{StatusScrubbing, StatusScrubFailed, StatusResubmitted}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

func TestClaimRejectedBy999WrittenOff(t *testing.T) {
	e := newClaimEnv(t)
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1"})
	e.signalAt(2*time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: false, Codes: []string{"IK5:R", "IK3:8"}, FileKey: "ack1"})
	e.decideAt(3*time.Hour, Decision{Action: ActionWriteOff, User: "lead1", Note: "duplicate of another claim"}, nil)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if st.Status != StatusWrittenOff || !slices.Equal(st.Problems, []string{"IK5:R", "IK3:8"}) {
		t.Errorf("state = %s %v", st.Status, st.Problems)
	}
}

func TestClaimRejectedBy277CAResubmitted(t *testing.T) {
	e := newClaimEnv(t)
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1"})
	e.signalAt(2*time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(3*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: false, StatusCodes: []string{"A7:562:85"}, FileKey: "ca1"})
	e.decideAt(4*time.Hour, Decision{Action: ActionResubmit, User: "biller1"}, nil)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	next := e.continuedAsNew()
	if next.Attempt != 2 || next.FrequencyCode != "1" {
		t.Errorf("next = %+v", next)
	}
}

func TestClaimAckOverdueIsFlaggedOnce(t *testing.T) {
	e := newClaimEnv(t)
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1"})
	e.signalAt(5*day, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(5*day+time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, FileKey: "ca1"})
	e.signalAt(6*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	e.result()
	n := 0
	for _, s := range e.statuses {
		if s.Note == "overdue: no TA1/999 yet" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("overdue notes = %d, want 1", n)
	}
}

func TestClaimDuplicateSignalsIgnored(t *testing.T) {
	e := newClaimEnv(t)
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1"})
	// The same 999 delivered twice, then a rejection 277CA.
	e.signalAt(2*time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(2*time.Hour+time.Minute, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(3*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, FileKey: "ca1"})
	// A denial, re-delivered after the appeal: the re-delivery must not
	// count as the appeal's outcome.
	e.signalAt(10*day, SignalClaimRemit, deniedRemit("r1", "CO", "50"))
	e.decideAt(11*day, Decision{Action: ActionAppeal, User: "biller1"}, nil)
	e.signalAt(12*day, SignalClaimRemit, deniedRemit("r1", "CO", "50"))
	e.signalAt(40*day, SignalClaimRemit, paidRemit("r2", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if st.Status != StatusPaid || len(e.appeals) != 1 {
		t.Errorf("status = %s, appeals = %d; want paid after one appeal", st.Status, len(e.appeals))
	}
}

func TestClaimCorrectableDenialBecomesCorrectedClaim(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, deniedRemit("r1", "CO", "16"))
	e.decideAt(12*day, Decision{Action: ActionCorrect, User: "biller1", Note: "added referring provider"}, nil)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	next := e.continuedAsNew()
	if next.FrequencyCode != "7" || next.PayerClaimNumber != "PCN1" || next.Attempt != 2 {
		t.Errorf("corrected claim input = %+v, want frequency 7 referring PCN1", next)
	}
	seq := e.statusSeq()
	if !slices.Contains(seq, StatusNeedsCorrection) {
		t.Errorf("statuses = %v lack %s", seq, StatusNeedsCorrection)
	}
}

func TestClaimAppealEscalatedThenFiledThenPaid(t *testing.T) {
	e := newClaimEnv(t) // filing limit 90 days: escalation on day 10+76
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, deniedRemit("r1", "CO", "50"))
	var early error
	e.decideAt(11*day, Decision{Action: ActionCorrect, User: "biller1"}, &early) // not offered for CO-50
	var escalated bool
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryClaimState)
		require.NoError(t, err)
		var st ClaimState
		require.NoError(t, v.Get(&st))
		escalated = st.Escalated
		if !slices.Equal(st.AllowedActions, []string{ActionAppeal, ActionWriteOff}) {
			t.Errorf("allowed actions = %v", st.AllowedActions)
		}
	}, 87*day)
	e.decideAt(88*day, Decision{Action: ActionAppeal, User: "biller1", Note: "records attached"}, nil)
	e.signalAt(120*day, SignalClaimRemit, paidRemit("r2", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if early == nil {
		t.Error("validator accepted a corrected claim for a medical-necessity denial")
	}
	if !escalated {
		t.Error("not escalated 14 days before the deadline")
	}
	if st.Status != StatusPaid || len(e.appeals) != 1 || e.appeals[0].PayerClaimNumber != "PCN1" {
		t.Errorf("status = %s, appeals = %+v", st.Status, e.appeals)
	}
	if got := e.statusSeq(); !slices.Contains(got, StatusAppealed) {
		t.Errorf("statuses = %v lack appealed", got)
	}
}

// TestClaimAppealLapses: at the filing deadline the claim lapses and then
// waits for a write-off (the only decision left); an appeal is refused.
func TestClaimAppealLapses(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, deniedRemit("r1", "CO", "197"))
	var late error
	e.decideAt(101*day, Decision{Action: ActionAppeal, User: "biller1"}, &late)
	e.decideAt(102*day, Decision{Action: ActionWriteOff, User: "lead1", Note: "deadline missed"}, nil)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if st.Status != StatusWrittenOff || !st.Escalated {
		t.Errorf("status = %s escalated = %v, want written off after an escalated lapse", st.Status, st.Escalated)
	}
	if late == nil {
		t.Error("the validator accepted an appeal after the filing deadline")
	}
	i := slices.IndexFunc(e.statuses, func(c activities.ClaimStatusChange) bool { return c.Status == StatusLapsed })
	if i < 0 {
		t.Fatalf("statuses = %v lack %s", e.statusSeq(), StatusLapsed)
	}
	if got, want := e.statuses[i].At.Sub(e.statuses[0].At).Round(day), 100*day; got != want {
		t.Errorf("lapsed after %v, want %v (denial day 10 + 90-day filing limit)", got, want)
	}
	if last := e.statuses[len(e.statuses)-1]; last.Status != StatusWrittenOff || last.Actor != "lead1" {
		t.Errorf("last change = %+v, want a write-off by lead1", last)
	}
}

// decision is one update's outcome as the test callback saw it.
type decision struct {
	sent     bool
	rejected error // by the validator
	status   string
	err      error // applying it failed
}

// decideWith sends dec at d and records its outcome in out.
func (e *claimEnv) decideWith(d time.Duration, dec Decision, out *decision) {
	e.RegisterDelayedCallback(func() {
		out.sent = true
		e.UpdateWorkflow(UpdateClaimDecide, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { out.rejected = err },
			OnComplete: func(v any, err error) {
				out.err = err
				if s, ok := v.(string); ok {
					out.status = s
				}
			},
		}, dec)
	}, d)
}

// TestClaimDecisionUpdate: staff decisions on a ready claim through the
// update. Legal ones are applied before the update answers (with the new
// status, written once with the deciding user); illegal ones are refused
// by the validator and write nothing.
func TestClaimDecisionUpdate(t *testing.T) {
	e := newClaimEnv(t)
	var paid, hold, holdAgain, unknown, release, void decision
	e.decideWith(30*time.Minute, Decision{Status: StatusPaid, User: "biller1"}, &paid) // not a staff move
	e.decideWith(time.Hour, Decision{Action: ActionHold, User: "biller1", Note: "waiting for records"}, &hold)
	e.decideWith(90*time.Minute, Decision{Action: ActionHold, User: "biller1"}, &holdAgain)
	e.decideWith(100*time.Minute, Decision{Action: "delete", User: "biller1"}, &unknown)
	e.decideWith(2*time.Hour, Decision{Status: StatusReady, User: "biller2", Note: "records in"}, &release) // a requested status
	e.decideWith(3*time.Hour, Decision{Action: ActionVoid, User: "lead1", Note: "duplicate"}, &void)
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	for name, d := range map[string]decision{"paid": paid, "hold again": holdAgain, "delete": unknown} {
		if !d.sent || d.rejected == nil {
			t.Errorf("%s: %+v, want refused by the validator", name, d)
		}
	}
	if paid.rejected != nil && !strings.Contains(paid.rejected.Error(), "staff cannot move a claim from ready to paid") {
		t.Errorf("refusal names no reason: %v", paid.rejected)
	}
	for name, d := range map[string]struct {
		got  decision
		want string
	}{"hold": {hold, StatusOnHold}, "release": {release, StatusReady}, "void": {void, StatusVoided}} {
		if d.got.rejected != nil || d.got.err != nil || d.got.status != d.want {
			t.Errorf("%s: %+v, want applied with status %s", name, d.got, d.want)
		}
	}
	if st.Status != StatusVoided {
		t.Errorf("final status = %s, want voided", st.Status)
	}
	want := []activities.ClaimStatusChange{
		{Seq: 1, Status: StatusScrubbing}, {Seq: 2, Status: StatusReady},
		{Seq: 3, Status: StatusOnHold, Actor: "biller1"}, {Seq: 4, Status: StatusReady, Actor: "biller2"},
		{Seq: 5, Status: StatusVoided, Actor: "lead1"},
	}
	if len(e.statuses) != len(want) {
		t.Fatalf("recorded %d changes, want %d: %+v", len(e.statuses), len(want), e.statuses)
	}
	for i, w := range want {
		g := e.statuses[i]
		if g.Seq != w.Seq || g.Status != w.Status || g.Actor != w.Actor {
			t.Errorf("change %d = seq %d %s by %q, want seq %d %s by %q", i, g.Seq, g.Status, g.Actor, w.Seq, w.Status, w.Actor)
		}
	}
	if n := e.statuses[2].Note; !strings.Contains(n, "waiting for records") {
		t.Errorf("hold note = %q lacks the staff note", n)
	}
}

// TestClaimDecisionRefusedByTheStore: the validator accepts a hold of a
// ready claim, but the store refuses the write (a batch reserved the claim
// meanwhile). The update answers the reason, the claim stays ready, and
// the batch's submission goes on.
func TestClaimDecisionRefusedByTheStore(t *testing.T) {
	e := newClaimEnv(t)
	e.refuse = func(ch activities.ClaimStatusChange) error {
		if ch.Status == StatusOnHold {
			err := &rcm.IllegalTransitionError{From: rcm.StatusBatched, To: rcm.StatusOnHold}
			return temporal.NewNonRetryableApplicationError(err.Error(), "IllegalClaimTransition", err)
		}
		return nil
	}
	var hold decision
	e.decideWith(time.Hour, Decision{Action: ActionHold, User: "biller1"}, &hold)
	e.signalAt(2*time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1"})
	e.signalAt(3*time.Hour, SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
	e.signalAt(4*time.Hour, SignalClaimAck277CA, ClaimAckSignal{Accepted: true, FileKey: "ca1"})
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if hold.rejected != nil || hold.err == nil || !strings.Contains(hold.err.Error(), "from batched to on_hold") {
		t.Errorf("hold = %+v, want accepted, then answered with the store's refusal", hold)
	}
	if st.Status != StatusPaid {
		t.Errorf("status = %s, want paid", st.Status)
	}
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	if got := e.statusSeq(); !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	for i, c := range e.statuses { // the refused write took no sequence number
		if c.Seq != i+1 {
			t.Errorf("change %d has seq %d", i, c.Seq)
		}
	}
}

func TestClaimPatientResponsibilityDenial(t *testing.T) {
	e := newClaimEnv(t)
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, deniedRemit("r1", "PR", "204"))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	if got, want := e.result().Status, StatusPatientBilling; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}
}

func TestClaimQueryAndSearchAttributes(t *testing.T) {
	e := newClaimEnv(t)
	var lastSA struct {
		status, payer string
		amount        float64
		upserts       int
	}
	e.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		// An upsert sets the attributes it carries, as the server does
		// (from versionLean only those that changed).
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(saStatus); ok {
			lastSA.status = v
		}
		if v, ok := sa.GetKeyword(saPayer); ok {
			lastSA.payer = v
		}
		if v, ok := sa.GetFloat64(saAmount); ok {
			lastSA.amount = v
		}
		lastSA.upserts++
	}).Return(nil)
	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(QueryClaimState)
		require.NoError(t, err)
		var st ClaimState
		require.NoError(t, v.Get(&st))
		if st.Status != StatusReady || st.Payer != "ZZPAYER1" || st.ChargeCents != 20000 {
			t.Errorf("query = %+v", st)
		}
	}, 30*time.Minute)
	e.submitAndAccept()
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	e.result()
	if got, want := lastSA.status, StatusPaid; got != want {
		t.Errorf("ClaimStatus search attribute = %q, want %q", got, want)
	}
	if got, want := lastSA.amount, 200.0; got != want {
		t.Errorf("ClaimAmount = %v, want %v", got, want)
	}
	if got, want := lastSA.payer, "ZZPAYER1"; got != want {
		t.Errorf("ClaimPayer = %q, want %q", got, want)
	}
	// One per status (scrubbing, ready, submitted, acknowledged, accepted,
	// paid): the test starts the run without the outbox's attributes.
	if got, want := lastSA.upserts, 6; got != want {
		t.Errorf("%d search-attribute upserts, want %d", got, want)
	}
}

func TestClassifyDenial(t *testing.T) {
	adj := func(g, r string) []activities.Adjustment {
		return []activities.Adjustment{{Group: g, Reason: r, AmountCents: 100}}
	}
	for _, tc := range []struct {
		name   string
		clp02  string
		paid   int64
		adj    []activities.Adjustment
		want   string // "" = not a denial
		wantCd string
	}{
		{"paid with contractual", "1", 100, adj("CO", "45"), "", ""},
		{"paid with coinsurance", "1", 100, adj("PR", "2"), "", ""},
		{"missing info", "4", 0, adj("CO", "16"), DenialCorrectable, "CO-16"},
		{"medical necessity", "4", 0, adj("CO", "50"), DenialAppealable, "CO-50"},
		{"bundled", "1", 0, adj("CO", "97"), DenialAppealable, "CO-97"},
		{"authorization", "4", 0, adj("CO", "197"), DenialAppealable, "CO-197"},
		{"timely filing", "4", 0, adj("CO", "29"), DenialFinal, "CO-29"},
		{"not covered, patient pays", "4", 0, adj("PR", "204"), DenialPatient, "PR-204"},
		{"unknown code", "4", 0, adj("OA", "999"), DenialAppealable, "OA-999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ClassifyDenial(tc.clp02, tc.paid, tc.adj, nil)
			if tc.want == "" {
				if d != nil {
					t.Fatalf("got denial %+v, want none", d)
				}
				return
			}
			if d == nil || d.Category != tc.want || d.Codes[0] != tc.wantCd {
				t.Fatalf("got %+v, want %s %s", d, tc.want, tc.wantCd)
			}
		})
	}
}

func converterFromTest() converter.DataConverter { return converter.GetDefaultDataConverter() }

// TestClaimLeanUpserts (versionLean, issue 20): a claim the outbox started
// with its first status's search attributes upserts none for scrubbing;
// later upserts carry only what changed; a 999 and 277CA delivered in one
// workflow task upsert once (accepted) and start no 277CA overdue timer;
// the statuses recorded are the same as ever.
func TestClaimLeanUpserts(t *testing.T) {
	e := newClaimEnv(t)
	require.NoError(t, e.SetTypedSearchAttributesOnStart(ClaimStartSearchAttributes("C1")))
	var ups []map[string]any
	e.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		m := map[string]any{}
		if v, ok := sa.GetKeyword(saStatus); ok {
			m["status"] = v
		}
		if v, ok := sa.GetKeyword(saPayer); ok {
			m["payer"] = v
		}
		if v, ok := sa.GetFloat64(saAmount); ok {
			m["amount"] = v
		}
		if v, ok := sa.GetKeyword(saClaim); ok {
			m["claim"] = v
		}
		ups = append(ups, m)
	}).Return(nil)
	e.signalAt(time.Hour, SignalClaimSubmitted, SubmittedSignal{BatchID: "B1", InterchangeControl: "000000001"})
	e.RegisterDelayedCallback(func() {
		// Both in one workflow task, as when one inbound poll routes both.
		e.SignalWorkflowSkippingWorkflowTask(SignalClaimAck, AckSignal{Source: "999", Accepted: true, FileKey: "ack1"})
		e.SignalWorkflow(SignalClaimAck277CA, ClaimAckSignal{Accepted: true, PayerClaimNumber: "PCN1", FileKey: "ca1"})
	}, 2*time.Hour)
	e.signalAt(10*day, SignalClaimRemit, paidRemit("r1", 18000, 0))
	e.ExecuteWorkflow(ClaimWorkflowName, ClaimInput{ClaimID: "C1"})
	st := e.result()
	if st.Status != StatusPaid || st.PayerClaimNumber == "" {
		t.Fatalf("final state = %s, payer claim number %q", st.Status, st.PayerClaimNumber)
	}
	want := []string{StatusScrubbing, StatusReady, StatusSubmitted, StatusAcknowledged, StatusAccepted, StatusPaid}
	if got := e.statusSeq(); !slices.Equal(got, want) {
		t.Errorf("recorded statuses = %v, want %v", got, want)
	}
	wantUps := []map[string]any{
		{"status": StatusReady, "payer": "ZZPAYER1", "amount": 200.0},
		{"status": StatusSubmitted},
		{"status": StatusAccepted},
		{"status": StatusPaid},
	}
	if fmt.Sprint(ups) != fmt.Sprint(wantUps) {
		t.Errorf("upserts = %v\nwant %v", ups, wantUps)
	}
}
