package edi

// Element checks: each data element, component and repetition of a placed
// segment against its compiled rule (SNIP levels 1 and 2), and the
// segment's X12 syntax notes.

import (
	"encoding/binary"
	"strings"
)

// checkElements validates the elements of s against the node's rules. The
// common case (a simple element, no component or repetition separator in
// the segment) is checked inline without calls.
func (v *validator) checkElements(s *Segment, n *node, loop string, pos int) {
	rules := n.Elems
	seps := s.seps
	data := s.Data
	nel := len(seps) - 1
	if nel > 0 && seps[nel] == seps[nel-1]+1 {
		// A segment ends with its last data element, never with an
		// element separator (an empty last element).
		v.trailing(s, pos, loop, nel, 0)
	}
	if nel > len(rules) {
		// Too many data elements: report the first extra non-empty one
		// (or the last when all extra ones are empty).
		at := nel
		for i := len(rules) + 1; i <= nel; i++ {
			if len(s.Element(i)) > 0 {
				at = i
				break
			}
		}
		v.elErr(nil, "3", s, pos, loop, at, 0, 0)
		nel = len(rules)
	}
	// The qualifier element was already matched against its codes when the
	// segment was placed.
	qualified := 0
	if n.QComp == 0 && v.rec.strict {
		qualified = n.QEl
	}
	flags := s.scanFlags()
	ctrl, comps, reps := flags&flagCtrl != 0, flags&flagComps != 0, flags&flagReps != 0
	comp := s.Delims.Component
	// The loop reads n.fast, 24 bytes an element where the rule is 120,
	// and one dispatch on its kind instead of five tests of the rule's
	// fields; sp and fast have the same length, so neither is bounds
	// checked in the loop.
	fast := n.fast[:nel]
	sp := seps[1 : len(fast)+1]
	prev := int(seps[0])
	for k := range fast {
		end := int(sp[k])
		start := prev + 1
		prev = end
		f := &fast[k]
		if end <= start {
			if f.req {
				v.elErr(&rules[k], "1", s, pos, loop, k+1, 0, 0)
			}
			continue
		}
		// The value's slice is made only where it is looked at (names,
		// numbers and lengths need only its length).
		ln := end - start
		switch kind := f.kind; {
		case kind == kindNotUsed:
			v.elErr(&rules[k], "I10", s, pos, loop, k+1, 0, 0)
		case reps:
			v.checkSlow(s, &rules[k], data[start:end], pos, loop, k+1)
		case kind == kindString:
			if comps && indexByte(data[start:end], comp) >= 0 {
				v.elErr(&rules[k], "6", s, pos, loop, k+1, 0, 0)
			} else if uint(ln) < uint(f.min) {
				v.elErr(&rules[k], "4", s, pos, loop, k+1, 0, 0)
			} else if uint(ln) > uint(f.max) {
				v.elErr(&rules[k], "5", s, pos, loop, k+1, 0, 0)
			} else if ctrl && hasCtrl(data[start:end]) {
				v.elErr(&rules[k], "6", s, pos, loop, k+1, 0, 0)
			} else if f.codes != nil && k+1 != qualified && !f.codes.has(data[start:end]) {
				v.elErr(&rules[k], "7", s, pos, loop, k+1, 0, 0)
			}
		case kind == kindComposite:
			v.checkComposite(s, &rules[k], data[start:end], pos, loop, k+1, 0)
		case kind == kindPeriod:
			v.checkOne(s, &rules[k], data[start:end], pos, loop, k+1, 0)
		default: // kindValue
			el := data[start:end]
			if comps && indexByte(el, comp) >= 0 {
				v.elErr(&rules[k], "6", s, pos, loop, k+1, 0, 0)
			} else if code := checkValue(el, &rules[k], true); code != "" {
				v.elErr(&rules[k], code, s, pos, loop, k+1, 0, 0)
			}
		}
	}
	for i := nel + 1; i <= n.lastReq; i++ {
		if rules[i-1].Usage == 'R' {
			v.elErr(&rules[i-1], "1", s, pos, loop, i, 0, 0)
		}
	}
	if len(n.syntax) > 0 {
		v.checkSyntax(s, n, loop, pos)
	}
}

// Kinds of elemFast: what checkElements does with a value, in the order
// the checks were made on the rule (not used, then a date time period,
// then a composite, then by type).
const (
	kindValue     = iota // N, R, DT, TM: checkValue
	kindString           // AN, ID: length, characters, code list
	kindComposite        // checkComposite
	kindPeriod           // a date time period (1251): checkOne
	kindNotUsed          // usage N: any value is an error
)

// elemFast is the part of an element rule checkElements reads for each
// element of a segment.
type elemFast struct {
	codes    *codeSet
	min, max uint32
	kind     uint8
	req      bool // usage R
}

