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
	n := 0
	ok, err := x.s.array("the document must be a JSON array", func(int) error {
		n++
		return x.interchange()
	})
	if err := present(ok, err, "the document must be a JSON array"); err != nil {
		return err
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
	_, err := x.s.array(what+" must be an array of strings", func(int) error {
		t, err := x.s.text(what + " must be an array of strings")
		if err == nil {
			fn(t)
		}
		return err
	})
	return err
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
	x.haveD, x.newline = false, ""
	sawISA := false
	ok, err := x.s.object("an interchange must be an object", func(kb []byte) (err error) {
		switch k := string(kb); k {
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
				x.newline, err = x.layout(k)
			default:
				err = x.delimiters()
			}
		case "ISA", "IEA":
			err = x.envelope(k)
			sawISA = sawISA || err == nil
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
		return err
	})
	if err := present(ok, err, "null interchange"); err != nil {
		return err
	}
	x.flush()
	return nil
}

func (x *jsonDecoder) delimiters() error {
	const what = `"delimiters" must be an object of strings`
	var d [4]int // element, repetition, component, segment; -1 when not one byte
	ok, err := x.s.object(what, func(kb []byte) error {
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
			return x.s.skip()
		}
		t, err := x.s.text(what)
		if err != nil {
			return err
		}
		d[i] = -1
		if len(t) == 1 {
			d[i] = int(t[0]) + 1
		}
		return nil
	})
	if err := present(ok, err, what); err != nil {
		return err
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
	_, err := x.s.array(`"TA1" must be an array of arrays of strings`, func(int) error {
		var t []Text
		err := x.texts(`"TA1"`, func(b []byte) { t = append(t, Text(b)) })
		ts = append(ts, t)
		return err
	})
	if err != nil {
		return err
	}
	x.flush()
	x.ta1s = ts
	return nil
}

func (x *jsonDecoder) readTA1After() error {
	var gaps []string
	_, err := x.s.array(`"TA1_after" must be an array of strings`, func(int) error {
		g, err := x.layout(`"TA1_after"`)
		gaps = append(gaps, g)
		return err
	})
	if err != nil {
		return err
	}
	if x.ta1s == nil || len(gaps) != len(x.ta1s) {
		return jsonErr(`"TA1_after" must follow "TA1", one entry per TA1`)
	}
	x.ta1After = gaps
	return nil
}

func (x *jsonDecoder) groups() error {
	_, err := x.s.array(`"groups" must be a JSON array or null`, func(int) error { return x.group() })
	return err
}

func (x *jsonDecoder) group() error {
	sawGS := false
	ok, err := x.s.object("a group must be an object", func(kb []byte) (err error) {
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
		return err
	})
	return present(ok, err, "a group must be an object")
}

func (x *jsonDecoder) transactions() error {
	_, err := x.s.array(`"transactions" must be a JSON array or null`, func(int) error {
		ok, err := x.s.object("a transaction must be an object", func(kb []byte) error {
			if string(kb) == "loop" {
				return x.item(0)
			}
			return x.s.skip()
		})
		return present(ok, err, "a transaction must be an object")
	})
	return err
}
