package edi

import (
	"bufio"
	"errors"
	"io"
)

// DecodeJSON reads the JSON form written by EncodeJSON (or MarshalX12JSON)
// from r and writes the X12 it stands for to w. It reads the JSON value by
// value with its own scanner and writes each segment as soon as its object
// ends, so memory does not grow with the document. Members must come in
// the order EncodeJSON writes them where order matters: "before",
// "delimiters" and "newline" before "ISA"; "GS" before "transactions"
// before "GE"; "loop" before "content". Unknown members are skipped.
//
// Layout: "newline" follows every segment terminator unless the segment
// says otherwise ("after" in a segment item, "ISA_after", "GS_after",
// "GE_after", "IEA_after", "TA1_after"); "before" precedes the ISA;
// "unterminated" leaves the IEA without its terminator. Layout strings
// hold only CR and LF.
func DecodeJSON(w io.Writer, r io.Reader) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	x := &jsonDecoder{s: jsonScanner{r: br}, w: bw}
	err := x.run()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// maxJSONDepth bounds the nesting of loops and elements in the JSON form.
const maxJSONDepth = 512

type jsonDecoder struct {
	s jsonScanner
	w *bufio.Writer

	d       Delimiters
	haveD   bool
	newline string

	// The last envelope segment written waits for its terminator and the
	// layout after it, which its "<ID>_after" member may change.
	pendID     string
	pendGap    *string
	pendUnterm bool

	// TA1s are few: they are held until "TA1_after" may have come.
	ta1s     [][]Text
	ta1After []string

	seg   []byte      // the segment item being read
	elems []elemParts // per nesting depth of elements
}

func jsonErr(msg string) error { return errors.New("x12 from-json: " + msg) }

// layout reads a layout string: CR and LF only.
func (x *jsonDecoder) layout(what string) (string, error) {
	b, err := x.s.str(what + " must be a string")
	if err != nil {
		return "", err
	}
	for _, c := range b {
		if c != '\r' && c != '\n' {
			return "", jsonErr(what + " may hold only CR and LF")
		}
	}
	return string(b), nil
}

