package claim837

import (
	"errors"
	"fmt"
	"slices"
)

// Coordination of benefits: what a prior payer did with a claim, carried
// to the next payer in loops 2320 (other subscriber information: SBR,
// claim level CAS, AMT*D payer paid amount, AMT*EAF remaining patient
// liability, OI), 2330A (other subscriber NM1*IL), 2330B (other payer
// NM1*PR, REF*F8) and 2430 (line adjudication: SVD, CAS, DTP*573), the
// same in the 837P (005010X222A1), 837I (005010X223A2) and 837D
// (005010X224A2). Layout checked against the repository's guide tables
// (schemas/x12) and the guides' situational notes: 2330B DTP*573 only
// when no 2430 carries the date (the claim was adjudicated at the claim
// level); 2430 DTP*573 is required in each 2430.

// PriorPayment is a prior payer's adjudication of the claim, as its 835
// reported it (CLP, CAS, SVC).
type PriorPayment struct {
	Responsibility    string       // 2320 SBR01 of the prior payer: P, S, T
	Relationship      string       // 2320 SBR02: 18 self, 01 spouse, 19 child, G8 other
	GroupNumber       string       // 2320 SBR03
	FilingCode        string       // 2320 SBR09 claim filing indicator (default CI)
	SubscriberLast    string       // 2330A NM103
	SubscriberFirst   string       // 2330A NM104
	SubscriberID      string       // 2330A NM109 member ID
	PayerName         string       // 2330B NM103
	PayerID           string       // 2330B NM109, and SVD01 of its 2430s
	PayerClaimControl string       // 2330B REF*F8: the payer's claim control number (835 CLP07)
	Date              string       // DTP*573 adjudication date, CCYYMMDD
	Paid              Money        // 2320 AMT*D (835 CLP04)
	PatientResp       *Money       // 2320 AMT*EAF remaining patient liability (835 CLP05); nil: not sent
	ClaimAdjustments  []Adjustment // 2320 CAS: the 835's claim level CAS
	Lines             []PriorLine  // 2430 by service line; none for a claim adjudicated as a whole
}

// PriorLine is a prior payer's adjudication of one service line (835 SVC).
type PriorLine struct {
	Line          int    // the 837 service line (LX) it adjudicates, from 1
	Paid          Money  // SVD02 (835 SVC03)
	ProcedureQual string // SVD03-1 (835 SVC01-1)
	Procedure     string // SVD03-2
	Modifiers     []string
	RevenueCode   string       // SVD04 (837I)
	Units         string       // SVD05 paid units (835 SVC05; default 1)
	Adjustments   []Adjustment // 2430 CAS
}

// AddPriorPayments adds the prior payers' adjudications to the claim in
// order (loops 2320/2330A/2330B and each line's 2430) and checks that
// they balance (CheckCOB). The claim's own subscriber SBR01 is left to the
// caller (S after one prior payer, T after two).
func AddPriorPayments(c *Claim, priors ...PriorPayment) error {
	for _, p := range priors {
		if p.PayerID == "" || p.PayerName == "" || p.SubscriberID == "" || p.SubscriberLast == "" {
			return errors.New("claim837: a prior payer needs its payer name and ID and the other subscriber's name and member ID (2330A, 2330B)")
		}
		paid := p.Paid
		op := OtherPayer{Responsibility: p.Responsibility, Relationship: p.Relationship, GroupNumber: p.GroupNumber,
			FilingCode: or(p.FilingCode, "CI"), Adjustments: slices.Clone(p.ClaimAdjustments), Paid: &paid,
			SubscriberLast: p.SubscriberLast, SubscriberFirst: p.SubscriberFirst, SubscriberID: p.SubscriberID,
			PayerName: p.PayerName, PayerID: p.PayerID, PayerClaimControl: p.PayerClaimControl}
		if p.PatientResp != nil {
			resp := *p.PatientResp
			op.RemainingLiability = &resp
		}
		if len(p.Lines) == 0 {
			op.AdjudicationDate = p.Date
		}
		for _, pl := range p.Lines {
			if pl.Line < 1 || pl.Line > len(c.Lines) {
				return fmt.Errorf("claim837: prior payer %s adjudicated line %d, the claim has %d", p.Responsibility, pl.Line, len(c.Lines))
			}
			l := &c.Lines[pl.Line-1]
			qual := pl.ProcedureQual
			if qual == "HC" || qual == "AD" {
				qual = "" // the builder's default for the variant
			}
			proc, mods := or(pl.Procedure, l.Procedure), pl.Modifiers
			if pl.Procedure == "" {
				mods = l.Modifiers
			}
			l.Adjudications = append(l.Adjudications, LineAdjudication{PayerID: p.PayerID, Paid: pl.Paid, ProcedureQual: qual,
				Procedure: proc, Modifiers: slices.Clone(mods), RevenueCode: or(pl.RevenueCode, l.RevenueCode),
				Units: or(pl.Units, or(l.Quantity, "1")), Adjustments: slices.Clone(pl.Adjustments), Date: p.Date})
		}
		c.OtherPayers = append(c.OtherPayers, op)
	}
	return CheckCOB(c)
}

