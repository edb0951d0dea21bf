package edi

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Guide999 is the implementation convention reference of the 999.
const Guide999 = "005010X231A1"

// AckOptions configure generated acknowledgments. Empty fields default to
// the received interchange with sender and receiver swapped.
type AckOptions struct {
	SenderQual, SenderID     string // ISA05, ISA06
	ReceiverQual, ReceiverID string // ISA07, ISA08
	AppSender, AppReceiver   string // GS02, GS03
	Usage                    string // ISA15 (P or T)
	// Control numbers to assign; zero values start at 1.
	Control Control
	// Now stamps ISA09/ISA10 and GS04/GS05; zero means time.Now().UTC().
	Now time.Time
	// Delims for the acknowledgment; zero means the received delimiters.
	Delims Delimiters
	// Newline written after each segment terminator.
	Newline string
	// TA1 forces a TA1 even when the interchange has no errors and did not
	// request one (ISA14 = 0).
	TA1 bool
}

// Acknowledge builds, for one validated interchange, an interchange holding
// a TA1 (when there are interchange errors or one was requested) and one
// 999 per received functional group (in one FA group). The result has its
// counts and control numbers set by Build.
func Acknowledge(ic *InterchangeResult, opts AckOptions) *Interchange {
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	d := opts.Delims
	if d == (Delimiters{}) {
		d = ic.Delims
		if !validDelims(d) {
			d = DefaultDelimiters
		}
	}
	isa := ic.ISA
	if len(isa) < 17 {
		isa = make(Seg, 17)
		copy(isa, ic.ISA)
	}
	def := func(v, d string) string {
		if v != "" {
			return v
		}
		return strings.TrimSpace(d)
	}
	out := &Interchange{Delims: d, Newline: opts.Newline}
	out.ISA = Seg{"ISA", "00", "", "00", "",
		def(opts.SenderQual, def(isa[7], "ZZ")), def(opts.SenderID, def(isa[8], "UNKNOWN")),
		def(opts.ReceiverQual, def(isa[5], "ZZ")), def(opts.ReceiverID, def(isa[6], "UNKNOWN")),
		now.Format("060102"), now.Format("1504"), "", "00501", "", "0", def(opts.Usage, def(isa[15], "P")), ""}
	if opts.TA1 || len(ic.Errors) > 0 || strings.TrimSpace(isa[14]) == "1" {
		out.TA1 = []Seg{TA1(ic, now)}
	}
	if len(ic.Groups) > 0 {
		var appS, appR string
		if gs := ic.Groups[0].GS; len(gs) > 3 {
			appS, appR = gs[3], gs[2]
		}
		g := &Group{GS: Seg{"GS", "FA", def(opts.AppSender, def(appS, "UNKNOWN")), def(opts.AppReceiver, def(appR, "UNKNOWN")),
			now.Format("20060102"), now.Format("1504"), "", "X", Guide999}}
		for _, rg := range ic.Groups {
			g.Sets = append(g.Sets, Ack999(rg, d))
		}
		out.Groups = append(out.Groups, g)
	}
	ctl := opts.Control
	if ctl.Interchange == 0 {
		ctl.Interchange = 1
	}
	if ctl.Group == 0 {
		ctl.Group = 1
	}
	if ctl.Set == 0 {
		ctl.Set = 1
	}
	_ = Build(out, &ctl)
	return out
}

// TA1 returns the TA1 segment for an interchange: TA104 is A when there is
// no error, E when there are only warnings and R otherwise; TA105 is the
// first rejecting error's note code.
func TA1(ic *InterchangeResult, now time.Time) Seg {
	ctl, date, tm := "000000000", now.Format("060102"), now.Format("1504")
	if len(ic.ISA) >= 14 {
		if c := ic.ISA[13]; len(c) == 9 && allDigits([]byte(c)) {
			ctl = c
		}
		if validDate([]byte(ic.ISA[9])) && len(ic.ISA[9]) == 6 {
			date = ic.ISA[9]
		}
		if validTime([]byte(ic.ISA[10])) && len(ic.ISA[10]) == 4 {
			tm = ic.ISA[10]
		}
	}
	return Seg{"TA1", ctl, date, tm, ic.TA1Ack(), ic.TA1Code()}
}

// Ack999 builds the 999 transaction set (ST through SE, SE01 not yet
// counted) acknowledging one functional group.
func Ack999(g *GroupResult, d Delimiters) *Transaction {
	t := &Transaction{}
	add := func(s ...string) { t.Segments = append(t.Segments, Seg(append([]string(nil), s...))) }
	add("ST", "999", "0001", Guide999)
	add("AK1", g.GS.El(1), g.GS.El(6), g.GS.El(8))
	comp := string(d.Component)
	// CTX names the claim (business unit) an error sits in: CTX*CLM01:PCN.
	addCtx := func(e *Error) {
		if e.Context != "" && e.ContextRef != "" {
			add("CTX", e.Context+comp+e.ContextRef)
		}
	}
	for _, s := range g.Sets {
		ak2 := []string{"AK2", s.ST.El(1), s.ST.El(2)}
		if s.ST.El(3) != "" {
			ak2 = append(ak2, s.ST.El(3))
		}
		add(ak2...)
		var ik5 []string
		var lastPos int
		var lastID string
		segErrs := false
		// Errors found at the end of a loop (HL04, balancing) were recorded
		// late: report segments in position order.
		errs := append([]*Error(nil), s.Errors...)
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Pos < errs[j].Pos })
		for _, e := range errs {
			switch e.Kind {
			case KindIK5:
				ik5 = appendCode(ik5, e.Code)
			case KindIK3:
				segErrs = true
				add("IK3", e.SegID, strconv.Itoa(e.Pos), loop4(e.Loop), e.Code)
				addCtx(e)
				lastPos, lastID = e.Pos, e.SegID
			case KindIK4:
				segErrs = true
				if e.Pos != lastPos || e.SegID != lastID {
					add("IK3", e.SegID, strconv.Itoa(e.Pos), loop4(e.Loop), "8")
					addCtx(e)
					lastPos, lastID = e.Pos, e.SegID
				}
				pos := strconv.Itoa(e.Elem)
				if e.Comp > 0 || e.Rep > 0 {
					pos += comp + optInt(e.Comp)
				}
				if e.Rep > 0 {
					pos += comp + strconv.Itoa(e.Rep)
				}
				add("IK4", pos, e.Ref, e.Code)
			}
		}
		if segErrs && len(ik5) < 5 {
			ik5 = appendCode(ik5, "5")
		}
		add(append([]string{"IK5", s.Ack()}, ik5...)...)
	}
	ak9 := []string{"AK9", g.Ack(), strconv.Itoa(g.Received), strconv.Itoa(g.Received), strconv.Itoa(g.Accepted())}
	var codes []string
	for _, e := range g.Errors {
		codes = appendCode(codes, e.Code)
	}
	add(append(ak9, codes...)...)
	add("SE", "", "0001")
	// Trim trailing empty elements (IK4 without IK402, AK1 without GS08).
	for i, s := range t.Segments {
		for len(s) > 2 && s[len(s)-1] == "" && s[0] != "SE" {
			s = s[:len(s)-1]
		}
		t.Segments[i] = s
	}
	return t
}

func appendCode(codes []string, c string) []string {
	for _, x := range codes {
		if x == c {
			return codes
		}
	}
	if len(codes) >= 5 {
		return codes
	}
	return append(codes, c)
}

func optInt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// loop4 shortens a guide loop ID to IK303's four characters.
func loop4(s string) string {
	if len(s) > 4 {
		return s[:4]
	}
	return s
}
