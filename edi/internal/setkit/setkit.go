// Package setkit holds what the typed transaction set packages share: the
// money type, the envelope around built sets and a segment writer.
package setkit

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi"
)

// Money is an amount in cents.
type Money int64

// String formats the amount as an X12 decimal (R type): 150, 150.5, 0.05.
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m/100), 10)
	if c := int64(m % 100); c != 0 {
		if c%10 == 0 {
			s += "." + strconv.FormatInt(c/10, 10)
		} else {
			s += "." + strconv.FormatInt(c/10, 10) + strconv.FormatInt(c%10, 10)
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMoney parses an X12 decimal into cents; digits past the cent are
// truncated. It reads the digits itself (no strconv, no allocation): an
// optional '-', whole digits (which may carry one more sign, as
// strconv.ParseInt reads them; a negative whole part other than zero is
// refused), an optional '.' and fraction digits.
func ParseMoney(s string) (Money, bool) {
	if m, ok := parseCents(s); ok {
		return m, true
	}
	return parseMoney(s)
}

// parseCents is ParseMoney's common case in one loop: 1 to 15 whole
// digits, then nothing, or '.' and 1 or 2 digits (what X12 amounts are
// written as). Anything else (a sign, a bare '.', more fraction digits)
// reports false and goes to parseMoney, which reads every form.
func parseCents(s string) (Money, bool) {
	var w int64
	i := 0
	for ; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			break
		}
		w = w*10 + int64(c)
	}
	if i == 0 || i > 15 {
		return 0, false
	}
	switch len(s) - i {
	case 0:
		return Money(w * 100), true
	case 2:
		if c := s[i+1] - '0'; s[i] == '.' && c <= 9 {
			return Money(w*100 + int64(c)*10), true
		}
	case 3:
		c, d := s[i+1]-'0', s[i+2]-'0'
		if s[i] == '.' && c <= 9 && d <= 9 {
			return Money(w*100 + int64(c)*10 + int64(d)), true
		}
	}
	return 0, false
}

// parseMoney is ParseMoney for every form it accepts.
func parseMoney(s string) (Money, bool) {
	if s == "" {
		return 0, false
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	// One pass: an optional sign of the whole part, whole digits up to the
	// first '.', then the fraction after it.
	i := 0
	wneg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		wneg, i = s[i] == '-', i+1
		if i == len(s) || s[i] == '.' {
			return 0, false // a sign without whole digits
		}
	}
	var w int64
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		w = w*10 + int64(c-'0')
		if w > 1e15 {
			return 0, false
		}
	}
	if wneg && w != 0 {
		return 0, false
	}
	frac := ""
	if i < len(s) {
		frac = s[i+1:]
	}
	var f int64
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if i < 2 {
			f = f*10 + int64(c-'0')
		}
	}
	if len(frac) < 2 {
		f *= 10
		if len(frac) == 0 {
			f *= 10
		}
	}
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, true
}

// M parses an amount, zero when empty or malformed.
func M(s string) Money {
	m, _ := ParseMoney(s)
	return m
}

// Envelope describes the ISA and GS around built transactions.
type Envelope struct {
	SenderQual   string // ISA05 (default ZZ)
	SenderID     string // ISA06
	ReceiverQual string // ISA07 (default ZZ)
	ReceiverID   string // ISA08
	AppSender    string // GS02 (default ISA06)
	AppReceiver  string // GS03 (default ISA08)
	Usage        string // ISA15: P production, T test (default P)
	AckRequested bool   // ISA14
	Time         time.Time
	Delims       edi.Delimiters // default edi.DefaultDelimiters
	Newline      string         // written after each terminator
	Control      edi.Control    // next control numbers (zero values start at 1)
	// Level is the SNIP level x837p.Build checks the built interchange at
	// (0 is snip.Strict, 1-5); the other builders do not check what they
	// build and ignore it.
	Level int
}

// Delimiters returns the envelope's delimiters or the defaults.
func (e *Envelope) Delimiters() edi.Delimiters {
	if e.Delims == (edi.Delimiters{}) {
		return edi.DefaultDelimiters
	}
	return e.Delims
}

// Build wraps transaction sets (each from ST to SE) into one interchange
// with one functional group (GS01 = fg, GS08 = guide). ISA13, GS06 and the
// ST02 of sets whose control number is empty come from env.Control; a set's
// own ST02 wins. SE01, GE01 and IEA01 are computed.
func Build(env Envelope, fg, guide string, sets ...[]edi.Seg) (*edi.Interchange, error) {
	if len(sets) == 0 {
		return nil, errors.New("x12: no transaction sets to build")
	}
	d := env.Delimiters()
	t := env.Time
	if t.IsZero() {
		t = time.Now().UTC()
	}
	ack := "0"
	if env.AckRequested {
		ack = "1"
	}
	ic := &edi.Interchange{Delims: d, Newline: env.Newline}
	ic.ISA = edi.Seg{"ISA", "00", "", "00", "", Or(env.SenderQual, "ZZ"), env.SenderID, Or(env.ReceiverQual, "ZZ"), env.ReceiverID,
		t.Format("060102"), t.Format("1504"), "", "00501", "", ack, Or(env.Usage, "P"), ""}
	g := &edi.Group{GS: edi.Seg{"GS", fg, Or(env.AppSender, env.SenderID), Or(env.AppReceiver, env.ReceiverID),
		t.Format("20060102"), t.Format("1504"), "", "X", guide}}
	own := make([]string, len(sets))
	for i, segs := range sets {
		if len(segs) == 0 || segs[0].ID() != "ST" {
			return nil, errors.New("x12: transaction set does not start with ST")
		}
		own[i] = segs[0].El(2)
		g.Sets = append(g.Sets, &edi.Transaction{Segments: segs})
	}
	ic.Groups = []*edi.Group{g}
	ctl := env.Control
	ctl.Interchange = max(ctl.Interchange, 1)
	ctl.Group = max(ctl.Group, 1)
	ctl.Set = max(ctl.Set, 1)
	if err := edi.Build(ic, nil); err != nil {
		return nil, err
	}
	ic.ISA[13] = Pad(ctl.Interchange, 9)
	ic.IEA[2] = ic.ISA[13]
	g.GS[6] = strconv.Itoa(ctl.Group)
	g.GE[2] = g.GS[6]
	for i, s := range g.Sets {
		st := s.Segments[0]
		for len(st) < 3 {
			st = append(st, "")
		}
		if own[i] == "" {
			st[2] = Pad(ctl.Set, 4)
			ctl.Set++
		}
		s.Segments[0] = st
		s.Segments[len(s.Segments)-1][2] = st[2]
	}
	return ic, nil
}