// CheckCOB checks that each other payer's adjudication balances:
//   - each line it adjudicated: line charge = SVD02 + its 2430 CAS;
//   - the claim: CLM02 = AMT*D + 2320 CAS + every 2430 CAS of that payer,
//     when it adjudicated lines (AMT*D = sum of SVD02 - 2320 CAS);
//   - AMT*EAF = the PR adjustments of that payer (claim and lines);
//   - every SVD01 names a 2330B payer.
func CheckCOB(c *Claim) error {
	var errs []error
	payers := map[string]bool{}
	for _, op := range c.OtherPayers {
		payers[op.PayerID] = true
	}
	for li, l := range c.Lines {
		for _, a := range l.Adjudications {
			if !payers[a.PayerID] {
				errs = append(errs, fmt.Errorf("claim837: line %d SVD01 names no 2330B other payer", li+1))
			}
			if got := a.Paid + sumAdj(a.Adjustments, ""); got != l.Charge {
				errs = append(errs, fmt.Errorf("claim837: line %d 2430 does not balance: SVD02 + CAS = %s, line charge %s", li+1, got, l.Charge))
			}
		}
	}
	total := c.Total()
	for i, op := range c.OtherPayers {
		var linePaid, lineAdj, linePR Money
		lines := 0
		for _, l := range c.Lines {
			for _, a := range l.Adjudications {
				if a.PayerID == op.PayerID {
					lines++
					linePaid += a.Paid
					lineAdj += sumAdj(a.Adjustments, "")
					linePR += sumAdj(a.Adjustments, "PR")
				}
			}
		}
		claimAdj := sumAdj(op.Adjustments, "")
		if lines > 0 && op.Paid != nil {
			if got := *op.Paid + claimAdj + lineAdj; got != total {
				errs = append(errs, fmt.Errorf("claim837: 2320 #%d does not balance: AMT*D + CAS (claim and lines) = %s, CLM02 %s", i+1, got, total))
			}
			if got := linePaid - claimAdj; got != *op.Paid {
				errs = append(errs, fmt.Errorf("claim837: 2320 #%d AMT*D %s differs from the lines' SVD02 less claim CAS %s", i+1, *op.Paid, got))
			}
		}
		if lines == 0 && op.Paid != nil {
			if got := *op.Paid + claimAdj; got != total {
				errs = append(errs, fmt.Errorf("claim837: 2320 #%d does not balance: AMT*D + CAS = %s, CLM02 %s", i+1, got, total))
			}
		}
		if op.RemainingLiability != nil {
			if pr := sumAdj(op.Adjustments, "PR") + linePR; pr != *op.RemainingLiability {
				errs = append(errs, fmt.Errorf("claim837: 2320 #%d AMT*EAF %s differs from its PR adjustments %s", i+1, *op.RemainingLiability, pr))
			}
		}
	}
	return errors.Join(errs...)
}

// sumAdj sums the adjustments of group g (all groups when g is empty).
func sumAdj(as []Adjustment, g string) Money {
	var m Money
	for _, a := range as {
		if g == "" || a.Group == g {
			m += a.Amount
		}
	}
	return m
}
