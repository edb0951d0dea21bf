package edi

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Seg is an owned segment: Seg[0] is the segment ID, Seg[i] element i as
// raw text (composites and repetitions keep the interchange's separators).
type Seg []string

// ID returns the segment ID.
func (s Seg) ID() string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// El returns element i (1-based), or "" past the end.
func (s Seg) El(i int) string {
	if i <= 0 || i >= len(s) {
		return ""
	}
	return s[i]
}

// Comp returns component j (1-based) of element i split by sep. It does not
// allocate: the result is part of the element.
func (s Seg) Comp(sep byte, i, j int) string { return component(s.El(i), sep, j) }

// component returns component j (1-based) of element e split by sep, in
// one pass over the (short) element: no IndexByte call per component.
func component(e string, sep byte, j int) string {
	k, start := 1, 0
	for n := 0; n < len(e); n++ {
		if e[n] == sep {
			if k == j {
				return e[start:n]
			}
			k++
			start = n + 1
		}
	}
	if k == j {
		return e[start:]
	}
	return ""
}

// Interchange is a whole ISA/IEA envelope in memory.
type Interchange struct {
	Delims Delimiters
	// Newline is written after every segment terminator ("", "\n", "\r\n").
	Newline string
	ISA     Seg
	// TA1 holds interchange acknowledgments carried in this interchange.
	TA1    []Seg
	Groups []*Group
	IEA    Seg
}

// Group is a GS/GE functional group.
type Group struct {
	GS   Seg
	Sets []*Transaction
	GE   Seg
}

// Transaction is one ST/SE transaction set; Segments includes ST and SE.
type Transaction struct {
	Segments []Seg
}

// ST returns the transaction set header.
func (t *Transaction) ST() Seg {
	if len(t.Segments) == 0 {
		return nil
	}
	return t.Segments[0]
}

// ParseError is returned by Parse when the envelope structure is broken.
type ParseError struct {
	Index int // segment position in the stream
	SegID string
	TA1   string // TA105 code
	Msg   string
}

func (e *ParseError) Error() string {
	return "x12: segment " + strconv.Itoa(e.Index) + " (" + e.SegID + "): " + e.Msg + " [TA1 " + e.TA1 + "]"
}

// Parse reads every interchange in r into memory. It checks only the
// envelope nesting (ISA, GS, ST, SE, GE, IEA); use Validate for the rest.
func Parse(r io.Reader) ([]*Interchange, error) {
	return parse(NewReader(r), &segCopier{})
}

// ParseBytes is Parse over an in-memory buffer. It copies b once, into one
// string that every element is part of (so an element kept anywhere keeps
// that copy alive), and allocates no string per segment.
func ParseBytes(b []byte) ([]*Interchange, error) {
	return parse(NewBytesReader(b), &segCopier{src: string(b), whole: true})
}

// segCopier makes owned segments. Over a whole input held as one string
// (whole), elements are parts of it; otherwise each segment's text is one
// string. The Seg slices are cut from shared blocks.
type segCopier struct {
	src   string
	whole bool
	free  []string
	// walk, when set, receives the transaction sets' segments instead of
	// the interchanges (see WalkSets).
	walk *setWalker
}

func (c *segCopier) copy(s *Segment) Seg {
	n := len(s.seps)
	if n > len(c.free) {
		c.free = make([]string, max(n, 2048))
	}
	out := Seg(c.free[:n:n])
	c.free = c.free[n:]
	str := c.src
	if c.whole {
		str = str[s.Offset : s.Offset+int64(len(s.Data))]
	} else {
		str = string(s.Data)
	}
	start := 0
	for i, e := range s.seps {
		out[i] = str[start:e]
		start = int(e) + 1
	}
	return out
}

func parse(rd *Reader, c *segCopier) ([]*Interchange, error) {
	var out []*Interchange
	var ic *Interchange
	var g *Group
	var tx *Transaction
	for {
		s, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		tag := s.Tag()
		perr := func(code, msg string) error {
			return &ParseError{Index: s.Index, SegID: safeID(s.Element(0)), TA1: code, Msg: msg}
		}
		switch {
		case tag == tagISA:
			if ic != nil {
				return out, perr("023", "ISA before the previous interchange's IEA")
			}
			ic = &Interchange{Delims: s.Delims, ISA: c.copy(s)}
		case ic == nil:
			return out, perr("022", "segment outside an interchange")
		case tx != nil && tag != tagSE && tag != tagST && tag != tagGE && tag != tagIEA && tag != tagGS:
			if c.walk != nil {
				c.walk.seg(s)
				continue
			}
			tx.Segments = append(tx.Segments, c.copy(s))
		case tag == tagSE:
			if tx == nil {
				return out, perr("024", "SE without ST")
			}
			if c.walk != nil {
				c.walk.seg(s)
				tx = nil
				continue
			}
			tx.Segments = append(tx.Segments, c.copy(s))
			g.Sets = append(g.Sets, tx)
			tx = nil
		case tag == tagST:
			if g == nil {
				return out, perr("024", "ST outside a functional group")
			}
			if tx != nil {
				return out, perr("024", "ST before the previous transaction's SE")
			}
			if c.walk != nil {
				c.walk.start(s, c, g.GS.El(8))
				tx = &Transaction{}
				continue
			}
			tx = &Transaction{Segments: []Seg{c.copy(s)}}
		case tag == tagGS:
			if g != nil || tx != nil {
				return out, perr("024", "GS before the previous group's GE")
			}
			g = &Group{GS: c.copy(s)}
		case tag == tagGE:
			if g == nil || tx != nil {
				return out, perr("024", "GE without GS or inside a transaction")
			}
			g.GE = c.copy(s)
			ic.Groups = append(ic.Groups, g)
			g = nil
		case tag == tagTA1 && g == nil:
			ic.TA1 = append(ic.TA1, c.copy(s))
		case tag == tagIEA:
			if g != nil || tx != nil {
				return out, perr("024", "IEA inside a functional group")
			}
			ic.IEA = c.copy(s)
			ic.Newline = rd.Newline
			out = append(out, ic)
			ic = nil
		default:
			return out, perr("024", "segment outside a functional group")
		}
	}
	if ic != nil {
		return out, &ParseError{Index: rd.index, SegID: "IEA", TA1: "023", Msg: "interchange has no IEA"}
	}
	if len(out) == 0 {
		return out, &ParseError{Index: 0, SegID: "ISA", TA1: "022", Msg: "no interchange found"}
	}
	for _, ic := range out {
		ic.Newline = rd.Newline
	}
	return out, nil
}