func (x *jsonDecoder) run() error {
	if ok, err := x.s.open('[', "the document must be a JSON array"); err != nil || !ok {
		if err == nil {
			err = jsonErr("the document must be a JSON array")
		}
		return err
	}
	n := 0
	for first := true; ; {
		ok, err := x.s.more(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := x.interchange(); err != nil {
			return err
		}
		n++
	}
	if c, err := x.s.peek(); err != nil || c != 0 {
		if err == nil {
			err = jsonErr("data after the array of interchanges")
		}
		return err
	}
	if n == 0 {
		return jsonErr("no interchange")
	}
	return nil
}

// flush ends the pending envelope segment, then writes the pending TA1s.
func (x *jsonDecoder) flush() {
	if x.pendID != "" {
		if !x.pendUnterm {
			x.w.WriteByte(x.d.Segment)
			if x.pendGap != nil {
				x.w.WriteString(*x.pendGap)
			} else {
				x.w.WriteString(x.newline)
			}
		}
		x.pendID, x.pendGap, x.pendUnterm = "", nil, false
	}
	for i, t := range x.ta1s {
		x.w.WriteString("TA1")
		for _, e := range t {
			x.w.WriteByte(x.d.Element)
			x.w.WriteString(string(e))
		}
		x.w.WriteByte(x.d.Segment)
		if x.ta1After != nil {
			x.w.WriteString(x.ta1After[i])
		} else {
			x.w.WriteString(x.newline)
		}
	}
	x.ta1s, x.ta1After = nil, nil
}

// texts reads an array of Text (or null), calling fn with each.
func (x *jsonDecoder) texts(what string, fn func([]byte)) error {
	ok, err := x.s.open('[', what+" must be an array of strings")
	if err != nil || !ok {
		return err
	}
	for first := true; ; {
		more, err := x.s.more(&first)
		if err != nil || !more {
			return err
		}
		t, err := x.s.text(what + " must be an array of strings")
		if err != nil {
			return err
		}
		fn(t)
	}
}

// envelope reads an array of Text and writes it as segment id, leaving
// the terminator pending.
func (x *jsonDecoder) envelope(id string) error {
	if !x.haveD {
		return jsonErr(`"delimiters" must come before "` + id + `"`)
	}
	x.flush()
	x.w.WriteString(id)
	x.pendID = id
	return x.texts(id, func(t []byte) {
		x.w.WriteByte(x.d.Element)
		x.w.Write(t)
	})
}

// after applies an "<ID>_after" member to the pending segment ID.
func (x *jsonDecoder) after(id string) error {
	s, err := x.layout(id + "_after")
	if err != nil {
		return err
	}
	if x.pendID != id {
		return jsonErr(`"` + id + `_after" must follow "` + id + `"`)
	}
	x.pendGap = &s
	return nil
}

func (x *jsonDecoder) interchange() error {
	if ok, err := x.s.open('{', "an interchange must be an object"); err != nil || !ok {
		if err == nil {
			err = jsonErr("null interchange")
		}
		return err
	}
	x.haveD, x.newline = false, ""
	sawISA := false
	for first := true; ; {
		kb, ok, err := x.s.key(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		k := string(kb)
		switch k {
		case "before", "delimiters", "newline":
			if sawISA {
				return jsonErr(`"` + k + `" must come before "ISA"`)
			}
			switch k {
			case "before":
				s, err := x.layout(k)
				if err != nil {
					return err
				}
				x.flush()
				x.w.WriteString(s)
			case "newline":
				if x.newline, err = x.layout(k); err != nil {
					return err
				}
			default:
				if err := x.delimiters(); err != nil {
					return err
				}
			}
		case "ISA", "IEA":
			if err := x.envelope(k); err != nil {
				return err
			}
			sawISA = true
		case "ISA_after", "IEA_after":
			err = x.after(k[:3])
		case "unterminated":
			var b bool
			if b, err = x.s.boolean(`"unterminated" must be true or false`); err != nil {
				return err
			}
			if x.pendID != "IEA" {
				return jsonErr(`"unterminated" must follow "IEA"`)
			}
			x.pendUnterm = b
		case "TA1":
			err = x.ta1()
		case "TA1_after":
			err = x.readTA1After()
		case "groups":
			err = x.groups()
		default:
			err = x.s.skip()
		}
		if err != nil {
			return err
		}
	}
	x.flush()
	return nil
}

func (x *jsonDecoder) delimiters() error {
	if ok, err := x.s.open('{', `"delimiters" must be an object of strings`); err != nil || !ok {
		if err == nil {
			err = jsonErr(`"delimiters" must be an object of strings`)
		}
		return err
	}
	var d [4]int // element, repetition, component, segment; -1 when not one byte
	for first := true; ; {
		kb, ok, err := x.s.key(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		i := -1
		switch string(kb) {
		case "element":
			i = 0
		case "repetition":
			i = 1
		case "component":
			i = 2
		case "segment":
			i = 3
		}
		if i < 0 {
			if err := x.s.skip(); err != nil {
				return err
			}
			continue
		}
		t, err := x.s.text(`"delimiters" must be an object of strings`)
		if err != nil {
			return err
		}
		d[i] = -1
		if len(t) == 1 {
			d[i] = int(t[0]) + 1
		}
	}
	for _, v := range d {
		if v <= 0 {
			return jsonErr("each delimiter must be one character")
		}
	}
	dd := Delimiters{Element: byte(d[0] - 1), Repetition: byte(d[1] - 1), Component: byte(d[2] - 1), Segment: byte(d[3] - 1)}
	if !validDelims(dd) {
		return jsonErr("delimiters are not distinct or are alphanumeric")
	}
	x.d, x.haveD = dd, true
	return nil
}

func (x *jsonDecoder) ta1() error {
	if !x.haveD {
		return jsonErr(`"delimiters" must come before "TA1"`)
	}
	var ts [][]Text
	ok, err := x.s.open('[', `"TA1" must be an array of arrays of strings`)
	if err != nil {
		return err
	}
	for first := ok; ok; {
		more, err := x.s.more(&first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var t []Text
		err = x.texts(`"TA1"`, func(b []byte) { t = append(t, Text(b)) })
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	x.flush()
	x.ta1s = ts
	return nil
}

func (x *jsonDecoder) readTA1After() error {
	var gaps []string
	ok, err := x.s.open('[', `"TA1_after" must be an array of strings`)
	if err != nil {
		return err
	}
	for first := ok; ok; {
		more, err := x.s.more(&first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		g, err := x.layout(`"TA1_after"`)
		if err != nil {
			return err
		}
		gaps = append(gaps, g)
	}
	if x.ta1s == nil || len(gaps) != len(x.ta1s) {
		return jsonErr(`"TA1_after" must follow "TA1", one entry per TA1`)
	}
	x.ta1After = gaps
	return nil
}

func (x *jsonDecoder) groups() error {
	ok, err := x.s.open('[', `"groups" must be a JSON array or null`)
	if err != nil || !ok {
		return err
	}
	for first := true; ; {
		more, err := x.s.more(&first)
		if err != nil || !more {
			return err
		}
		if err := x.group(); err != nil {
			return err
		}
	}
}

func (x *jsonDecoder) group() error {
	if ok, err := x.s.open('{', "a group must be an object"); err != nil || !ok {
		if err == nil {
			err = jsonErr("a group must be an object")
		}
		return err
	}
	sawGS := false
	for first := true; ; {
		kb, ok, err := x.s.key(&first)
		if err != nil || !ok {
			return err
		}
		switch k := string(kb); k {
		case "GS", "GE":
			err = x.envelope(k)
			sawGS = sawGS || k == "GS"
		case "GS_after", "GE_after":
			err = x.after(k[:2])
		case "transactions":
			if !sawGS {
				return jsonErr(`"GS" must come before "transactions"`)
			}
			err = x.transactions()
		default:
			err = x.s.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (x *jsonDecoder) transactions() error {
	ok, err := x.s.open('[', `"transactions" must be a JSON array or null`)
	if err != nil || !ok {
		return err
	}
	for first := true; ; {
		more, err := x.s.more(&first)
		if err != nil || !more {
			return err
		}
		if ok, err := x.s.open('{', "a transaction must be an object"); err != nil || !ok {
			if err == nil {
				err = jsonErr("a transaction must be an object")
			}
			return err
		}
		for first := true; ; {
			kb, ok, err := x.s.key(&first)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if string(kb) == "loop" {
				err = x.item(0)
			} else {
				err = x.s.skip()
			}
			if err != nil {
				return err
			}
		}
	}
}

// item reads a loop (streaming its content) or a segment (its text built
// in x.seg, then written with its terminator and layout).
func (x *jsonDecoder) item(depth int) error {
	if depth > maxJSONDepth {
		return jsonErr("loops nested too deeply")
	}
	if ok, err := x.s.open('{', "a loop or segment must be an object"); err != nil || !ok {
		if err == nil {
			err = jsonErr("a loop or segment must be an object")
		}
		return err
	}
	var (
		isLoop, sawSeg, sawContent bool
		gap                        *string
		idLen                      int
	)
	x.seg = x.seg[:0]
	for first := true; ; {
		kb, ok, err := x.s.key(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(kb) {
		case "loop":
			v, err := x.s.text(`"loop" must be a string`)
			if err != nil {
				return err
			}
			if sawContent && len(v) > 0 {
				return jsonErr(`"loop" must come before "content"`)
			}
			isLoop = len(v) > 0
		case "segment":
			v, err := x.s.text(`"segment" must be a string`)
			if err != nil {
				return err
			}
			// The ID goes first: keep the elements already read after it.
			rest := append([]byte(nil), x.seg[idLen:]...)
			x.seg = append(append(x.seg[:0], v...), rest...)
			idLen, sawSeg = len(v), true
		case "elements":
			x.seg = x.seg[:idLen]
			err = x.elements()
		case "after":
			s, err := x.layout(`"after"`)
			if err != nil {
				return err
			}
			gap = &s
		case "content":
			sawContent = true
			if !isLoop {
				if !sawSeg {
					return jsonErr(`"loop" must come before "content"`)
				}
				err = x.s.skip()
				break
			}
			err = x.content(depth)
		default:
			err = x.s.skip()
		}
		if err != nil {
			return err
		}
	}
	if isLoop {
		return nil
	}
	if !x.haveD {
		return jsonErr(`"delimiters" must come before the segments`)
	}
	x.flush()
	x.w.Write(x.seg)
	x.w.WriteByte(x.d.Segment)
	if gap != nil {
		x.w.WriteString(*gap)
	} else {
		x.w.WriteString(x.newline)
	}
	return nil
}

func (x *jsonDecoder) content(depth int) error {
	ok, err := x.s.open('[', `"content" must be a JSON array or null`)
	if err != nil || !ok {
		return err
	}
	for first := true; ; {
		more, err := x.s.more(&first)
		if err != nil || !more {
			return err
		}
		if err := x.item(depth + 1); err != nil {
			return err
		}
	}
}

// elements reads a segment's element array onto x.seg, each after an
// element separator.
func (x *jsonDecoder) elements() error {
	ok, err := x.s.open('[', `"elements" must be an array of elements`)
	if err != nil || !ok {
		return err
	}
	for first := true; ; {
		more, err := x.s.more(&first)
		if err != nil || !more {
			return err
		}
		v, err := x.element(0)
		if err != nil {
			return err
		}
		x.seg = append(append(x.seg, x.d.Element), v...)
	}
}

// elemParts collects one element's members: its value, its components
// joined and its repetitions joined, as elemText chooses among them.
type elemParts struct {
	val, comps, reps  []byte
	hasComps, hasReps bool
}

// element reads one JSONElement and returns its text (valid until the next
// element at the same depth): repeats over components over value, as
// elemText does.
func (x *jsonDecoder) element(depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, jsonErr("elements nested too deeply")
	}
	for len(x.elems) <= depth {
		x.elems = append(x.elems, elemParts{})
	}
	p := &x.elems[depth]
	p.val, p.comps, p.reps = p.val[:0], p.comps[:0], p.reps[:0]
	p.hasComps, p.hasReps = false, false
	if ok, err := x.s.open('{', `"elements" must be an array of elements`); err != nil || !ok {
		return p.val, err // null is an empty element
	}
	for first := true; ; {
		kb, ok, err := x.s.key(&first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch k := string(kb); k {
		case "value":
			v, err := x.s.text(`"value" must be a string`)
			if err != nil {
				return nil, err
			}
			p = &x.elems[depth]
			p.val = append(p.val[:0], v...)
		case "components", "repeats":
			sep := x.d.Component
			if k == "repeats" {
				sep = x.d.Repetition
			}
			p = &x.elems[depth]
			if k == "repeats" {
				p.reps, p.hasReps = p.reps[:0], false
			} else {
				p.comps, p.hasComps = p.comps[:0], false
			}
			ok, err := x.s.open('[', `"`+k+`" must be an array of elements`)
			if err != nil {
				return nil, err
			}
			for first, n := true, 0; ok; n++ {
				more, err := x.s.more(&first)
				if err != nil {
					return nil, err
				}
				if !more {
					break
				}
				v, err := x.element(depth + 1)
				if err != nil {
					return nil, err
				}
				p = &x.elems[depth]
				if k == "repeats" {
					if n > 0 {
						p.reps = append(p.reps, sep)
					}
					p.reps = append(p.reps, v...)
				} else {
					if n > 0 {
						p.comps = append(p.comps, sep)
					}
					p.comps = append(p.comps, v...)
				}
			}
			p = &x.elems[depth]
			if k == "repeats" {
				p.hasReps = ok
			} else {
				p.hasComps = ok
			}
		default:
			if err := x.s.skip(); err != nil {
				return nil, err
			}
		}
	}
	p = &x.elems[depth]
	switch {
	case p.hasReps:
		return p.reps, nil
	case p.hasComps:
		return p.comps, nil
	}
	return p.val, nil
}
