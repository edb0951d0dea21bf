package x835

import (
	"strconv"

	"github.com/claimflow/claimflow/edi"
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
	b := &balancer{set: t.ST().El(2)}
	for i, s := range t.Segments {
		s := s
		b.seg(s.ID(), func(k int) []byte { return []byte(s.El(k)) }, len(s)-1, i+1, 0, 0)
	}
	b.end()
	return b.errs
}

// balancer runs the three balancing rules over the segments of one set.
type balancer struct {
	set         string
	errs        []*edi.Error
	bprPos      int
	bprIdx      int
	bprOff      int64
	bpr         Money
	paid, plb   Money
	bprOK       bool
	clp, svc    loc
	cDiff, cCAS Money
	lDiff, lCAS Money
	cOK, lOK    bool
}

type loc struct {
	pos, idx int
	off      int64
}

func (b *balancer) bad(l loc, seg string, el int, loop, rule string) {
	b.errs = append(b.errs, &edi.Error{Kind: edi.KindIK4, Code: "I12", Pos: l.pos, Index: l.idx, Offset: l.off, SegID: seg,
		Loop: loop, Elem: el, Set: b.set, Msg: "balancing failed: " + rule})
}

func (b *balancer) closeLine() {
	if b.svc.pos > 0 && b.lOK && b.lDiff != b.lCAS {
		b.bad(b.svc, "SVC", 2, "2110", RuleLine)
	}
	b.svc = loc{}
}

func (b *balancer) closeClaim() {
	b.closeLine()
	if b.clp.pos > 0 && b.cOK && b.cDiff != b.cCAS {
		b.bad(b.clp, "CLP", 3, "2100", RuleClaim)
	}
	b.clp = loc{}
}

// seg feeds one segment: its ID, element accessor, element count, position
// in the set, stream index and byte offset.
func (b *balancer) seg(id string, el func(int) []byte, n, pos, idx int, off int64) {
	here := loc{pos, idx, off}
	switch id {
	case "ST":
		*b = balancer{set: string(el(2)), bprOK: true, errs: b.errs}
	case "BPR":
		b.bprPos, b.bprIdx, b.bprOff = pos, idx, off
		var ok bool
		b.bpr, ok = moneyBytes(el(2))
		b.bprOK = b.bprOK && ok
	case "LX":
		b.closeClaim()
	case "CLP":
		b.closeClaim()
		b.clp, b.cCAS = here, 0
		ch, ok1 := moneyBytes(el(3))
		pd, ok2 := moneyBytes(el(4))
		b.cDiff, b.cOK = ch-pd, ok1 && ok2
		b.paid += pd
		b.bprOK = b.bprOK && ok2
	case "SVC":
		b.closeLine()
		if b.clp.pos == 0 {
			return
		}
		b.svc, b.lCAS = here, 0
		ch, ok1 := moneyBytes(el(2))
		pd, ok2 := moneyBytes(el(3))
		b.lDiff, b.lOK = ch-pd, ok1 && ok2
	case "CAS":
		if b.clp.pos == 0 {
			return
		}
		for k := 3; k <= n && k <= 18; k += 3 {
			v := el(k)
			if len(v) == 0 {
				continue
			}
			a, ok := moneyBytes(v)
			if !ok {
				b.cOK, b.lOK = false, false
				continue
			}
			b.cCAS += a
			if b.svc.pos > 0 {
				b.lCAS += a
			}
		}
	case "PLB":
		b.closeClaim()
		for k := 4; k <= n; k += 2 {
			v := el(k)
			if len(v) == 0 {
				continue
			}
			a, ok := moneyBytes(v)
			b.plb += a
			b.bprOK = b.bprOK && ok
		}
	case "SE":
		b.end()
	}
}

// end closes the set: the last claim and the transaction rule.
func (b *balancer) end() {
	b.closeClaim()
	if b.bprPos > 0 && b.bprOK && b.bpr != b.paid-b.plb {
		b.bad(loc{b.bprPos, b.bprIdx, b.bprOff}, "BPR", 2, "", RuleTransaction)
	}
	b.bprPos = 0
}

// moneyBytes parses an X12 decimal into cents without allocating.
func moneyBytes(v []byte) (Money, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	var m int64
	frac, digits := -1, 0
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			if frac >= 0 {
				if frac >= 2 {
					continue
				}
				frac++
			}
			m = m*10 + int64(c-'0')
			digits++
		case c == '.' && frac < 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if digits == 0 && frac < 0 {
		return 0, false
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < 2; frac++ {
		m *= 10
	}
	if neg {
		m = -m
	}
	return Money(m), true
}

// Validate validates an X12 stream (edi.ValidateBytes) and adds the 835
// balancing errors of every 835 in it, with stream positions, to the report
// and to the transaction set's result when the report keeps it (with
// Options.DropAccepted a set that passed validation has none), in one more
// streaming pass. Balancing errors do not change the acknowledgment codes.
func Validate(b []byte, opts *edi.Options) (*edi.Report, error) {
	rep, err := edi.ValidateBytes(b, opts)
	if err != nil || (opts != nil && opts.SkipBalancing) {
		return rep, err
	}
	byIndex := map[int]*edi.SetResult{}
	any835 := false
	for _, ic := range rep.Interchanges {
		for _, g := range ic.Groups {
			for _, s := range g.Sets {
				byIndex[s.Index] = s
				any835 = any835 || s.ST.El(1) == "835"
			}
		}
	}
	if !any835 && rep.OK() && (opts == nil || !opts.DropAccepted) {
		// The report lists every set and none is an 835: nothing to
		// balance, no second pass.
		return rep, nil
	}
	rd := edi.NewBytesReader(b)
	var (
		bal   balancer
		in835 bool
		res   *edi.SetResult
		pos   int
		tagST = edi.Tag("ST")
		tagSE = edi.Tag("SE")
	)
	for {
		s, err := rd.Next()
		if err != nil {
			break // read errors are in the report already
		}
		tag := s.Tag()
		if tag == tagST {
			in835 = string(s.Element(1)) == "835"
			res, pos = byIndex[s.Index], 0
		}
		if !in835 {
			continue
		}
		pos++
		n := len(bal.errs)
		bal.seg(string(s.Element(0)), s.Element, s.Len(), pos, s.Index, s.Offset)
		for _, e := range bal.errs[n:] {
			if res != nil {
				res.Errors = append(res.Errors, e)
			}
			rep.Errors = append(rep.Errors, e)
		}
		if tag == tagSE {
			in835, res = false, nil
		}
	}
	return rep, nil
}
