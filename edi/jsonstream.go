package edi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
)

// JSONOptions adjust EncodeJSON.
type JSONOptions struct {
	// Mask hides element values that may be PHI, as Mask does.
	Mask bool
	// Compact writes the JSON without indentation (about half the bytes).
	Compact bool
}

// ErrJSONLayout is returned (wrapped) by EncodeJSON for input whose bytes
// the JSON form cannot give back exactly.
var ErrJSONLayout = errors.New("x12 json: layout cannot be kept exactly")

// EncodeJSON reads X12 from r and writes its loop-structured JSON form (a
// JSON array of JSONInterchange, followed by a newline) to w as it reads:
// each segment is written once the next one is read, and loops open and
// close as the guide's recognizer places segments, so memory does not grow
// with the file, nor with a transaction set. DecodeJSON gives back the
// same bytes, including the line breaks between segments and after the
// last one.
//
// The envelope is checked as Parse checks it, with the same *ParseError.
// On an error the JSON written so far is incomplete.
func EncodeJSON(w io.Writer, r io.Reader, opts *JSONOptions) error {
	load()
	if loadErr != nil {
		return loadErr
	}
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	e := &jsonEncoder{rd: NewReader(r)}
	e.j.w = bw
	if opts != nil {
		e.mask, e.j.compact = opts.Mask, opts.Compact
	}
	err := e.run()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// pending tells what the last segment written still needs once the layout
// after it is known.
type pending uint8

const (
	pendNone   pending = iota
	pendHeader         // an ISA held until the layout after it is known
	pendItem           // a JSONItem object left open for "after"
	pendEnv            // an envelope array: its "<ID>_after" member follows
	pendTA1            // a TA1: its layout goes to "TA1_after" when any differs
)

type jsonEncoder struct {
	j    jsonWriter
	rd   *Reader
	mask bool

	d       Delimiters
	newline []byte // layout after each segment of this interchange
	nIC     int

	pend    pending
	pendKey string // "ISA_after", "GS_after", ...
	isa     Seg    // held ISA (pendHeader)
	before  []byte // layout before the held ISA
	// containers to close once the layout after the last segment is written
	closeTx, closeGroup, closeIC bool

	inIC, inGroup, inTx bool
	ta1Open, groupsOpen bool
	ta1Gaps             [][]byte // the layout after each TA1
	ta1Odd              bool     // some TA1 layout is not the newline
	txOpen              bool
	gs08                string

	v     validator
	loops int // open loop objects of the transaction set, the root included

	els [][]byte // the elements of the segment being written
	id  []byte   // element ID scratch ("NM101", "SV101-2")
}

func (e *jsonEncoder) run() error {
	e.j.open('[')
	e.v = validator{rep: &Report{}, opts: Options{MaxErrors: 1, SkipBalancing: true}}
	e.v.rec.onPush = e.push
	e.v.rec.onPop = e.pop
	unterminated := false
	for {
		s, err := e.rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if e.rd.gapOver {
			return e.layoutErr(s, "more than 4 KiB of line breaks between segments")
		}
		if s.crs > 0 {
			return e.layoutErr(s, "carriage returns before a line-feed segment terminator")
		}
		if e.nIC == 0 && !e.inIC && e.pend == pendNone {
			e.before = append(e.before[:0], e.rd.gap...)
		}
		if err := e.flush(e.rd.gap, false); err != nil {
			return err
		}
		if err := e.segment(s); err != nil {
			return err
		}
		unterminated = s.Unterminated
	}
	if e.inIC {
		return &ParseError{Index: e.rd.index, SegID: "IEA", TA1: "023", Msg: "interchange has no IEA"}
	}
	if e.rd.gapOver {
		return &SyntaxError{Offset: e.rd.base + int64(e.rd.start), Index: e.rd.index, TA1: "023",
			Err: errors.Join(ErrJSONLayout, errors.New("more than 4 KiB of line breaks after the last segment"))}
	}
	if err := e.flush(e.rd.gap, unterminated); err != nil {
		return err
	}
	if e.nIC == 0 {
		return &ParseError{Index: 0, SegID: "ISA", TA1: "022", Msg: "no interchange found"}
	}
	e.j.close(']')
	e.j.w.WriteByte('\n')
	return nil
}

func (e *jsonEncoder) layoutErr(s *Segment, what string) error {
	return &SyntaxError{Offset: s.Offset, Index: s.Index, TA1: "023", Err: errors.Join(ErrJSONLayout, errors.New(what))}
}

// flush completes the last segment written now that the layout after it
// (gap) is known, and closes the containers it ended.
func (e *jsonEncoder) flush(gap []byte, unterminated bool) error {
	switch e.pend {
	case pendHeader:
		e.newline = append(e.newline[:0], gap...)
		e.header()
	case pendItem:
		if !bytes.Equal(gap, e.newline) {
			e.j.key("after")
			e.j.strBytes("", nonNil(gap))
		}
		e.j.close('}')
	case pendEnv:
		if unterminated {
			e.j.key("unterminated")
			e.j.w.WriteString("true")
		} else if !bytes.Equal(gap, e.newline) {
			e.j.key(e.pendKey)
			e.j.strBytes("", nonNil(gap))
		}
	case pendTA1:
		e.ta1Gaps = append(e.ta1Gaps, append([]byte(nil), gap...))
		e.ta1Odd = e.ta1Odd || !bytes.Equal(gap, e.newline)
	}
	e.pend = pendNone
	if e.closeTx {
		for ; e.loops > 0; e.loops-- {
			e.j.close(']')
			e.j.close('}')
		}
		e.j.close('}')
		e.closeTx = false
	}
	if e.closeGroup {
		e.j.close('}')
		e.closeGroup = false
	}
	if e.closeIC {
		e.j.close('}')
		e.closeIC = false
	}
	return nil
}

// header writes the interchange's first members: the layout and
// delimiters, then the held ISA.
func (e *jsonEncoder) header() {
	j := &e.j
	j.member()
	j.open('{')
	if len(e.before) > 0 {
		j.key("before")
		j.strBytes("", e.before)
	}
	j.key("delimiters")
	j.open('{')
	for _, kv := range []struct {
		k string
		c byte
	}{{"element", e.d.Element}, {"repetition", e.d.Repetition}, {"component", e.d.Component}, {"segment", e.d.Segment}} {
		j.key(kv.k)
		j.text([]byte{kv.c})
	}
	j.close('}')
	if len(e.newline) > 0 {
		j.key("newline")
		j.strBytes("", e.newline)
	}
	j.key("ISA")
	j.open('[')
	for _, el := range e.isa[1:] {
		j.member()
		j.text([]byte(el))
	}
	j.close(']')
	e.before = e.before[:0]
}

// segment handles one segment, checking the envelope nesting as parse does.
func (e *jsonEncoder) segment(s *Segment) error {
	tag := s.Tag()
	perr := func(code, msg string) error {
		return &ParseError{Index: s.Index, SegID: safeID(s.Element(0)), TA1: code, Msg: msg}
	}
	j := &e.j
	switch {
	case tag == tagISA:
		if e.inIC {
			return perr("023", "ISA before the previous interchange's IEA")
		}
		e.inIC, e.d, e.isa = true, s.Delims, s.Copy()
		e.ta1Open, e.groupsOpen = false, false
		e.pend = pendHeader
		e.nIC++
	case !e.inIC:
		return perr("022", "segment outside an interchange")
	case e.inTx && tag != tagSE && tag != tagST && tag != tagGE && tag != tagIEA && tag != tagGS:
		e.txSegment(s, false)
	case tag == tagSE:
		if !e.inTx {
			return perr("024", "SE without ST")
		}
		e.txSegment(s, false)
		e.inTx, e.closeTx = false, true
	case tag == tagST:
		if !e.inGroup {
			return perr("024", "ST outside a functional group")
		}
		if e.inTx {
			return perr("024", "ST before the previous transaction's SE")
		}
		if !e.txOpen {
			j.key("transactions")
			j.open('[')
			e.txOpen = true
		}
		e.inTx = true
		e.txSegment(s, true)
	case tag == tagGS:
		if e.inGroup || e.inTx {
			return perr("024", "GS before the previous group's GE")
		}
		e.closeTA1()
		if !e.groupsOpen {
			j.key("groups")
			j.open('[')
			e.groupsOpen = true
		}
		j.member()
		j.open('{')
		e.env("GS", s)
		e.inGroup, e.txOpen, e.gs08 = true, false, string(s.Element(8))
	case tag == tagGE:
		if !e.inGroup || e.inTx {
			return perr("024", "GE without GS or inside a transaction")
		}
		if e.txOpen {
			j.close(']')
		} else {
			j.key("transactions")
			j.w.WriteString("null")
		}
		e.env("GE", s)
		e.inGroup, e.closeGroup = false, true
	case tag == tagTA1 && !e.inGroup:
		if e.groupsOpen {
			return e.layoutErr(s, "a TA1 after a functional group")
		}
		if !e.ta1Open {
			j.key("TA1")
			j.open('[')
			e.ta1Open = true
		}
		j.member()
		j.texts(s)
		e.pend = pendTA1
	case tag == tagIEA:
		if e.inGroup || e.inTx {
			return perr("024", "IEA inside a functional group")
		}
		e.closeTA1()
		if e.groupsOpen {
			j.close(']')
		} else {
			j.key("groups")
			j.w.WriteString("null")
		}
		e.env("IEA", s)
		e.inIC, e.closeIC = false, true
	default:
		return perr("024", "segment outside a functional group")
	}
	return nil
}

// closeTA1 ends the TA1 array, and writes "TA1_after" (the layout after
// each TA1) when one of them is not the newline.
func (e *jsonEncoder) closeTA1() {
	if !e.ta1Open {
		return
	}
	e.j.close(']')
	if e.ta1Odd {
		e.j.key("TA1_after")
		e.j.open('[')
		for _, g := range e.ta1Gaps {
			e.j.member()
			e.j.strBytes("", nonNil(g))
		}
		e.j.close(']')
	}
	e.ta1Open, e.ta1Odd, e.ta1Gaps = false, false, e.ta1Gaps[:0]
}

// env writes an envelope segment as "<ID>": [elements].
func (e *jsonEncoder) env(id string, s *Segment) {
	e.j.key(id)
	e.j.texts(s)
	e.pend, e.pendKey = pendEnv, id+"_after"
}

// txSegment places a transaction-set segment with the guide's recognizer
// and writes it into the loop it belongs to.
func (e *jsonEncoder) txSegment(s *Segment, st bool) {
	rec := &e.v.rec
	if st {
		j := &e.j
		j.member()
		j.open('{')
		ref := string(s.Element(3))
		if ref == "" {
			ref = e.gs08
		}
		g := guideFor(ref, string(s.Element(1)))
		if g != nil {
			j.key("guide")
			j.str(g.ID)
		}
		j.key("loop")
		e.loops = 0
		rec.reset(g)
		rec.start(&e.v, s)
	} else {
		rec.step(&e.v, s)
	}
	if e.loops == 0 {
		e.openLoop("HEADER", "Transaction Set Header", true)
	}
	e.writeSeg(s, rec.place)
	e.pend = pendItem
}

func (e *jsonEncoder) openLoop(id, name string, root bool) {
	j := &e.j
	if !root {
		j.member()
	}
	j.open('{')
	j.key("loop")
	j.str(id)
	if name != "" {
		j.key("name")
		j.str(name)
	}
	j.key("content")
	j.open('[')
	e.loops++
}

// push and pop follow the recognizer's loop openings and closings.
func (e *jsonEncoder) push(n *node, _ int) {
	if e.loops == 0 {
		e.openLoop("HEADER", n.Name, true)
		return
	}
	e.openLoop(n.ID, n.Name, false)
}

func (e *jsonEncoder) pop(_ *node, _ int) {
	if e.loops > 1 {
		e.j.close(']')
		e.j.close('}')
		e.loops--
	}
}

// writeSeg writes a transaction-set segment as a JSONItem object straight
// from the tokenizer's view (as segToJSON and the in-memory form shape
// it), leaving the object open for its "after" member.
func (e *jsonEncoder) writeSeg(s *Segment, n *node) {
	els := e.els[:0]
	if e.mask {
		seg := s.Copy()
		maskSeg(seg, n, e.d)
		for _, v := range seg {
			els = append(els, []byte(v))
		}
	} else {
		for i := range s.seps {
			els = append(els, s.Element(i))
		}
	}
	e.els = els
	j := &e.j
	j.member()
	j.open('{')
	j.key("segment")
	j.text(els[0])
	var rules []elemRule
	if n != nil {
		rules = n.Elems
		if n.Name != "" {
			j.key("name")
			j.str(n.Name)
		}
	} else if ds := segmentDef(string(els[0])); ds != nil {
		rules = ds.Elems
		if ds.Name != "" {
			j.key("name")
			j.str(ds.Name)
		}
	}
	if len(els) < 2 {
		return
	}
	j.key("elements")
	j.open('[')
	for i := 1; i < len(els); i++ {
		var r *elemRule
		if i <= len(rules) {
			r = &rules[i-1]
		}
		e.id = append(e.id[:0], els[0]...)
		if i < 10 {
			e.id = append(e.id, '0')
		}
		e.id = strconv.AppendInt(e.id, int64(i), 10)
		j.member()
		e.element(els[i], r)
	}
	j.close(']')
}

// element writes one element as elemToJSON shapes it: repetitions, then
// components, then a plain value.
func (e *jsonEncoder) element(raw []byte, r *elemRule) {
	j := &e.j
	j.open('{')
	j.key("id")
	j.strBytes("", e.id)
	if r != nil && r.Name != "" {
		j.key("name")
		j.str(r.Name)
	}
	if len(raw) > 0 && e.d.Repetition != 'U' && bytes.IndexByte(raw, e.d.Repetition) >= 0 {
		j.key("repeats")
		j.open('[')
		for {
			k := bytes.IndexByte(raw, e.d.Repetition)
			part := raw
			if k >= 0 {
				part = raw[:k]
			}
			j.member()
			j.open('{')
			e.value(part, r, false)
			j.close('}')
			if k < 0 {
				break
			}
			raw = raw[k+1:]
		}
		j.close(']')
		j.close('}')
		return
	}
	e.value(raw, r, true)
	j.close('}')
}

// value writes the members of valueToJSON's result after id and name:
// "components" (with IDs when withID) or "value".
func (e *jsonEncoder) value(raw []byte, r *elemRule, withID bool) {
	j := &e.j
	if len(raw) == 0 || !(r != nil && r.Type == typeC || bytes.IndexByte(raw, e.d.Component) >= 0) {
		j.key("value")
		j.text(raw)
		return
	}
	j.key("components")
	j.open('[')
	base := len(e.id)
	for c := 0; ; c++ {
		k := bytes.IndexByte(raw, e.d.Component)
		part := raw
		if k >= 0 {
			part = raw[:k]
		}
		j.member()
		j.open('{')
		if withID {
			e.id = strconv.AppendInt(append(e.id[:base], '-'), int64(c+1), 10)
			j.key("id")
			j.strBytes("", e.id)
		}
		if r != nil && c < len(r.Comps) && r.Comps[c].Name != "" {
			j.key("name")
			j.str(r.Comps[c].Name)
		}
		j.key("value")
		j.text(part)
		j.close('}')
		if k < 0 {
			break
		}
		raw = raw[k+1:]
	}
	e.id = e.id[:base]
	j.close(']')
}
