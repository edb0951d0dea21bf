package edi

// The envelope checks: ISA/IEA (TA1), GS/GE (AK9) and ST/SE (IK5), with
// the dictionary checks of GS and the guide lookup at ST.

import "bytes"

var (
	isaAuthQual = newCodeSet([]string{"00", "03"})
	isaSecQual  = newCodeSet([]string{"00", "01"})
	isaIDQual   = newCodeSet([]string{"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})
)

func (v *validator) isa(s *Segment) {
	if v.ic != nil {
		if v.ic.ISA != nil {
			v.closeGroup(s, true)
			v.segErr(KindTA1, "023", s, 0, "", 0, 0, 0)
		}
		v.endInterchange()
	}
	v.ic = &InterchangeResult{Index: s.Index, ISA: s.Copy(), Delims: s.Delims}
	v.rep.Interchanges = append(v.rep.Interchanges, v.ic)
	v.grp, v.set = nil, nil
	if s.Len() != 16 {
		v.segErr(KindTA1, "026", s, 0, "", 0, 0, 0)
		return
	}
	v.ic.Control = string(s.Element(13))
	chk := func(ok bool, code string, el int) {
		if !ok {
			v.segErr(KindTA1, code, s, 0, "", el, 0, 0)
		}
	}
	// The free-text elements may hold only the character sets' bytes.
	chk(!hasCtrl(s.Element(2)), "011", 2)
	chk(!hasCtrl(s.Element(4)), "013", 4)
	chk(isaAuthQual.has(s.Element(1)), "010", 1)
	chk(isaSecQual.has(s.Element(3)), "012", 3)
	chk(isaIDQual.has(s.Element(5)), "005", 5)
	chk(len(bytes.TrimSpace(s.Element(6))) > 0 && !hasCtrl(s.Element(6)), "006", 6)
	chk(isaIDQual.has(s.Element(7)), "007", 7)
	chk(len(bytes.TrimSpace(s.Element(8))) > 0 && !hasCtrl(s.Element(8)), "008", 8)
	chk(validDate(s.Element(9)), "014", 9)
	chk(validTime(s.Element(10)), "015", 10)
	chk(string(s.Element(12)) == "00501", "017", 12)
	chk(len(s.Element(13)) == 9 && allDigits(s.Element(13)), "018", 13)
	chk(string(s.Element(14)) == "0" || string(s.Element(14)) == "1", "019", 14)
	chk(string(s.Element(15)) == "P" || string(s.Element(15)) == "T", "020", 15)
}

func (v *validator) iea(s *Segment) {
	v.ensureIC(s)
	v.closeGroup(s, true)
	if s.Len() < 2 {
		v.segErr(KindTA1, "021", s, 0, "", 1, 0, 0)
	} else {
		if n, ok := atoiBytes(s.Element(1)); !ok || n != len(v.ic.Groups) {
			v.segErr(KindTA1, "021", s, 0, "", 1, 0, 0)
		}
		if len(v.ic.ISA) == 17 && string(s.Element(2)) != v.ic.Control {
			v.segErr(KindTA1, "001", s, 0, "", 2, 0, 0)
		}
	}
	v.endInterchange()
}

func (v *validator) gs(s *Segment) {
	v.ensureIC(s)
	v.closeGroup(s, true)
	g := &GroupResult{Index: s.Index, GS: s.Copy(), ids: map[string]struct{}{}}
	v.ic.Groups = append(v.ic.Groups, g)
	v.grp = g
	g.Control = string(s.Element(6))
	v.checkGS(s)
	if n := len(s.Element(6)); n == 0 || n > 9 || !allDigits(s.Element(6)) {
		v.segErr(KindAK9, "6", s, 0, "", 6, 0, 0)
	}
	for _, o := range v.ic.Groups[:len(v.ic.Groups)-1] {
		if o.Control == g.Control {
			v.segErr(KindAK9, "19", s, 0, "", 6, 0, 0)
			break
		}
	}
	if !bytes.HasPrefix(s.Element(8), []byte("00501")) {
		v.segErr(KindAK9, "2", s, 0, "", 8, 0, 0)
	}
}

// checkGS checks GS01 to GS05 and GS07 against the dictionary (GS06 and
// GS08 have codes of their own above): a missing element, a wrong length,
// a character outside the character sets, an invalid date (GS04) or time
// (GS05) or a GS07 other than X. The 999 has no group code for these; like
// the reference implementations, the group is rejected with AK905 1 and the
// error names the element and its IK4-style reason.
func (v *validator) checkGS(s *Segment) {
	ds := dict.segs["GS"]
	if ds == nil {
		return
	}
	bad := func(i int, code string) {
		e := &Error{Kind: KindAK9, Code: "1", Index: s.Index, Offset: s.Offset, SegID: "GS", Elem: i,
			Msg: CodeText(KindAK9, "1") + ": GS" + twoDigits(i) + " " + CodeText(KindIK4, code)}
		if i <= len(ds.Elems) {
			e.Ref = ds.Elems[i-1].Ref
		}
		v.add(e)
	}
	if s.Len() > len(ds.Elems) {
		bad(len(ds.Elems)+1, "3")
	}
	ctrl := s.scanFlags()&flagCtrl != 0
	for _, i := range [...]int{1, 2, 3, 4, 5, 7} {
		el := s.Element(i)
		if len(el) == 0 {
			bad(i, "1")
			continue
		}
		if code := checkValue(el, &ds.Elems[i-1], ctrl); code != "" {
			bad(i, code)
		}
	}
	if el := s.Element(7); len(el) > 0 && string(el) != "X" {
		bad(7, "7")
	}
}

func twoDigits(i int) string {
	if i < 10 {
		return "0" + itoa(i)
	}
	return itoa(i)
}

// closeGroup ends an open transaction set and group before a new envelope
// segment; missing trailers are errors when report is set.
func (v *validator) closeGroup(s *Segment, report bool) {
	if v.set != nil {
		v.rec.abort(v, s)
		v.segErr(KindIK5, "2", s, 0, "", 0, 0, 0)
		v.endSet()
	}
	if v.grp != nil && !v.grp.closed {
		v.segErr(KindAK9, "3", s, 0, "", 0, 0, 0)
		v.grp.closed = true
	}
	v.grp = nil
}

func (v *validator) ge(s *Segment) {
	if v.grp == nil {
		v.ensureIC(s)
		v.segErr(KindTA1, "024", s, 0, "", 0, 0, 0)
		return
	}
	if v.set != nil {
		v.rec.abort(v, s)
		v.segErr(KindIK5, "2", s, 0, "", 0, 0, 0)
		v.endSet()
	}
	if n, ok := atoiBytes(s.Element(1)); !ok || n != v.grp.Received {
		v.segErr(KindAK9, "5", s, 0, "", 1, 0, 0)
	}
	if string(s.Element(2)) != v.grp.Control {
		v.segErr(KindAK9, "4", s, 0, "", 2, 0, 0)
	}
	v.grp.closed = true
	v.grp = nil
}

func (v *validator) st(s *Segment) {
	if v.grp == nil {
		v.ensureIC(s)
		v.segErr(KindTA1, "024", s, 0, "", 0, 0, 0)
		return
	}
	if v.set != nil {
		v.rec.abort(v, s)
		v.segErr(KindIK5, "2", s, 0, "", 0, 0, 0)
		v.endSet()
	}
	set := &SetResult{Index: s.Index, ST: s.Copy()}
	v.grp.Sets = append(v.grp.Sets, set)
	v.grp.Received++
	v.set = set
	g := setGuide(s, v.grp.GS)
	if !v.par {
		v.rec.reset(g)
	}
	if g != nil {
		set.Guide = g.ID
		// ST01 must belong to the group's functional identifier (GS01).
		if g.Group != "" && v.grp.GS.El(1) != g.Group {
			v.segErr(KindIK5, "6", s, 1, "", 1, 0, 0)
		}
	}
	id := string(s.Element(2))
	if len(id) < 4 || len(id) > 9 {
		v.segErr(KindIK5, "7", s, 1, "", 2, 0, 0)
	} else if _, dup := v.grp.ids[id]; dup {
		v.segErr(KindIK5, "23", s, 1, "", 2, 0, 0)
	} else if len(v.grp.ids) < maxIDs {
		v.grp.ids[id] = struct{}{}
	}
	if g == nil {
		if knownTransaction(string(s.Element(1))) {
			v.segErr(KindIK5, "I6", s, 1, "", 3, 0, 0)
		} else {
			v.segErr(KindIK5, "1", s, 1, "", 1, 0, 0)
		}
	}
	if v.par {
		return // a worker checks the set from here (parallel.go)
	}
	v.rec.start(v, s)
	v.startCheck(s, g)
}

// setGuide returns the guide of the set that st opens in the group gs,
// nil when none matches.
func setGuide(st *Segment, gs Seg) *Guide {
	ref := st.Element(3)
	if len(ref) == 0 {
		ref = gs.Bytes(8)
	}
	return guideFor(string(ref), string(st.Element(1)))
}

func (v *validator) se(s *Segment) {
	v.set.Segments = v.rec.pos
	v.seChecks(s)
	v.endSet()
}

// seChecks checks the trailer SE against the set and closes its loops and
// checker: what a worker does at SE (parallel.go).
func (v *validator) seChecks(s *Segment) {
	if n, ok := atoiBytes(s.Element(1)); !ok || n != v.rec.pos {
		v.segErr(KindIK5, "4", s, v.rec.pos, "", 1, 0, 0)
	}
	if string(s.Element(2)) != v.set.ST.El(2) {
		v.segErr(KindIK5, "3", s, v.rec.pos, "", 2, 0, 0)
	}
	v.rec.finish(v, s)
	v.endCheck(s)
}

var (
	ta1AckCodes = newCodeSet([]string{"A", "E", "R"})
	// ta1NoteCodes is the TA105 code list (X12 I18) of version 00501.
	ta1NoteCodes = newCodeSet([]string{"000", "001", "002", "003", "004", "005", "006", "007", "008", "009",
		"010", "011", "012", "013", "014", "015", "016", "017", "018", "019", "020", "021", "022", "023",
		"024", "025", "026", "027", "028", "029", "030", "031"})
)

// ta1 checks an interchange acknowledgment (a TA1 outside any group)
// against the dictionary: TA101 nine digits, TA102 a date YYMMDD, TA103 a
// time HHMM, TA104 A, E or R, TA105 a note code of I18, and no element
// past TA105. X12 has no note code for a faulty TA1; like a stray segment
// between groups, each fault is invalid interchange content (TA1 024),
// naming the element and its IK4-style reason. A fault is a warning when
// its IK4 counterpart is tolerated (inbound: a length, a character or an
// extra element; a missing element, a bad date or time or an unknown code
// still rejects, as they would in a transaction set).
func (v *validator) ta1(s *Segment) {
	ds := dict.segs["TA1"]
	if ds == nil {
		return
	}
	bad := func(i int, code string) {
		e := &Error{Kind: KindTA1, Code: "024", Index: s.Index, Offset: s.Offset, SegID: "TA1", Elem: i,
			Msg: CodeText(KindTA1, "024") + ": TA1" + twoDigits(i) + " " + CodeText(KindIK4, code)}
		if i <= len(ds.Elems) {
			e.Ref = ds.Elems[i-1].Ref
		}
		e.Warning = v.opts.tolerates(&Error{Kind: KindIK4, Code: code, SegID: "TA1", Elem: i})
		v.add(e)
	}
	if s.Len() > len(ds.Elems) {
		bad(len(ds.Elems)+1, "3")
	}
	ctrl := s.scanFlags()&flagCtrl != 0
	for i := 1; i <= len(ds.Elems); i++ {
		el, r := s.Element(i), &ds.Elems[i-1]
		code := ""
		switch {
		case len(el) == 0:
			code = "1"
		case (r.Type == typeDT || r.Type == typeTM) && len(el) > r.Max:
			// CCYYMMDD or HHMMSS where the TA1 holds YYMMDD and HHMM: a
			// valid value, only too long.
			code = checkValue(el, r, ctrl)
			if code == "" {
				code = "5"
			}
		default:
			code = checkValue(el, r, ctrl)
		}
		if code == "" && i == 4 && !ta1AckCodes.has(el) {
			code = "7"
		}
		if code == "" && i == 5 && !ta1NoteCodes.has(el) {
			code = "7"
		}
		if code != "" {
			bad(i, code)
		}
	}
}
