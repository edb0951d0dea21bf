package payer

import (
	"time"

	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x835"
)

// Coordination of benefits in the simulated payer.
//
// A claim whose subscriber loop says the payer is secondary or tertiary
// (SBR01 S or T) and that carries the earlier payers' adjudication (loops
// 2320/2330B and each line's 2430) is priced as a later payer: for each
// line it pays what its allowed amount leaves after everything the earlier
// payers paid, never more than what the last of them left to the patient.
// Its 835 reports OA-23 (impact of prior payers' adjudication) for the
// part the earlier payers settled, the payment, and what the patient still
// owes under the last payer's PR reasons (the payment consumes them in
// order). CLP02 is 2 (processed as secondary) or 3 (tertiary).
//
// A member with a Crossover has their claims forwarded: once the primary
// has paid, its 835 says it forwarded the claim (CLP02 19, MOA MA18,
// NM1*TT), and the named next payer adjudicates the claim as secondary
// from the primary's payment, its 835 due Crossover.Delay after the
// primary's.

// Crossover names the member's next payer, to which the payer forwards
// the member's claims.
type Crossover struct {
	PayerName string `json:"payerName"`
	PayerID   string `json:"payerId"`
	MemberID  string `json:"memberId"` // the member's ID with the next payer
	// Delay after the primary's 835 until the next payer's (default: the
	// payer's Delay).
	Delay Duration `json:"delay,omitempty"`
}

// cobIn is what the earlier payers did with a claim.
type cobIn struct {
	clp02  string // CLP02 of this payer's 835: 2 secondary, 3 tertiary
	payers []priorIn
}

// priorIn is one earlier payer's adjudication by service line (0-based).
type priorIn struct {
	payerID string
	lines   map[int]priorLine
}

type priorLine struct {
	paid Money
	adj  []x835.Adjustment
}

// cobFrom reads the earlier payers of a claim sent to a secondary (S) or
// tertiary (T) payer; nil for a primary claim or one without them.
func cobFrom(responsibility string, c *claim837.Claim) *cobIn {
	clp02 := map[string]string{"S": "2", "T": "3"}[responsibility]
	if clp02 == "" || len(c.OtherPayers) == 0 {
		return nil
	}
	in := &cobIn{clp02: clp02}
	for _, op := range c.OtherPayers {
		p := priorIn{payerID: op.PayerID, lines: map[int]priorLine{}}
		for i, l := range c.Lines {
			for _, ad := range l.Adjudications {
				if ad.PayerID != op.PayerID {
					continue
				}
				pl := p.lines[i]
				pl.paid += ad.Paid
				for _, x := range ad.Adjustments {
					pl.adj = append(pl.adj, x835.Adjustment{Group: x.Group, Reason: x.Reason, Amount: x.Amount})
				}
				p.lines[i] = pl
			}
		}
		in.payers = append(in.payers, p)
	}
	return in
}

// laterPayerLine prices line i of a secondary or tertiary claim: allowed
// (the payer's own schedule when PayerFeeSchedules has one) less what the
// earlier payers paid for the line, at most what the last of them left to
// the patient. It returns the line's adjustments, payment and the
// patient's remaining share.
func (a *Adjudicator) laterPayerLine(in *claimIn, i int, charge, allowed Money) ([]x835.Adjustment, Money, Money) {
	if fs, ok := a.cfg.PayerFeeSchedules[in.sb.payerID]; ok {
		if fee, ok := payerFee(fs, &in.lines[i]); ok {
			allowed = min((Money(fee)*units(in.lines[i].quantity)+50)/100, charge)
		}
	}
	var priorPaid Money
	for _, p := range in.cob.payers {
		priorPaid += p.lines[i].paid
	}
	var remaining Money
	var prs []x835.Adjustment
	for _, x := range in.cob.payers[len(in.cob.payers)-1].lines[i].adj {
		if x.Group == "PR" {
			remaining += x.Amount
			prs = append(prs, x)
		}
	}
	pay := min(max(allowed-priorPaid, 0), remaining)
	var adjs []x835.Adjustment
	if settled := charge - remaining; settled != 0 {
		adjs = append(adjs, x835.Adjustment{Group: "OA", Reason: "23", Amount: settled})
	}
	left := pay
	for _, x := range prs {
		cut := min(left, x.Amount)
		left -= cut
		if x.Amount > cut {
			adjs = append(adjs, x835.Adjustment{Group: "PR", Reason: x.Reason, Amount: x.Amount - cut})
		}
	}
	return groupAdjustments(adjs), pay, remaining - pay
}

// payerFee looks a line up in one payer's schedule: "CODE:MOD", then "CODE".
func payerFee(fs map[string]Amount, l *lineIn) (Amount, bool) {
	for _, mod := range l.modifiers {
		if fee, ok := fs[l.procedure+":"+mod]; ok {
			return fee, true
		}
	}
	fee, ok := fs[l.procedure]
	return fee, ok
}

// crossover forwards a primary claim the payer paid, for a member with a
// Crossover, to the member's next payer: cp says so, and the returned
// record is the next payer's adjudication of the claim (nil when there is
// nothing to forward). Called with a.mu held.
func (a *Adjudicator) crossover(in *claimIn, rec *ClaimRecord, cp *x835.ClaimPayment, now time.Time) *ClaimRecord {
	x := a.cfg.Members[in.sb.memberID].Crossover
	if x == nil || in.cob != nil || cp.Status != "1" || cp.PatientResponsibility == 0 || or(in.frequency, "1") != "1" {
		return nil
	}
	cp.Status = "19" // processed as primary, forwarded to additional payer(s)
	cp.Remarks = append(cp.Remarks, "MA18")
	cp.CrossoverCarrier = &x835.Person{EntityType: "2", LastName: x.PayerName, IDQual: "PI", ID: x.PayerID}

	sb := *in.sb
	sb.memberID, sb.payerID, sb.payerName, sb.responsibility = x.MemberID, x.PayerID, x.PayerName, "S"
	next := *in
	next.sb = &sb
	prior := priorIn{payerID: in.sb.payerID, lines: map[int]priorLine{}}
	for i, l := range cp.Lines {
		prior.lines[i] = priorLine{paid: l.Paid, adj: l.Adjustments}
	}
	next.cob = &cobIn{clp02: "2", payers: []priorIn{prior}}
	a.st.Seq.Claim++
	icn := or(a.cfg.Payer.ClaimControlPrefix, "SIMCLM") + pad(a.st.Seq.Claim, 10)
	delay := x.Delay
	if delay == 0 {
		delay = a.cfg.Delay
	}
	r := *rec
	r.PayerName, r.PayerID, r.MemberID, r.PayerClaimControl = x.PayerName, x.PayerID, x.MemberID, icn
	r.State, r.Due, r.Reversal = Pending, rec.Due.Add(time.Duration(delay)), nil
	acc := a.accum(x.MemberID)
	pay := a.adjudicate(&next, icn, now, false, &acc)
	r.Payment = &pay
	return &r
}
