package snip

import (
	"bytes"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/codes"
)

// checkFunc checks one non-empty element value v (element el of s; v is
// the whole element, composites included). It returns ok, and the
// component at fault (0 for the whole element).
type checkFunc func(c *setCheck, s *edi.Segment, el int, v []byte) (ok bool, comp int)

var checks map[string]checkFunc

// valueChecks are the checks that look at the value alone. A rule on one
// element calls them directly (elemRule.run) rather than through a
// checkFunc wrapper.
var valueChecks = map[string]func([]byte) bool{
	"npi":         validNPI,
	"us-state":    func(b []byte) bool { return inPairs(&stateTable, b) },
	"ca-province": func(b []byte) bool { return inPairs(&provinceTable, b) },
	"state":       func(b []byte) bool { return inPairs(&stateTable, b) || inPairs(&provinceTable, b) },
	"zip":         func(b []byte) bool { return validZIP(b, false) },
	"zip9":        func(b []byte) bool { return validZIP(b, true) },
	"ca-postal":   validPostalCA,
	"taxonomy":    validTaxonomy,
	"pos":         validPOS,
	"revenue":     validRevenue,
	"street":      notPOBox,
	"zero":        isZero,
	"range": func(b []byte) bool {
		if len(b) != 17 || b[8] != '-' || !validDay(b[:8]) || !validDay(b[9:]) {
			return true // the format is SNIP 2's business
		}
		return string(b[:8]) <= string(b[9:])
	},
}

func init() {
	checks = map[string]checkFunc{
		// required and notused are handled before the value test.
		"required":         func(*setCheck, *edi.Segment, int, []byte) (bool, int) { return true, 0 },
		"notused":          func(*setCheck, *edi.Segment, int, []byte) (bool, int) { return true, 0 },
		"procedure":        checkProcedure,
		"carc":             checkAdjustment(codes.CARC),
		"rarc":             checkAdjustment(codes.RARC),
		"notAfterCreation": checkNotAfterCreation,
		"dxPointer":        checkPointers,
		// diagnosis reads every element of HI: apply calls it itself.
		"diagnosis": func(*setCheck, *edi.Segment, int, []byte) (bool, int) { return true, 0 },
	}
	for name, f := range valueChecks {
		checks[name] = whole(f)
	}
}

func whole(f func([]byte) bool) checkFunc {
	return func(_ *setCheck, _ *edi.Segment, _ int, v []byte) (bool, int) { return f(v), 0 }
}

// notPOBox reports whether an address line is not a post office or lock
// box ("PO BOX 12", "P.O. Box", "Post Office Box", "Lock Box").
func notPOBox(b []byte) bool {
	var n [24]byte
	k := 0
	for _, c := range b {
		if k == len(n) {
			break
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			n[k] = c
			k++
		}
	}
	s := string(n[:k])
	for _, p := range []string{"POBOX", "POSTOFFICEBOX", "LOCKBOX", "POBX"} {
		if len(s) >= len(p) && s[:len(p)] == p {
			return false
		}
	}
	return true
}

func isZero(b []byte) bool {
	for _, c := range b {
		switch c {
		case '0', '.', '-':
		default:
			return false
		}
	}
	return true
}

// checkProcedure checks a composite medical procedure identifier (C003):
// the code's shape for its qualifier, and the modifiers (components 3-6).
func checkProcedure(_ *setCheck, s *edi.Segment, el int, v []byte) (bool, int) {
	// One pass over the composite's components (qualifier, code, up to
	// four modifiers).
	var comps [6][]byte
	sep := s.Delims.Component
	rest := s.Element(el)
	for j := 0; j < len(comps); j++ {
		i := bytes.IndexByte(rest, sep)
		if i < 0 {
			comps[j] = rest
			break
		}
		comps[j], rest = rest[:i], rest[i+1:]
	}
	q, code := comps[0], comps[1]
	if len(code) > 0 {
		ok := true
		switch string(q) {
		case "HC":
			ok = validHCPCS(code)
		case "AD":
			ok = validCDT(code)
		case "NU":
			ok = validRevenue(code)
		}
		if !ok {
			return false, 2
		}
	}
	for j := 3; j <= 6; j++ {
		if m := comps[j-1]; len(m) > 0 && !validModifier(m) {
			return false, j
		}
	}
	return true, 0
}

// checkAdjustment checks a CARC or RARC against the list and its dates on
// the remittance (835) or creation day. Codes a curated list does not hold
// pass.
func checkAdjustment(list string) checkFunc {
	return func(c *setCheck, _ *edi.Segment, _ int, v []byte) (bool, int) {
		known, active := adjustmentCode(list, v, c.remitDay())
		if !known {
			l := codes.Lookup(list)
			return l == nil || !l.Complete, 0
		}
		return active, 0
	}
}

// checkNotAfterCreation checks that a D8 date, or the end of an RD8
// period, is not after the transaction's creation day.
func checkNotAfterCreation(c *setCheck, _ *edi.Segment, _ int, v []byte) (bool, int) {
	if c.created == "" {
		return true, 0
	}
	end := v
	if len(v) == 17 && v[8] == '-' {
		end = v[9:]
	}
	// A day not after the creation day passes whether or not it is a
	// valid date (the format is SNIP 2's business): compare first, and
	// validate only the days that would fail.
	return string(end) <= c.created || !validDay(end), 0
}

// checkPointers checks the 837P diagnosis code pointers (SV107-1..4): each
// names one of the claim's diagnosis codes (HI ABK/ABF, 1-12).
func checkPointers(c *setCheck, s *edi.Segment, el int, _ []byte) (bool, int) {
	// One pass over the composite: each pointer is read as its bytes go by.
	sep := s.Delims.Component
	j, n, digitsOnly, size := 1, 0, true, 0
	end := func() (bool, int) {
		if size == 0 {
			return true, 0
		}
		if !digitsOnly || size > 6 || n < 1 || n > 12 || n > c.claim.dxCount {
			return false, j
		}
		return true, 0
	}
	for _, b := range s.Element(el) {
		if b == sep {
			if ok, at := end(); !ok {
				return ok, at
			}
			j++
			if j > 4 {
				return true, 0
			}
			n, digitsOnly, size = 0, true, 0
			continue
		}
		size++
		if b < '0' || b > '9' {
			digitsOnly = false
		} else if size <= 6 {
			n = n*10 + int(b-'0')
		}
	}
	return end()
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 6 || !digits(b) {
		return 0, false
	}
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n, true
}

// validDay checks a CCYYMMDD date without allocating.
func validDay(b []byte) bool {
	if len(b) != 8 || !digits(b) {
		return false
	}
	y := int(b[0]-'0')*1000 + int(b[1]-'0')*100 + int(b[2]-'0')*10 + int(b[3]-'0')
	m := int(b[4]-'0')*10 + int(b[5]-'0')
	d := int(b[6]-'0')*10 + int(b[7]-'0')
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}
