package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// versionCOB marks runs that, once a payer's 835 settles the claim (paid
// or partially paid), bill the patient's next coverage: the secondary
// (then the tertiary) 837 with the earlier payers' adjudication, through
// the same batch, TA1/999, 277CA and 835 steps; or, when the payer
// forwarded the claim itself (a crossover), wait for the next payer's 835
// without sending anything.
const (
	versionCOBChange = "claim-cob"
	versionCOB       = 1
)

// coordinateBenefits runs after applyRemit settled the claim. It returns
// true when the claim now waits for the next payer's 835 (the caller waits
// as for the first), false when the claim's lifecycle is over (no next
// payer, or it ended while being billed to the next one).
func (r *claimRun) coordinateBenefits(remit RemitSignal) (bool, error) {
	if r.st.Status != StatusPaid && r.st.Status != StatusPartiallyPaid {
		return false, nil
	}
	// From versionLean, coordination of benefits is implied (no marker).
	if r.version < versionLean && workflow.GetVersion(r.ctx, versionCOBChange, workflow.DefaultVersion, versionCOB) < versionCOB {
		return false, nil
	}
	var a *activities.Activities
	var next rcm.COBNext
	req := activities.COBRequest{ClaimID: r.in.ClaimID, Payment: remit}
	var advanced workflow.Future
	if r.version >= versionLean {
		advanced = workflow.ExecuteLocalActivity(localActivityCtx(r.ctx, 2*time.Minute), a.AdvanceCOB, req)
	} else {
		advanced = workflow.ExecuteActivity(activityCtx(r.ctx), a.AdvanceCOB, req)
	}
	if err := advanced.Get(r.ctx, &next); err != nil {
		return false, err
	}
	if !next.Next {
		return false, nil
	}
	// The next payer's part starts clean: its payer, no claim number of
	// the prior payer (that one goes into 2330B REF*F8, not 2300), no
	// denial, no inquiries.
	r.st.PayerSeq, r.st.Payer = next.Seq, next.PayerID
	r.st.PayerClaimNumber, r.st.Denial, r.st.Problems = "", nil, nil
	r.st.Inquiries, r.st.LastInquiry = 0, nil
	part := rcm.COBPartName(next.Seq)
	if next.Crossover {
		return true, r.setStatus(StatusAccepted, fmt.Sprintf("crossover: the %s payer %s received the claim from the prior payer; waiting for its 835", part, next.PayerID))
	}
	if err := r.setStatus(StatusReady, fmt.Sprintf("%s claim to payer %s", part, next.PayerID)); err != nil {
		return false, err
	}
	return r.submitToNextPayer()
}

// submitToNextPayer follows the next payer's 837 from the batch to the
// 277CA, as run() does for the first: ready → submitted → TA1/999 →
// 277CA → accepted. A rejection waits for staff (resubmit, write off,
// void) and ends the run.
func (r *claimRun) submitToNextPayer() (bool, error) {
	var sub SubmittedSignal
	if ended, err := r.awaitSubmission(&sub); ended || err != nil {
		return false, err
	}
	r.st.BatchID = sub.BatchID
	if err := r.setStatus(StatusSubmitted, "batch "+sub.BatchID+" ISA13 "+sub.InterchangeControl); err != nil {
		return false, err
	}
	var ack AckSignal
	if err := r.receiveWithOverdue(SignalClaimAck, r.t.AckOverdue, "no TA1/999 yet", &ack, func() string { return ack.FileKey }); err != nil {
		return false, err
	}
	if !ack.Accepted {
		r.st.Problems = ack.Codes
		_, err := r.staffLoop(StatusRejected, ack.Source+" rejected")
		return false, err
	}
	if err := r.setStatus(StatusAcknowledged, ack.Source+" accepted"); err != nil {
		return false, err
	}
	var ca ClaimAckSignal
	if err := r.receiveWithOverdue(SignalClaimAck277CA, r.t.ClaimAckOverdue, "no 277CA yet", &ca, func() string { return ca.FileKey }); err != nil {
		return false, err
	}
	if !ca.Accepted {
		r.st.Problems = ca.StatusCodes
		_, err := r.staffLoop(StatusRejected, "277CA rejected")
		return false, err
	}
	if ca.PayerClaimNumber != "" {
		r.st.PayerClaimNumber = ca.PayerClaimNumber
	}
	return true, r.setStatus(StatusAccepted, "277CA accepted")
}

// priorPayerSettled is what earlier payers settled on this 835 (OA-23),
// counted as settled in versionCOB runs.
func (r *claimRun) priorPayerSettled(remit RemitSignal) int64 {
	n := sumPriorPayer(remit.Adjustments)
	if n == 0 || workflow.GetVersion(r.ctx, versionCOBChange, workflow.DefaultVersion, versionCOB) < versionCOB {
		return 0
	}
	return n
}

// sumPriorPayer sums OA-23, the impact of prior payers' adjudication: on
// a secondary's 835 it settles what the earlier payers paid or adjusted,
// like CO-45 does for the contract (versionCOB runs only).
func sumPriorPayer(adj []activities.Adjustment) int64 {
	var n int64
	for _, a := range adj {
		if a.Group == "OA" && a.Reason == "23" {
			n += a.AmountCents
		}
	}
	return n
}
