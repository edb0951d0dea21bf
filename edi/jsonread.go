package edi

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// DecodeJSON reads the JSON form written by EncodeJSON (or MarshalX12JSON)
// from r and writes the X12 it stands for to w. It reads the JSON token by
// token and writes each segment as soon as its object ends, so memory does
// not grow with the document. Members must come in the order EncodeJSON
// writes them where order matters: "before", "delimiters" and "newline"
// before "ISA"; "GS" before "transactions" before "GE"; "loop" before
// "content". Unknown members are skipped.
//
// Layout: "newline" follows every segment terminator unless the segment
// says otherwise ("after" in a segment item, "ISA_after", "GS_after",
// "GE_after", "IEA_after"); "before" precedes the ISA; "unterminated"
// leaves the IEA without its terminator. Layout strings hold only CR and
// LF.
func DecodeJSON(w io.Writer, r io.Reader) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	x := &jsonDecoder{dec: json.NewDecoder(r), w: bw}
	err := x.run()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// maxJSONDepth bounds the nesting of loops in the JSON form.
const maxJSONDepth = 512

type jsonDecoder struct {
	dec *json.Decoder
	w   *bufio.Writer

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

	els  []Text
	elsJ []JSONElement
}

func jsonErr(msg string) error { return errors.New("x12 from-json: " + msg) }

func (x *jsonDecoder) delim(want json.Delim, what string) error {
	t, err := x.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return jsonErr(what + " must be a JSON " + kindOf(want))
	}
	return nil
}

func kindOf(d json.Delim) string {
	if d == '[' {
		return "array"
	}
	return "object"
}

// openOrNull reads '[' (true) or null (false).
func (x *jsonDecoder) openOrNull(what string) (bool, error) {
	t, err := x.dec.Token()
	if err != nil {
		return false, err
	}
	if t == nil {
		return false, nil
	}
	if d, ok := t.(json.Delim); ok && d == '[' {
		return true, nil
	}
	return false, jsonErr(what + " must be a JSON array or null")
}

func (x *jsonDecoder) key() (string, bool, error) {
	t, err := x.dec.Token()
	if err != nil {
		return "", false, err
	}
	if d, ok := t.(json.Delim); ok && d == '}' {
		return "", false, nil
	}
	k, ok := t.(string)
	if !ok {
		return "", false, jsonErr("malformed object")
	}
	return k, true, nil
}