// Pad formats n with leading zeros to width w.
func Pad(n, w int) string {
	s := strconv.Itoa(n)
	if len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return s
}

// Or returns v, or def when v is empty.
func Or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Writer collects the segments of one transaction set.
type Writer struct {
	Segs   []edi.Seg
	Comp   string // component separator
	Rep    string // repetition separator
	nextHL int
}

// NewWriter starts a set with its ST segment.
func NewWriter(d edi.Delimiters, st01, control, guide string) *Writer {
	w := &Writer{Comp: string(d.Component), Rep: string(d.Repetition)}
	w.Seg("ST", st01, control, guide)
	return w
}

// Seg appends a segment, dropping trailing empty elements.
func (w *Writer) Seg(id string, el ...string) {
	for len(el) > 0 && el[len(el)-1] == "" {
		el = el[:len(el)-1]
	}
	s := make(edi.Seg, 0, len(el)+1)
	s = append(s, id)
	s = append(s, el...)
	w.Segs = append(w.Segs, s)
}

// C joins components, dropping trailing empty ones.
func (w *Writer) C(parts ...string) string {
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, w.Comp)
}

// R joins repetitions.
func (w *Writer) R(parts ...string) string { return strings.Join(parts, w.Rep) }

// HL appends an HL segment and returns its HL01.
func (w *Writer) HL(parent, level string, children bool) string {
	w.nextHL++
	id := strconv.Itoa(w.nextHL)
	child := "0"
	if children {
		child = "1"
	}
	w.Seg("HL", id, parent, level, child)
	return id
}

// HLNoChild appends an HL without HL04 (sets whose guide leaves it out).
func (w *Writer) HLNoChild(parent, level string) string {
	w.nextHL++
	id := strconv.Itoa(w.nextHL)
	w.Seg("HL", id, parent, level)
	return id
}

// End appends SE with the segment count and returns the set.
func (w *Writer) End() []edi.Seg {
	w.Segs = append(w.Segs, edi.Seg{"SE", strconv.Itoa(len(w.Segs) + 1), w.Segs[0].El(2)})
	return w.Segs
}

// Split splits an element into its components or repetitions.
func Split(s string, sep byte) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, string(sep))
}

// Date8 formats a time as CCYYMMDD, "" for the zero time.
func Date8(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("20060102")
}

// Status is one STC segment: the claim status category and status codes
// with the entity they concern.
type Status struct {
	Category string   // STC01-1 health care claim status category code (507): A1, A2, A3, F1, P1...
	Code     string   // STC01-2 health care claim status code (508)
	Entity   string   // STC01-3 entity identifier code (98), when the status concerns an entity
	Date     string   // STC02 status information effective date, CCYYMMDD
	Action   string   // STC03 action code: WQ accepted, U rejected (277CA)
	Charge   Money    // STC04 total claim (or line) charge amount
	Paid     Money    // STC05 claim payment amount (277)
	PaidDate string   // STC08 adjudication or payment date (277)
	Check    string   // STC09 check or EFT trace number (277)
	More     []string // STC10 and STC11 further category:code:entity composites, as written
	Message  string   // STC12 free-form message text
}

// ReadSTC reads an STC segment.
func ReadSTC(s *edi.SegView, comp byte) Status {
	var c [3]string
	s.Comps(comp, 1, c[:])
	st := Status{Category: c[0], Code: c[1], Entity: c[2], Date: s.El(2),
		Action: s.El(3), Charge: M(s.El(4)), Paid: M(s.El(5)), PaidDate: s.El(8), Check: s.El(9), Message: s.El(12)}
	for _, i := range []int{10, 11} {
		if v := s.El(i); v != "" {
			st.More = append(st.More, v)
		}
	}
	return st
}

// STC writes an STC segment. Amounts are written when non-zero, or when
// always is set (STC04 is required at some levels).
func (w *Writer) STC(st *Status, chargeRequired bool) {
	charge, paid := "", ""
	if st.Charge != 0 || chargeRequired {
		charge = st.Charge.String()
	}
	if st.Paid != 0 {
		paid = st.Paid.String()
	}
	more := []string{"", ""}
	copy(more, st.More)
	w.Seg("STC", w.C(st.Category, st.Code, st.Entity), st.Date, st.Action, charge, paid, "", "", st.PaidDate, st.Check,
		more[0], more[1], st.Message)
}

// Rejected reports whether a status rejects the claim: action code U, or a
// category of the A3..A8 rejection family (A3 returned as unprocessable,
// A4 not found, A6 missing information, A7 invalid information, A8
// relational field error) or E0..E4 (response not possible).
func (st *Status) Rejected() bool {
	if st.Action == "U" {
		return true
	}
	switch st.Category {
	case "A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "E3", "E4":
		return true
	}
	return false
}
