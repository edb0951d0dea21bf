package edi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// JSONInterchange is the loop-structured JSON form of an interchange.
// EncodeJSON writes it and DecodeJSON turns it back into the identical X12
// bytes. Layout: Newline follows every segment terminator, except where a
// segment names its own ("after" on a segment item, ISA_after, GS_after,
// GE_after, IEA_after, and TA1_after with one entry per TA1); Before precedes the ISA (line breaks at the start
// of a file); Unterminated marks a final IEA without its terminator. The
// layout members are omitted when they are the default, so a file with
// the same line break after every segment has the shape it always had.
type JSONInterchange struct {
	Before       string         `json:"before,omitempty"`
	Delimiters   JSONDelimiters `json:"delimiters"`
	Newline      string         `json:"newline,omitempty"`
	ISA          []Text         `json:"ISA"`
	ISAAfter     *string        `json:"ISA_after,omitempty"`
	TA1          [][]Text       `json:"TA1,omitempty"`
	TA1After     []string       `json:"TA1_after,omitempty"`
	Groups       []JSONGroup    `json:"groups"`
	IEA          []Text         `json:"IEA"`
	IEAAfter     *string        `json:"IEA_after,omitempty"`
	Unterminated bool           `json:"unterminated,omitempty"`
}

// Text is a JSON string that keeps any bytes: valid UTF-8 is a plain
// string, anything else an object {"base64": "..."}.
type Text string

// MarshalJSON implements json.Marshaler.
func (t Text) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(t)) {
		return json.Marshal(string(t))
	}
	return json.Marshal(struct {
		B64 []byte `json:"base64"`
	}{[]byte(t)})
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text(s)
		return nil
	}
	var o struct {
		B64 []byte `json:"base64"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*t = Text(o.B64)
	return nil
}

// JSONDelimiters holds the four separators as one-character strings.
type JSONDelimiters struct {
	Element    Text `json:"element"`
	Repetition Text `json:"repetition"`
	Component  Text `json:"component"`
	Segment    Text `json:"segment"`
}

// JSONGroup is a functional group; GS and GE are raw element lists.
type JSONGroup struct {
	GS           []Text            `json:"GS"`
	GSAfter      *string           `json:"GS_after,omitempty"`
	Transactions []JSONTransaction `json:"transactions"`
	GE           []Text            `json:"GE"`
	GEAfter      *string           `json:"GE_after,omitempty"`
}

// JSONTransaction is one transaction set as a tree of guide loops.
type JSONTransaction struct {
	Guide string   `json:"guide,omitempty"`
	Loop  JSONItem `json:"loop"`
}

// JSONItem is a loop (Loop set, with Content) or a segment (Segment set,
// with Elements).
type JSONItem struct {
	Loop     string        `json:"loop,omitempty"`
	Segment  Text          `json:"segment,omitempty"`
	Name     string        `json:"name,omitempty"`
	Elements []JSONElement `json:"elements,omitempty"`
	Content  []JSONItem    `json:"content,omitempty"`
	// After is the layout after this segment when it is not the
	// interchange's Newline.
	After *string `json:"after,omitempty"`
}

// JSONElement is an element, component or repetition. Exactly one of
// Value, Components and Repeats is set.
type JSONElement struct {
	ID         string        `json:"id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Value      *Text         `json:"value,omitempty"`
	Components []JSONElement `json:"components,omitempty"`
	Repeats    []JSONElement `json:"repeats,omitempty"`
}

// ToJSON converts a parsed interchange to its loop-structured JSON form.
func ToJSON(ic *Interchange) (*JSONInterchange, error) {
	load()
	if loadErr != nil {
		return nil, loadErr
	}
	d := ic.Delims
	out := &JSONInterchange{
		Delimiters: JSONDelimiters{Text(d.Element), Text(d.Repetition), Text(d.Component), Text(d.Segment)},
		Newline:    ic.Newline, ISA: tail(ic.ISA), IEA: tail(ic.IEA),
	}
	for _, t := range ic.TA1 {
		out.TA1 = append(out.TA1, tail(t))
	}
	for _, g := range ic.Groups {
		jg := JSONGroup{GS: tail(g.GS), GE: tail(g.GE)}
		for _, t := range g.Sets {
			jg.Transactions = append(jg.Transactions, txToJSON(t, d, g.GS.El(8)))
		}
		out.Groups = append(out.Groups, jg)
	}
	return out, nil
}

func tail(s Seg) []Text {
	out := []Text{}
	for i := 1; i < len(s); i++ {
		out = append(out, Text(s[i]))
	}
	return out
}