// compileFast builds the node's elemFast table from its rules.
func compileFast(rules []elemRule) []elemFast {
	fast := make([]elemFast, len(rules))
	for i := range rules {
		r := &rules[i]
		f := &fast[i]
		f.req = r.Usage == 'R'
		f.min, f.max = clampU32(r.Min), clampU32(r.Max)
		switch {
		case r.Usage == 'N':
			f.kind = kindNotUsed
		case r.Period:
			f.kind = kindPeriod
		case r.Type == typeC:
			f.kind = kindComposite
		case r.Type == typeAN || r.Type == typeID:
			f.kind = kindString
			f.codes = r.Codes
		default:
			f.kind = kindValue
		}
	}
	return fast
}

func clampU32(x int) uint32 {
	if x < 0 {
		return 0
	}
	if uint64(x) > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(x)
}

// checkSyntax applies the segment's X12 syntax notes. An element the guide
// requires is not reported again (its own IK4 1 covers it).
func (v *validator) checkSyntax(s *Segment, n *node, loop string, pos int) {
	// present has bit i set when element i is not empty (elements past 63
	// are looked up one by one).
	var present uint64
	for i := 1; i < len(s.seps) && i < 64; i++ {
		if s.seps[i] > s.seps[i-1]+1 {
			present |= 1 << i
		}
	}
	// Most notes hold by the mask alone: the element by element checks
	// (and their closures) only from the first that does not.
	for k := range n.syntax {
		r := &n.syntax[k]
		if r.mask == 0 || !syntaxHolds(r.Kind, present&r.mask, r.mask, present&(1<<r.Els[0]) != 0) {
			v.checkSyntaxFrom(s, n, loop, pos, present, n.syntax[k:])
			return
		}
	}
}

// checkSyntaxFrom applies the syntax notes rules of s, given the mask of
// its elements present.
func (v *validator) checkSyntaxFrom(s *Segment, n *node, loop string, pos int, present uint64, rules []syntaxRule) {
	has := func(i int) bool {
		if i < 64 {
			return present&(1<<i) != 0
		}
		return len(s.Element(i)) > 0
	}
	miss := func(i int) {
		if i <= len(n.Elems) && n.Elems[i-1].Usage != 'R' {
			v.elErr(&n.Elems[i-1], "2", s, pos, loop, i, 0, 0)
		}
	}
	for _, r := range rules {
		if r.mask != 0 && syntaxHolds(r.Kind, present&r.mask, r.mask, present&(1<<r.Els[0]) != 0) {
			continue
		}
		switch r.Kind {
		case 'P':
			some := false
			for _, e := range r.Els {
				some = some || has(e)
			}
			if some {
				for _, e := range r.Els {
					if !has(e) {
						miss(e)
					}
				}
			}
		case 'R':
			some := false
			for _, e := range r.Els {
				some = some || has(e)
			}
			if !some {
				miss(r.Els[0])
			}
		case 'E':
			seen := false
			for _, e := range r.Els {
				if has(e) {
					if seen {
						v.elErr(&n.Elems[e-1], "10", s, pos, loop, e, 0, 0)
						break
					}
					seen = true
				}
			}
		case 'C':
			if has(r.Els[0]) {
				for _, e := range r.Els[1:] {
					if !has(e) {
						miss(e)
					}
				}
			}
		case 'L':
			if has(r.Els[0]) {
				some := false
				for _, e := range r.Els[1:] {
					some = some || has(e)
				}
				if !some {
					miss(r.Els[1])
				}
			}
		}
	}
}

// syntaxHolds reports whether a syntax note whose elements are the bits
// of mask is met, from the present ones (m) and whether its first element
// is present: then the element by element checks below have nothing to
// report.
func syntaxHolds(kind byte, m, mask uint64, first bool) bool {
	switch kind {
	case 'P': // all or none
		return m == 0 || m == mask
	case 'R': // at least one
		return m != 0
	case 'E': // at most one
		return m&(m-1) == 0
	case 'C': // the first, then all the others
		return !first || m == mask
	case 'L': // the first, then at least one other
		return !first || m&(m-1) != 0
	}
	return false
}