// safeID returns a segment ID for error text: at most 3 alphanumerics.
func safeID(b []byte) string {
	if len(b) > 3 {
		b = b[:3]
	}
	for _, c := range b {
		if !isAlnum(c) {
			return "?"
		}
	}
	return string(b)
}

// Write renders interchanges with their own delimiters and layout.
func Write(w io.Writer, ics ...*Interchange) error {
	bw := bufio.NewWriter(w)
	for _, ic := range ics {
		seg := func(s Seg) {
			for i, e := range s {
				if i > 0 {
					bw.WriteByte(ic.Delims.Element)
				}
				bw.WriteString(e)
			}
			bw.WriteByte(ic.Delims.Segment)
			bw.WriteString(ic.Newline)
		}
		seg(ic.ISA)
		for _, t := range ic.TA1 {
			seg(t)
		}
		for _, g := range ic.Groups {
			seg(g.GS)
			for _, t := range g.Sets {
				for _, s := range t.Segments {
					seg(s)
				}
			}
			seg(g.GE)
		}
		seg(ic.IEA)
	}
	return bw.Flush()
}

// String renders the interchange as X12 text.
func (ic *Interchange) String() string {
	var b strings.Builder
	_ = Write(&b, ic)
	return b.String()
}

// Control assigns control numbers in Build. Each counter is the next number
// to use and is advanced as numbers are assigned.
type Control struct {
	Interchange int // ISA13 / IEA02 (9 digits)
	Group       int // GS06 / GE02
	Set         int // ST02 / SE02 (at least 4 digits)
}

// Build completes an interchange: it pads the ISA to its fixed width, sets
// the ISA11 and ISA16 separators, assigns control numbers from ctl (when ctl
// is not nil) and computes SE01, GE01 and IEA01. Missing trailers are added.
func Build(ic *Interchange, ctl *Control) error {
	if !validDelims(ic.Delims) {
		return errors.New("x12: build: invalid delimiters")
	}
	if len(ic.ISA) < 17 {
		isa := make(Seg, 17)
		copy(isa, ic.ISA)
		ic.ISA = isa
	}
	ic.ISA[0] = "ISA"
	ic.ISA[11] = string(ic.Delims.Repetition)
	ic.ISA[16] = string(ic.Delims.Component)
	if ctl != nil {
		ic.ISA[13] = pad0(ctl.Interchange, 9)
		ctl.Interchange++
	}
	for i, w := range isaWidths {
		if i == 0 {
			continue
		}
		ic.ISA[i] = fixWidth(ic.ISA[i], w, i == 13)
	}
	for _, g := range ic.Groups {
		if len(g.GS) < 9 {
			gs := make(Seg, 9)
			copy(gs, g.GS)
			g.GS = gs
		}
		g.GS[0] = "GS"
		if ctl != nil {
			g.GS[6] = strconv.Itoa(ctl.Group)
			ctl.Group++
		}
		for _, t := range g.Sets {
			if len(t.Segments) == 0 || t.Segments[0].ID() != "ST" {
				return errors.New("x12: build: transaction set does not start with ST")
			}
			st := t.Segments[0]
			if ctl != nil {
				st[2] = pad0(ctl.Set, 4)
				ctl.Set++
			}
			last := t.Segments[len(t.Segments)-1]
			if last.ID() != "SE" || len(t.Segments) == 1 {
				t.Segments = append(t.Segments, Seg{"SE", "", ""})
				last = t.Segments[len(t.Segments)-1]
			}
			last[1] = strconv.Itoa(len(t.Segments))
			last[2] = st.El(2)
		}
		g.GE = Seg{"GE", strconv.Itoa(len(g.Sets)), g.GS[6]}
	}
	ic.IEA = Seg{"IEA", strconv.Itoa(len(ic.Groups)), ic.ISA[13]}
	return nil
}

// isaWidths are the fixed widths of ISA01..ISA16.
var isaWidths = [17]int{0, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1}

func fixWidth(s string, w int, numeric bool) string {
	if len(s) >= w {
		return s[:w]
	}
	if numeric {
		return strings.Repeat("0", w-len(s)) + s
	}
	return s + strings.Repeat(" ", w-len(s))
}

func pad0(n, w int) string {
	s := strconv.Itoa(n)
	if len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return s
}