func txToJSON(t *Transaction, d Delimiters, gs08 string) JSONTransaction {
	st := t.ST()
	ref := st.El(3)
	if ref == "" {
		ref = gs08
	}
	var g *Guide
	if gg := guideFor(ref, st.El(1)); gg != nil {
		g = gg
	}
	root := &JSONItem{Loop: "HEADER", Name: "Transaction Set Header"}
	stack := []*JSONItem{}
	v := &validator{rep: &Report{}, opts: Options{MaxErrors: 1, SkipBalancing: true}}
	rec := &recognizer{}
	rec.onPush = func(n *node, id int) {
		if len(stack) == 0 {
			root.Name = n.Name
			stack = append(stack, root)
			return
		}
		top := stack[len(stack)-1]
		top.Content = append(top.Content, JSONItem{Loop: n.ID, Name: n.Name})
		stack = append(stack, &top.Content[len(top.Content)-1])
	}
	rec.onPop = func(n *node, id int) {
		if len(stack) > 1 {
			stack = stack[:len(stack)-1]
		}
	}
	rec.reset(g)
	rec.placeOnly = true
	var sc segScratch
	out := JSONTransaction{}
	if g != nil {
		out.Guide = g.ID
	}
	for i, s := range t.Segments {
		view := sc.view(s, d, i+1)
		if i == 0 {
			rec.start(v, view)
		} else {
			rec.step(v, view)
		}
		if len(stack) == 0 {
			stack = append(stack, root)
		}
		top := stack[len(stack)-1]
		top.Content = append(top.Content, segToJSON(s, d, rec.place))
	}
	// Pointers into Content slices stay valid because each loop's Content
	// only grows while it is the innermost open loop.
	out.Loop = *root
	return out
}

// segScratch makes the Segment views the recognizer reads from owned
// segments, reusing one buffer: a view is valid until the next one.
type segScratch struct {
	seg Segment
	buf []byte
}

func (sc *segScratch) view(s Seg, d Delimiters, index int) *Segment {
	b, seps := sc.buf[:0], sc.seg.seps[:0]
	for i, e := range s {
		if i > 0 {
			b = append(b, d.Element)
		}
		b = append(b, e...)
		seps = append(seps, int32(len(b)))
	}
	sc.buf = b
	sc.seg = Segment{Index: index, Data: b, Delims: d, seps: seps}
	return &sc.seg
}

func segToJSON(s Seg, d Delimiters, n *node) JSONItem {
	it := JSONItem{Segment: Text(s.ID())}
	var rules []elemRule
	if n != nil {
		it.Name = n.Name
		rules = n.Elems
	} else if ds := segmentDef(s.ID()); ds != nil {
		it.Name = ds.Name
		rules = ds.Elems
	}
	for i := 1; i < len(s); i++ {
		var r *elemRule
		if i <= len(rules) {
			r = &rules[i-1]
		}
		id := s.ID() + pad2(i)
		it.Elements = append(it.Elements, elemToJSON(s[i], d, r, id))
	}
	return it
}

func pad2(i int) string {
	if i < 10 {
		return "0" + itoa(i)
	}
	return itoa(i)
}

func elemToJSON(raw string, d Delimiters, r *elemRule, id string) JSONElement {
	e := JSONElement{ID: id}
	if r != nil {
		e.Name = r.Name
	}
	if raw != "" && d.Repetition != 'U' && strings.IndexByte(raw, d.Repetition) >= 0 {
		for _, p := range strings.Split(raw, string(d.Repetition)) {
			e.Repeats = append(e.Repeats, valueToJSON(p, d, r, ""))
		}
		return e
	}
	v := valueToJSON(raw, d, r, id)
	v.Name = e.Name
	return v
}

func valueToJSON(raw string, d Delimiters, r *elemRule, id string) JSONElement {
	e := JSONElement{ID: id}
	if raw != "" && (r != nil && r.Type == typeC || strings.IndexByte(raw, d.Component) >= 0) {
		for j, p := range strings.Split(raw, string(d.Component)) {
			c := JSONElement{Value: strPtr(p)}
			if id != "" {
				c.ID = id + "-" + itoa(j+1)
			}
			if r != nil && j < len(r.Comps) {
				c.Name = r.Comps[j].Name
			}
			e.Components = append(e.Components, c)
		}
		return e
	}
	e.Value = strPtr(raw)
	return e
}

func strPtr(s string) *Text {
	t := Text(s)
	return &t
}