// hasCtrl reports whether b holds a byte outside the X12 basic and
// extended character sets, which together are the printable ASCII
// characters 0x20 to 0x7E in 005010: a control character (below 0x20 or
// DEL) or a byte of 0x80 and above (UTF-8 and other 8-bit text). It reads
// eight bytes at a time.
func hasCtrl(b []byte) bool {
	const (
		e0 = 0xE0E0E0E0E0E0E0E0
		x7 = 0x7F7F7F7F7F7F7F7F
		hi = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if zeroBytes(w&e0)|zeroBytes(w^x7)|w&hi != 0 {
			return true
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 || b[i] >= 0x7F {
			return true
		}
	}
	return false
}

// checkSlow checks an element that may hold repetitions or components.
func (v *validator) checkSlow(s *Segment, r *elemRule, el []byte, pos int, loop string, i int) {
	d := s.Delims
	if d.Repetition == 'U' || (r.Reps <= 1 && indexByte(el, d.Repetition) < 0) {
		v.checkOne(s, r, el, pos, loop, i, 0)
		return
	}
	for rep := 1; ; rep++ {
		part := el
		k := indexByte(el, d.Repetition)
		if k >= 0 {
			part, el = el[:k], el[k+1:]
		}
		if rep > r.Reps {
			v.elErr(r, "12", s, pos, loop, i, 0, rep)
			return
		}
		if len(part) > 0 {
			v.checkOne(s, r, part, pos, loop, i, rep)
		}
		if k < 0 {
			return
		}
	}
}

// checkOne checks one (repetition of an) element.
func (v *validator) checkOne(s *Segment, r *elemRule, el []byte, pos int, loop string, i, rep int) {
	if r.Type == typeC {
		v.checkComposite(s, r, el, pos, loop, i, rep)
	} else if s.scanFlags()&flagComps != 0 && indexByte(el, s.Delims.Component) >= 0 {
		v.elErr(r, "6", s, pos, loop, i, 0, rep)
	} else if code := checkValue(el, r, s.scanFlags()&flagCtrl != 0); code != "" {
		v.elErr(r, code, s, pos, loop, i, 0, rep)
	} else if r.Period && i > 1 && !validPeriod(s.Element(i-1), el) {
		v.elErr(r, "8", s, pos, loop, i, 0, rep)
	}
}

// validPeriod checks a date time period (1251) against its format
// qualifier (1250) in the element before it.
func validPeriod(format, v []byte) bool {
	switch string(format) {
	case "D8":
		return len(v) == 8 && validDate(v)
	case "RD8":
		return len(v) == 17 && v[8] == '-' && validDate(v[:8]) && validDate(v[9:])
	case "D6":
		return len(v) == 6 && validDate(v)
	case "RD6":
		return len(v) == 13 && v[6] == '-' && validDate(v[:6]) && validDate(v[7:])
	case "TM":
		return len(v) == 4 && validTime(v)
	case "DT": // CCYYMMDDHHMM
		return len(v) == 12 && validDate(v[:8]) && validTime(v[8:])
	case "RDT": // CCYYMMDDHHMM-CCYYMMDDHHMM
		return len(v) == 25 && v[12] == '-' && validDate(v[:8]) && validTime(v[8:12]) &&
			validDate(v[13:21]) && validTime(v[21:])
	}
	return true
}

// trailing records a data element (comp 0) or composite that ends with its
// separator: the 999 reports it as IK304 8 located at that element, as the
// X12 syntax has no element code for it.
func (v *validator) trailing(s *Segment, pos int, loop string, elem, comp int) {
	e := &Error{Kind: KindIK3, Code: "8", Index: s.Index, Offset: s.Offset, Pos: pos, SegID: safeID(s.Element(0)),
		Loop: loop, Elem: elem, Comp: comp, Msg: "segment has data element errors: trailing separator"}
	v.add(e)
}

func (v *validator) checkComposite(s *Segment, r *elemRule, el []byte, pos int, loop string, i, rep int) {
	comp := s.Delims.Component
	ctrl := s.scanFlags()&flagCtrl != 0
	if len(el) > 0 && el[len(el)-1] == comp {
		// A composite ends with its last component, never with a
		// component separator.
		v.trailing(s, pos, loop, i, strings.Count(string(el), string(comp))+1)
	}
	j := 0
	for {
		j++
		part := el
		k := indexByte(el, comp)
		if k >= 0 {
			part, el = el[:k], el[k+1:]
		}
		if j > len(r.Comps) {
			v.elErr(r, "13", s, pos, loop, i, j, rep)
			return
		}
		cr := &r.Comps[j-1]
		if len(part) == 0 {
			if cr.Usage == 'R' {
				v.elErr(cr, "1", s, pos, loop, i, j, rep)
			}
		} else if cr.Usage == 'N' {
			v.elErr(cr, "I10", s, pos, loop, i, j, rep)
		} else if cr.Type == typeAN || cr.Type == typeID {
			// checkValue's string case without the call (most
			// components: HC, ABK, procedure and diagnosis codes).
			code := ""
			switch {
			case len(part) < cr.Min:
				code = "4"
			case len(part) > cr.Max:
				code = "5"
			case ctrl && hasCtrl(part):
				code = "6"
			case cr.Codes != nil && !cr.Codes.has(part):
				code = "7"
			}
			if code != "" {
				v.elErr(cr, code, s, pos, loop, i, j, rep)
			}
		} else if code := checkValue(part, cr, ctrl); code != "" {
			v.elErr(cr, code, s, pos, loop, i, j, rep)
		}
		if k < 0 {
			break
		}
	}
	end := len(r.Comps)
	if r.compsEnd > 0 {
		end = r.compsEnd - 1 // the last required component
	}
	for j++; j <= end; j++ {
		if r.Comps[j-1].Usage == 'R' {
			v.elErr(&r.Comps[j-1], "1", s, pos, loop, i, j, rep)
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// checkValue checks one simple value against its rule and returns the IK4
// code of the first problem, or "". ctrl tells whether the segment holds
// any control character at all.
func checkValue(b []byte, r *elemRule, ctrl bool) string {
	switch r.Type {
	case typeN, typeR:
		n := 0
		dots := 0
		for i, c := range b {
			switch {
			case c >= '0' && c <= '9':
				n++
			case c == '-' && i == 0:
			case c == '.' && r.Type == typeR && dots == 0:
				dots++
			default:
				return "6"
			}
		}
		if n == 0 {
			return "6"
		}
		if n < r.Min {
			return "4"
		}
		if n > r.Max {
			return "5"
		}
		return ""
	case typeDT:
		if !validDate(b) || (r.Min == 8 && len(b) != 8) {
			return "8"
		}
		return ""
	case typeTM:
		if !validTime(b) {
			return "9"
		}
		return ""
	}
	if len(b) < r.Min {
		return "4"
	}
	if len(b) > r.Max {
		return "5"
	}
	if ctrl && hasCtrl(b) {
		return "6"
	}
	if r.Codes != nil && !r.Codes.has(b) {
		return "7"
	}
	return ""
}

// validDate accepts YYMMDD and CCYYMMDD.
func validDate(b []byte) bool {
	var mm, dd int
	switch len(b) {
	case 8:
		// CCYYMMDD (most dates): the eight digits tested in one word.
		if !digits8(binary.LittleEndian.Uint64(b)) {
			return false
		}
		mm = int(b[4]-'0')*10 + int(b[5]-'0')
		dd = int(b[6]-'0')*10 + int(b[7]-'0')
	case 6:
		if !allDigits(b) {
			return false
		}
		mm = int(b[2]-'0')*10 + int(b[3]-'0')
		dd = int(b[4]-'0')*10 + int(b[5]-'0')
	default:
		return false
	}
	if mm < 1 || mm > 12 || dd < 1 || dd > monthDays[mm] {
		return false
	}
	if mm == 2 && dd == 29 {
		// The year is read only here. YYMMDD has no century: a year
		// divisible by four is taken as leap (2000 was); CCYYMMDD
		// follows the Gregorian rule.
		if len(b) == 6 {
			return (int(b[0]-'0')*10+int(b[1]-'0'))%4 == 0
		}
		y := int(b[0]-'0')*1000 + int(b[1]-'0')*100 + int(b[2]-'0')*10 + int(b[3]-'0')
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return true
}

// digits8 reports whether the eight bytes of x are all ASCII digits: each
// high nibble is 3 and each low nibble stays below 16 when 6 is added (no
// carry leaves a byte whose high nibble is 3 and low nibble at most 15).
func digits8(x uint64) bool {
	const hi, six, three = 0xf0f0f0f0f0f0f0f0, 0x0606060606060606, 0x3030303030303030
	return x&hi == three && (x+six)&hi == three
}

// monthDays is the longest month of each month number (a package table:
// a local array was filled on every call).
var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// validTime accepts HHMM, HHMMSS and HHMMSSd..d.
func validTime(b []byte) bool {
	if len(b) < 4 || len(b) > 8 || len(b) == 5 || !allDigits(b) {
		return false
	}
	hh := int(b[0]-'0')*10 + int(b[1]-'0')
	mm := int(b[2]-'0')*10 + int(b[3]-'0')
	if hh > 23 || mm > 59 {
		return false
	}
	if len(b) >= 6 && int(b[4]-'0')*10+int(b[5]-'0') > 59 {
		return false
	}
	return true
}

// elErr records an element error with the element's reference number.
func (v *validator) elErr(r *elemRule, code string, s *Segment, pos int, loop string, elem, comp, rep int) {
	e := &Error{Kind: KindIK4, Code: code, Index: s.Index, Offset: s.Offset, Pos: pos, SegID: safeID(s.Element(0)),
		Loop: loop, Elem: elem, Comp: comp, Rep: rep}
	if r != nil && allDigits([]byte(r.Ref)) {
		e.Ref = r.Ref
	}
	v.add(e)
}