// skip reads and drops one value, token by token.
func (x *jsonDecoder) skip() error {
	depth := 0
	for {
		t, err := x.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// layout reads a layout string: CR and LF only.
func (x *jsonDecoder) layout(what string) (string, error) {
	var s string
	if err := x.dec.Decode(&s); err != nil {
		return "", jsonErr(what + " must be a string")
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '\r' && s[i] != '\n' {
			return "", jsonErr(what + " may hold only CR and LF")
		}
	}
	return s, nil
}

func (x *jsonDecoder) run() error {
	if err := x.delim('[', "the document"); err != nil {
		return err
	}
	n := 0
	for x.dec.More() {
		if err := x.interchange(); err != nil {
			return err
		}
		n++
	}
	if err := x.delim(']', "the document"); err != nil {
		return err
	}
	if _, err := x.dec.Token(); err != io.EOF {
		return jsonErr("data after the array of interchanges")
	}
	if n == 0 {
		return jsonErr("no interchange")
	}
	return nil
}

// flush ends the pending envelope segment, then writes the pending TA1s.
func (x *jsonDecoder) flush() {
	if x.pendID != "" {
		x.endPending()
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

func (x *jsonDecoder) endPending() {
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

// envelope reads an array of Text and writes it as segment id, leaving
// the terminator pending.
func (x *jsonDecoder) envelope(id string) error {
	if !x.haveD {
		return jsonErr(`"delimiters" must come before "` + id + `"`)
	}
	clear(x.els[:cap(x.els)])
	x.els = x.els[:0]
	if err := x.dec.Decode(&x.els); err != nil {
		return jsonErr(id + " must be an array of strings")
	}
	x.flush()
	x.w.WriteString(id)
	for _, e := range x.els {
		x.w.WriteByte(x.d.Element)
		x.w.WriteString(string(e))
	}
	x.pendID = id
	return nil
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
	if err := x.delim('{', "an interchange"); err != nil {
		return err
	}
	x.haveD, x.newline = false, ""
	sawISA := false
	for {
		k, ok, err := x.key()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
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
			if err := x.after(k[:3]); err != nil {
				return err
			}
		case "unterminated":
			var b bool
			if err := x.dec.Decode(&b); err != nil {
				return jsonErr(`"unterminated" must be true or false`)
			}
			if x.pendID != "IEA" {
				return jsonErr(`"unterminated" must follow "IEA"`)
			}
			x.pendUnterm = b
		case "TA1":
			if err := x.ta1(); err != nil {
				return err
			}
		case "TA1_after":
			if err := x.readTA1After(); err != nil {
				return err
			}
		case "groups":
			if err := x.groups(); err != nil {
				return err
			}
		default:
			if err := x.skip(); err != nil {
				return err
			}
		}
	}
	x.flush()
	return nil
}

func (x *jsonDecoder) delimiters() error {
	var jd JSONDelimiters
	if err := x.dec.Decode(&jd); err != nil {
		return jsonErr(`"delimiters" must be an object of strings`)
	}
	for _, s := range []Text{jd.Element, jd.Repetition, jd.Component, jd.Segment} {
		if len(s) != 1 {
			return jsonErr("each delimiter must be one character")
		}
	}
	d := Delimiters{Element: jd.Element[0], Repetition: jd.Repetition[0], Component: jd.Component[0], Segment: jd.Segment[0]}
	if !validDelims(d) {
		return jsonErr("delimiters are not distinct or are alphanumeric")
	}
	x.d, x.haveD = d, true
	return nil
}

func (x *jsonDecoder) ta1() error {
	if !x.haveD {
		return jsonErr(`"delimiters" must come before "TA1"`)
	}
	var ts [][]Text
	if err := x.dec.Decode(&ts); err != nil {
		return jsonErr(`"TA1" must be an array of arrays of strings`)
	}
	x.flush()
	x.ta1s = ts
	return nil
}

func (x *jsonDecoder) readTA1After() error {
	var gaps []string
	if err := x.dec.Decode(&gaps); err != nil {
		return jsonErr(`"TA1_after" must be an array of strings`)
	}
	if x.ta1s == nil || len(gaps) != len(x.ta1s) {
		return jsonErr(`"TA1_after" must follow "TA1", one entry per TA1`)
	}
	for _, g := range gaps {
		if strings.Trim(g, "\r\n") != "" {
			return jsonErr(`"TA1_after" may hold only CR and LF`)
		}
	}
	x.ta1After = gaps
	return nil
}

func (x *jsonDecoder) groups() error {
	open, err := x.openOrNull(`"groups"`)
	if err != nil || !open {
		return err
	}
	for x.dec.More() {
		if err := x.group(); err != nil {
			return err
		}
	}
	return x.delim(']', `"groups"`)
}

func (x *jsonDecoder) group() error {
	if err := x.delim('{', "a group"); err != nil {
		return err
	}
	sawGS := false
	for {
		k, ok, err := x.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch k {
		case "GS", "GE":
			if err := x.envelope(k); err != nil {
				return err
			}
			sawGS = sawGS || k == "GS"
		case "GS_after", "GE_after":
			if err := x.after(k[:2]); err != nil {
				return err
			}
		case "transactions":
			if !sawGS {
				return jsonErr(`"GS" must come before "transactions"`)
			}
			if err := x.transactions(); err != nil {
				return err
			}
		default:
			if err := x.skip(); err != nil {
				return err
			}
		}
	}
}

func (x *jsonDecoder) transactions() error {
	open, err := x.openOrNull(`"transactions"`)
	if err != nil || !open {
		return err
	}
	for x.dec.More() {
		if err := x.delim('{', "a transaction"); err != nil {
			return err
		}
		for {
			k, ok, err := x.key()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if k == "loop" {
				err = x.item(0)
			} else {
				err = x.skip()
			}
			if err != nil {
				return err
			}
		}
	}
	return x.delim(']', `"transactions"`)
}

// item reads a loop (streaming its content) or a segment (buffered, then
// written with its terminator and layout).
func (x *jsonDecoder) item(depth int) error {
	if depth > maxJSONDepth {
		return jsonErr("loops nested too deeply")
	}
	if err := x.delim('{', "a loop or segment"); err != nil {
		return err
	}
	var (
		isLoop, sawSeg, sawContent bool
		id                         Text
		gap                        *string
	)
	x.elsJ = x.elsJ[:0]
	for {
		k, ok, err := x.key()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch k {
		case "loop":
			var s string
			if err := x.dec.Decode(&s); err != nil {
				return jsonErr(`"loop" must be a string`)
			}
			if sawContent && s != "" {
				return jsonErr(`"loop" must come before "content"`)
			}
			isLoop = s != ""
		case "segment":
			if err := x.dec.Decode(&id); err != nil {
				return jsonErr(`"segment" must be a string`)
			}
			sawSeg = true
		case "elements":
			// Decode reuses the slice's elements: start from zero values.
			clear(x.elsJ[:cap(x.elsJ)])
			if err := x.dec.Decode(&x.elsJ); err != nil {
				return jsonErr(`"elements" must be an array of elements`)
			}
		case "after":
			s, err := x.layout(k)
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
				if err := x.skip(); err != nil {
					return err
				}
				continue
			}
			open, err := x.openOrNull(`"content"`)
			if err != nil {
				return err
			}
			if !open {
				continue
			}
			for x.dec.More() {
				if err := x.item(depth + 1); err != nil {
					return err
				}
			}
			if err := x.delim(']', `"content"`); err != nil {
				return err
			}
		default:
			if err := x.skip(); err != nil {
				return err
			}
		}
	}
	if isLoop {
		return nil
	}
	if !x.haveD {
		return jsonErr(`"delimiters" must come before the segments`)
	}
	x.flush()
	x.w.WriteString(string(id))
	for _, e := range x.elsJ {
		x.w.WriteByte(x.d.Element)
		x.w.WriteString(elemText(e, x.d))
	}
	x.w.WriteByte(x.d.Segment)
	if gap != nil {
		x.w.WriteString(*gap)
	} else {
		x.w.WriteString(x.newline)
	}
	return nil
}