// FromJSON converts the JSON form back to an interchange.
func FromJSON(j *JSONInterchange) (*Interchange, error) {
	one := func(s Text, what string) (byte, error) {
		if len(s) != 1 {
			return 0, errors.New("x12 json: " + what + " delimiter must be one character")
		}
		return s[0], nil
	}
	var d Delimiters
	var err error
	if d.Element, err = one(j.Delimiters.Element, "element"); err != nil {
		return nil, err
	}
	if d.Repetition, err = one(j.Delimiters.Repetition, "repetition"); err != nil {
		return nil, err
	}
	if d.Component, err = one(j.Delimiters.Component, "component"); err != nil {
		return nil, err
	}
	if d.Segment, err = one(j.Delimiters.Segment, "segment"); err != nil {
		return nil, err
	}
	ic := &Interchange{Delims: d, Newline: j.Newline, ISA: head("ISA", j.ISA), IEA: head("IEA", j.IEA)}
	for _, t := range j.TA1 {
		ic.TA1 = append(ic.TA1, head("TA1", t))
	}
	for _, g := range j.Groups {
		gr := &Group{GS: head("GS", g.GS), GE: head("GE", g.GE)}
		for _, t := range g.Transactions {
			tx := &Transaction{}
			flatten(&t.Loop, d, tx)
			gr.Sets = append(gr.Sets, tx)
		}
		ic.Groups = append(ic.Groups, gr)
	}
	return ic, nil
}

func head(id string, el []Text) Seg {
	s := Seg{id}
	for _, e := range el {
		s = append(s, string(e))
	}
	return s
}

func flatten(it *JSONItem, d Delimiters, tx *Transaction) {
	if it.Loop == "" {
		s := Seg{string(it.Segment)}
		for _, e := range it.Elements {
			s = append(s, elemText(e, d))
		}
		tx.Segments = append(tx.Segments, s)
		return
	}
	for i := range it.Content {
		flatten(&it.Content[i], d, tx)
	}
}

func elemText(e JSONElement, d Delimiters) string {
	if e.Repeats != nil {
		parts := make([]string, len(e.Repeats))
		for i, r := range e.Repeats {
			parts[i] = elemText(r, d)
		}
		return strings.Join(parts, string(d.Repetition))
	}
	if e.Components != nil {
		parts := make([]string, len(e.Components))
		for i, c := range e.Components {
			parts[i] = elemText(c, d)
		}
		return strings.Join(parts, string(d.Component))
	}
	if e.Value != nil {
		return string(*e.Value)
	}
	return ""
}

// MarshalX12JSON returns indented JSON for every interchange in the X12
// bytes (a JSON array): EncodeJSON over a buffer, without the final
// newline. X12JSONToBytes gives back the same bytes.
func MarshalX12JSON(x12 []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := EncodeJSON(&b, bytes.NewReader(x12), nil); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// X12JSONToBytes is DecodeJSON over a buffer: the exact X12 bytes of the
// JSON made by MarshalX12JSON or EncodeJSON.
func X12JSONToBytes(j []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := DecodeJSON(&b, bytes.NewReader(j)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalX12JSON converts the JSON array made by MarshalX12JSON back to
// interchanges in memory. The Interchange model keeps one Newline per
// interchange: the per-segment layout members (after, ISA_after, ...) are
// not kept; X12JSONToBytes and DecodeJSON keep them.
func UnmarshalX12JSON(b []byte) ([]*Interchange, error) {
	var js []*JSONInterchange
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, err
	}
	out := make([]*Interchange, 0, len(js))
	for _, j := range js {
		if j == nil {
			return nil, errors.New("x12 json: null interchange")
		}
		ic, err := FromJSON(j)
		if err != nil {
			return nil, err
		}
		out = append(out, ic)
	}
	return out, nil
}

// Walk runs the guide's loop recognizer over a transaction set and calls fn
// for every segment with the guide loop it belongs to ("" for the header
// and trailer, or when the transaction has no guide table). It only places
// segments: elements are not checked (Validate does that), and a segment
// the guide has no place for gets the innermost open loop.
func Walk(t *Transaction, d Delimiters, gs08 string, fn func(loop string, s *SegView)) {
	load()
	st := t.ST()
	ref := st.El(3)
	if ref == "" {
		ref = gs08
	}
	var g *Guide
	if gg := guideFor(ref, st.El(1)); gg != nil {
		g = gg
	}
	v := &validator{rep: &Report{}, opts: Options{MaxErrors: 1, SkipBalancing: true}}
	rec := &recognizer{}
	rec.reset(g)
	rec.placeOnly = true
	var sc segScratch
	sv := &SegView{}
	for i, s := range t.Segments {
		view := sc.view(s, d, i+1)
		if i == 0 {
			rec.start(v, view)
		} else {
			rec.step(v, view)
		}
		loop := ""
		if len(rec.stack) > 0 {
			loop = loopLabel(rec.stack[len(rec.stack)-1].n)
		}
		sv.seg = s
		fn(loop, sv)
	}
}
