package activities

import (
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x837p"
	"github.com/claimflow/claimflow/rcm"
)

// COBRecords is the store as coordination of benefits uses it.
type COBRecords interface {
	// AdvanceClaimPayer records the part a posted payment settles and
	// moves the claim to the patient's next coverage, if any.
	AdvanceClaimPayer(ctx context.Context, in rcm.COBAdvance) (rcm.COBNext, error)
	// HasLaterPayer tells whether the patient has a coverage after the one
	// billed to the payer with this ID.
	HasLaterPayer(ctx context.Context, claimID, payerID string) (bool, error)
}

// PriorPayerReader reads a claim's earlier payers' parts for its next 837.
type PriorPayerReader interface {
	PriorPayers(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.PriorPayer, error)
}

// COBRequest asks, after a payer's 835 posted for the claim, for the
// claim's next payer.
type COBRequest struct {
	ClaimID string
	Payment ClaimPayment // the posted payment (its 835 and codes; no PHI)
}

// AdvanceCOB records the payer's part and moves the claim to the next
// payer, when the patient has one: a crossover (CLP02 19-21, MA18, N89)
// is noted so the claim is not billed to that payer by us.
func (a *Activities) AdvanceCOB(ctx context.Context, req COBRequest) (rcm.COBNext, error) {
	if a.COB == nil {
		return rcm.COBNext{}, notWired("coordination of benefits")
	}
	next, err := a.COB.AdvanceClaimPayer(ctx, rcm.COBAdvance{ClaimID: req.ClaimID,
		TraceNumber: req.Payment.TraceNumber, FileKey: req.Payment.FileKey,
		Crossover: rcm.IsCrossover(req.Payment.ClaimStatusCode, req.Payment.RARCs)})
	if err != nil {
		return next, fmt.Errorf("claim %s: next payer: %w", req.ClaimID, err)
	}
	return next, nil
}

// laterPayer tells whether the payment's payer is not the claim's last
// (its patient responsibility goes to the next payer, not to a statement).
func (a *Activities) laterPayer(ctx context.Context, p ClaimPayment) (bool, error) {
	if a.COB == nil || p.PayerID == "" {
		return false, nil
	}
	return a.COB.HasLaterPayer(ctx, p.ClaimID, p.PayerID)
}

var cobRelationship = map[string]string{"self": "18", "spouse": "01", "child": "19", "other": "G8"}

// addPriorPayers adds to a claim's 837 what its earlier payers did (loops
// 2320, 2330A, 2330B and 2430), when it is billed to a secondary or
// tertiary payer, and sets its SBR01. Records without prior parts (or a
// store that keeps none) leave the 837 as it is.
func addPriorPayers(ctx context.Context, records any, b rcm.ClaimBundle, tx *x837p.Transaction) error {
	r, ok := records.(PriorPayerReader)
	if !ok {
		return nil
	}
	priors, err := r.PriorPayers(ctx, rcm.System, b.Claim.ID)
	if err != nil || len(priors) == 0 {
		return err
	}
	sb := &tx.Billing[0].Subscriber[0]
	c := &sb.Claims
	if len(sb.Patients) > 0 {
		c = &sb.Patients[0].Claims
	}
	if len(*c) != 1 {
		return fmt.Errorf("claim %s: the 837 holds %d claims, want 1", b.Claim.ID, len(*c))
	}
	// The claim's stored payer claim number is the prior payer's: on an
	// original claim to the next payer it goes to 2330B REF*F8, never to
	// 2300 (which names the claim a replacement or void refers to).
	if cl := &(*c)[0]; cl.Frequency == "1" {
		cl.PayerClaimControl = ""
	}
	var pps []claim837.PriorPayment
	for _, p := range priors {
		pps = append(pps, priorPayment(b, p))
	}
	if err := claim837.AddPriorPayments(&(*c)[0], pps...); err != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("claim %s: prior payers: %v", b.Claim.ID, err), "ClaimNotBuildable", nil)
	}
	sb.Responsibility = rcm.COBResponsibility(len(priors) + 1)
	return nil
}

// priorPayment maps a prior payer's part to the 837's COB loops: the
// other subscriber is the patient when the coverage is the patient's own.
func priorPayment(b rcm.ClaimBundle, p rcm.PriorPayer) claim837.PriorPayment {
	last, first := p.SubscriberLast, p.SubscriberFirst
	if p.Relationship == "self" || last == "" {
		last, first = b.Patient.LastName, b.Patient.FirstName
	}
	resp := claim837.Money(p.PatientRespCents)
	pp := claim837.PriorPayment{Responsibility: rcm.COBResponsibility(p.Seq), Relationship: or837(cobRelationship[p.Relationship], "18"),
		GroupNumber: p.GroupNumber, FilingCode: "CI", SubscriberLast: strings.ToUpper(last), SubscriberFirst: strings.ToUpper(first),
		SubscriberID: p.MemberID, PayerName: strings.ToUpper(p.PayerName), PayerID: p.PayerID, PayerClaimControl: p.PayerClaimNumber,
		Date: p.PaymentDate, Paid: claim837.Money(p.PaidCents), PatientResp: &resp}
	for _, a := range p.Adjustments {
		if a.Line == 0 {
			pp.ClaimAdjustments = append(pp.ClaimAdjustments, claim837.Adjustment{Group: a.Group, Reason: a.Reason, Amount: claim837.Money(a.AmountCents)})
		}
	}
	for _, l := range p.Lines {
		pl := claim837.PriorLine{Line: l.Line, Paid: claim837.Money(l.PaidCents), ProcedureQual: l.ProcedureQual, Procedure: l.Procedure,
			Modifiers: l.Modifiers, RevenueCode: l.RevenueCode, Units: l.Units}
		for _, a := range p.Adjustments {
			if a.Line == l.Line {
				pl.Adjustments = append(pl.Adjustments, claim837.Adjustment{Group: a.Group, Reason: a.Reason, Amount: claim837.Money(a.AmountCents)})
			}
		}
		pp.Lines = append(pp.Lines, pl)
	}
	return pp
}

func or837(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
