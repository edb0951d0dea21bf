package x835

import (
	"strconv"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// The 835 balancing rules (TR3 section 1.10.2), checked as SNIP level 3.
const (
	RuleTransaction = "BPR02 equals the sum of CLP04 less the sum of PLB amounts"
	RuleClaim       = "CLP03 less CLP04 equals the sum of claim and line CAS amounts"
	RuleLine        = "SVC02 less SVC03 equals the sum of the line's CAS amounts"
)

// Imbalance is one balancing failure in the typed model. Claim and Line are
// 0-based indexes (Line is -1 for claim and transaction rules, Claim is -1
// for the transaction rule).
type Imbalance struct {
	Rule        string
	Claim, Line int
	Want, Got   Money // the expected difference and the sum found
}

// Error names the rule and the position, never an amount.
func (i Imbalance) Error() string {
	s := "x835: balancing failed: " + i.Rule
	if i.Claim >= 0 {
		s += " (claim " + strconv.Itoa(i.Claim+1)
		if i.Line >= 0 {
			s += " line " + strconv.Itoa(i.Line+1)
		}
		s += ")"
	}
	return s
}

// Balance checks the remittance's balancing rules and returns every
// failure (nil when it balances).
func (r *Remittance) Balance() []Imbalance {
	var out []Imbalance
	var paid, plb Money
	for ci := range r.Claims {
		c := &r.Claims[ci]
		paid += c.Paid
		cas := AdjustmentTotal(c.Adjustments)
		for li := range c.Lines {
			l := &c.Lines[li]
			lc := AdjustmentTotal(l.Adjustments)
			cas += lc
			if l.Charge-l.Paid != lc {
				out = append(out, Imbalance{Rule: RuleLine, Claim: ci, Line: li, Want: l.Charge - l.Paid, Got: lc})
			}
		}
		if c.Charge-c.Paid != cas {
			out = append(out, Imbalance{Rule: RuleClaim, Claim: ci, Line: -1, Want: c.Charge - c.Paid, Got: cas})
		}
	}
	for _, a := range r.Adjustments {
		plb += a.Amount
	}
	if r.Payment.Amount != paid-plb {
		out = append(out, Imbalance{Rule: RuleTransaction, Claim: -1, Line: -1, Want: paid - plb, Got: r.Payment.Amount})
	}
	return out
}

// CheckBalance checks the balancing rules on a parsed 835 transaction set
// and returns SNIP level 3 errors (IK4 code I12, implementation pattern
// match failure) located at the element that does not balance: BPR02,
// CLP03 or SVC02. Pos is the segment position in the set; Index is 0
// (Validate fills it).
func CheckBalance(t *edi.Transaction) []*edi.Error {
	var errs []*edi.Error
	ctl := t.ST().El(2)
	bad := func(pos int, seg string, el int, loop, rule string) {
		errs = append(errs, &edi.Error{Kind: edi.KindIK4, Code: "I12", Pos: pos, SegID: seg, Loop: loop, Elem: el,
			Set: ctl, Msg: "balancing failed: " + rule})
	}
	m := func(s string) (Money, bool) { return setkit.ParseMoney(s) }
	var (
		bprPos         int
		bpr, paid, plb Money
		bprOK          = true
		clpPos, svcPos int
		cDiff, cCAS    Money
		lDiff, lCAS    Money
		cOK, lOK       bool
	)
	closeLine := func() {
		if svcPos > 0 && lOK && lDiff != lCAS {
			bad(svcPos, "SVC", 2, "2110", RuleLine)
		}
		svcPos = 0
	}
	closeClaim := func() {
		closeLine()
		if clpPos > 0 && cOK && cDiff != cCAS {
			bad(clpPos, "CLP", 3, "2100", RuleClaim)
		}
		clpPos = 0
	}
	for i, s := range t.Segments {
		pos := i + 1
		switch s.ID() {
		case "BPR":
			bprPos = pos
			bpr, bprOK = m(s.El(2))
		case "LX":
			closeClaim()
		case "CLP":
			closeClaim()
			clpPos, cCAS = pos, 0
			ch, ok1 := m(s.El(3))
			pd, ok2 := m(s.El(4))
			cDiff, cOK = ch-pd, ok1 && ok2
			paid += pd
			bprOK = bprOK && ok2
		case "SVC":
			closeLine()
			if clpPos == 0 {
				continue
			}
			svcPos, lCAS = pos, 0
			ch, ok1 := m(s.El(2))
			pd, ok2 := m(s.El(3))
			lDiff, lOK = ch-pd, ok1 && ok2
		case "CAS":
			if clpPos == 0 {
				continue
			}
			for k := 3; k < len(s) && k <= 18; k += 3 {
				if s.El(k) == "" {
					continue
				}
				a, ok := m(s.El(k))
				if !ok {
					cOK, lOK = false, false
					continue
				}
				cCAS += a
				if svcPos > 0 {
					lCAS += a
				}
			}
		case "PLB":
			closeClaim()
			for k := 4; k < len(s); k += 2 {
				if s.El(k) == "" {
					continue
				}
				a, ok := m(s.El(k))
				plb += a
				bprOK = bprOK && ok
			}
		case "SE":
			closeClaim()
		}
	}
	closeClaim()
	if bprPos > 0 && bprOK && bpr != paid-plb {
		bad(bprPos, "BPR", 2, "", RuleTransaction)
	}
	return errs
}

// Validate validates an X12 stream (edi.ValidateBytes) and adds the 835
// balancing errors of every 835 in it, with stream positions, to the
// report and to the transaction set's results. Balancing errors do not
// change the sets' acknowledgment codes.
func Validate(b []byte, opts *edi.Options) (*edi.Report, error) {
	rep, err := edi.ValidateBytes(b, opts)
	if err != nil || (opts != nil && opts.SkipBalancing) {
		return rep, err
	}
	ics, perr := edi.ParseBytes(b)
	if perr != nil {
		return rep, nil // the envelope errors are in the report already
	}
	var results []*edi.SetResult
	for _, ic := range rep.Interchanges {
		for _, g := range ic.Groups {
			results = append(results, g.Sets...)
		}
	}
	k := 0
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				var res *edi.SetResult
				if k < len(results) {
					res = results[k]
				}
				k++
				if t.ST().El(1) != "835" {
					continue
				}
				for _, e := range CheckBalance(t) {
					if res != nil {
						e.Index = res.Index + e.Pos - 1
						res.Errors = append(res.Errors, e)
					}
					rep.Errors = append(rep.Errors, e)
				}
			}
		}
	}
	return rep, nil
}
