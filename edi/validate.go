package edi

import (
	"errors"
	"io"
	"strings"
)

// Options name every relaxation a trading partner may need. The zero value
// is strict.
type Options struct {
	// MaxErrors caps the errors kept (default 10000); later errors are
	// counted in Report.Dropped but still affect acknowledgment codes.
	MaxErrors int
	// SkipBalancing turns off the guide's balancing rules (837: CLM02 equals
	// the sum of SV102).
	SkipBalancing bool
	// AllowUnterminated accepts a final segment without a terminator (an
	// unterminated IEA is always accepted; any other is TA1 023).
	AllowUnterminated bool
	// MaxSegment is the longest segment accepted in bytes (default 1 MiB).
	MaxSegment int
	// DropAccepted keeps only the results of transaction sets with errors;
	// accepted sets are counted (GroupResult.Received, Accepted). A 999
	// then lists only the sets with errors, which its guide allows.
	DropAccepted bool
	// OnInterchange, when set, receives each interchange result as soon as
	// its IEA (or the end of input) closes it, and the result is not kept in
	// Report.Interchanges. With DropAccepted, memory stays bounded by the
	// errors kept whatever the input size.
	OnInterchange func(*InterchangeResult)
	// Tolerate lists transaction-level codes, as "IK4 5" or "IK3 2", that
	// are still reported but do not reject the transaction set: a set whose
	// only errors are tolerated is accepted with errors (IK501 = E). A code
	// may name one element, as "IK4 1 ST03", and then tolerates only there.
	// The element faults of a TA1 segment (TA1 024) are tolerated when their
	// IK4 counterpart is (see Error.Msg).
	Tolerate []string
	// Checker, when set, adds checks above the guide's syntax (SNIP levels
	// 4 and 5: situational rules and external code sets, see edi/snip). It
	// sees every segment the recognizer places, with its loop.
	Checker Checker
	// Workers is the number of goroutines that validate transaction set
	// bodies (the loop recognizer, the element rules and the Checker) at
	// once. 0 and 1 run everything on the calling goroutine: a service
	// that validates many files at once (the Temporal worker) already
	// keeps its cores busy, and the parallel path costs 7-25% more CPU in
	// all. `claimflow x12 validate` sets it to GOMAXPROCS, where one large
	// file is the whole job. Above 1, an input in memory shorter than
	// 256 KiB still runs on the calling goroutine (the goroutines cost more
	// than they save there). The envelope (ISA, GS, ST/SE control numbers,
	// counts) is always checked in stream order and each set's findings
	// are merged back in stream order, so the Report is the same whatever
	// the number. With more than one, Checker.Start and the SetCheckers it
	// returns run on the workers: Start may be called from several
	// goroutines at once, each SetChecker from one at a time.
	// OnInterchange is always called on the calling goroutine, and a panic
	// on a worker is raised again there.
	Workers int
}

func (o *Options) tolerates(e *Error) bool {
	for _, t := range o.Tolerate {
		k, code, ok := strings.Cut(t, " ")
		if !ok || k != e.Kind.String() {
			continue
		}
		code, at, narrow := strings.Cut(code, " ")
		if code == e.Code && (!narrow || at == e.SegID+twoDigits(e.Elem)) {
			return true
		}
	}
	return false
}

// Report is the result of Validate.
type Report struct {
	Interchanges []*InterchangeResult
	// Errors holds every error kept, in stream order.
	Errors  []*Error
	Dropped int // errors past Options.MaxErrors
	// Segments is the number of segments read.
	Segments int
	Bytes    int64
}

// OK reports whether no error was found.
func (r *Report) OK() bool { return len(r.Errors) == 0 && r.Dropped == 0 }

// InterchangeResult is the outcome for one ISA/IEA envelope.
type InterchangeResult struct {
	Index   int // stream position of the ISA
	ISA     Seg
	Delims  Delimiters
	Errors  []*Error // TA1-level errors
	Groups  []*GroupResult
	Control string // ISA13
}

// TA1Code returns the TA105 note code of the first interchange error that
// is not a warning: "000" when the interchange is fine.
func (ic *InterchangeResult) TA1Code() string {
	for _, e := range ic.Errors {
		if !e.Warning {
			return e.Code
		}
	}
	return "000"
}

// TA1Ack returns the TA104 code: A accepted, E accepted with only warnings
// noted, R rejected.
func (ic *InterchangeResult) TA1Ack() string {
	switch {
	case ic.TA1Code() != "000":
		return "R"
	case len(ic.Errors) > 0:
		return "E"
	}
	return "A"
}

// GroupResult is the outcome for one GS/GE functional group.
type GroupResult struct {
	Index    int
	GS       Seg
	Errors   []*Error     // AK9-level errors
	Sets     []*SetResult // every set, or only those with errors (Options.DropAccepted)
	Control  string       // GS06
	Received int          // transaction sets received (AK903)
	accepted int
	noted    bool
	closed   bool
	ids      map[string]struct{}
}

// maxIDs bounds the ST02 values remembered per group for the duplicate
// check (IK5 23).
const maxIDs = 1 << 20

// Ack returns the AK901 code: A accepted, E accepted with errors noted,
// P partially accepted, R rejected.
func (g *GroupResult) Ack() string {
	if len(g.Errors) > 0 {
		return "R"
	}
	switch {
	case g.accepted == 0 && g.Received > 0:
		return "R"
	case g.accepted < g.Received:
		return "P"
	case g.noted:
		return "E"
	}
	return "A"
}

// Accepted counts the accepted transaction sets (AK904).
func (g *GroupResult) Accepted() int { return g.accepted }

// endSet closes the open transaction set's result.
func (v *validator) endSet() {
	set, g := v.set, v.grp
	v.set = nil
	v.check = nil
	if set == nil || g == nil {
		return
	}
	switch set.Ack() {
	case "A":
		g.accepted++
		if v.opts.DropAccepted && len(g.Sets) > 0 && g.Sets[len(g.Sets)-1] == set {
			g.Sets = g.Sets[:len(g.Sets)-1]
		}
	case "E":
		g.accepted++
		g.noted = true
	}
}

// endInterchange hands a closed interchange to Options.OnInterchange.
func (v *validator) endInterchange() {
	ic := v.ic
	v.ic = nil
	if ic == nil {
		return
	}
	v.seen++
	if v.opts.OnInterchange == nil {
		return
	}
	if n := len(v.rep.Interchanges); n > 0 && v.rep.Interchanges[n-1] == ic {
		v.rep.Interchanges = v.rep.Interchanges[:n-1]
	}
	v.opts.OnInterchange(ic)
}

// SetResult is the outcome for one ST/SE transaction set.
type SetResult struct {
	Index    int // stream position of the ST
	ST       Seg
	Guide    string
	Errors   []*Error // IK5, IK3 and IK4 errors
	Segments int
	bad      bool // a rejecting error was found, even if dropped
	noted    bool // a tolerated error was found
}

// Ack returns the IK501 code: A accepted, E accepted with errors (only
// tolerated errors, see Options.Tolerate) or R rejected.
func (s *SetResult) Ack() string {
	switch {
	case s.bad:
		return "R"
	case s.noted:
		return "E"
	}
	return "A"
}

// Validate reads r as a stream and checks every interchange in it. Memory is
// bounded: only results and errors are kept, never the interchange. The
// returned error is non-nil only when reading fails.
func Validate(r io.Reader, opts *Options) (*Report, error) {
	rd := NewReader(r)
	return validateReader(rd, opts)
}

// ValidateBytes is Validate over an in-memory buffer.
func ValidateBytes(b []byte, opts *Options) (*Report, error) {
	return validateReader(NewBytesReader(b), opts)
}

func validateReader(rd *Reader, opts *Options) (*Report, error) {
	v := &validator{rep: &Report{}}
	if opts != nil {
		v.opts = *opts
	}
	if v.opts.MaxErrors <= 0 {
		v.opts.MaxErrors = 10000
	}
	if v.opts.MaxSegment > 0 {
		rd.MaxSegment = v.opts.MaxSegment
	}
	if n := v.workers(); n > 1 && (rd.r != nil || len(rd.buf) >= minParallel) {
		return validateParallel(v, rd, n)
	}
	load()
	if loadErr != nil {
		return nil, loadErr
	}
	var ioErr error
	for {
		s, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && !isReadErr(se.Err) {
				v.noteSyntax(se)
			} else {
				ioErr = err
			}
			break
		}
		v.rep.Segments++
		v.segment(s)
	}
	v.eof(rd.base + int64(rd.end))
	return v.rep, ioErr
}

// minParallel is the smallest input in memory validated on several
// workers.
const minParallel = 256 << 10

func isReadErr(err error) bool {
	return !errors.Is(err, ErrNoISA) && !errors.Is(err, ErrShortISA) && !errors.Is(err, ErrBadDelimiters) &&
		!errors.Is(err, ErrSegmentTooLong)
}

type validator struct {
	opts       Options
	rep        *Report
	ic         *InterchangeResult
	grp        *GroupResult
	set        *SetResult
	rec        recognizer
	lastIndex  int
	lastOffset int64
	seen       int // interchanges closed
	check      SetChecker
	checkAdd   func(*Error) // v.add, bound once
	// par is set on the validator that merges the workers' results
	// (parallel.go): st leaves the set's body to a worker.
	par bool
	// sink, when set, receives the errors of a worker's set instead of
	// the report (parallel.go).
	sink *setResult
}

func (v *validator) add(e *Error) {
	if v.sink != nil {
		v.sink.record(v, e)
		return
	}
	v.addCtx(e, nil)
}

// addCtx records e. ctx, when not nil, is the business unit context
// (Error.Context, ContextRef) worked out when a worker found e; otherwise
// the recognizer's current one is used.
func (v *validator) addCtx(e *Error, ctx *[2]string) {
	switch e.Kind {
	case KindTA1:
		if v.ic != nil {
			v.ic.Errors = append(v.ic.Errors, e)
		}
	case KindAK9:
		if v.grp != nil {
			v.grp.Errors = append(v.grp.Errors, e)
		}
	default:
		if v.set != nil {
			if e.Warning || len(v.opts.Tolerate) > 0 && v.opts.tolerates(e) {
				e.Warning = true
				v.set.noted = true
			} else {
				v.set.bad = true
			}
			e.Set = v.set.ST.El(2)
		}
	}
	if len(v.rep.Errors) >= v.opts.MaxErrors {
		v.rep.Dropped++
		return
	}
	if e.Msg == "" {
		e.Msg = CodeText(e.Kind, e.Code)
	}
	if e.Kind >= KindIK5 && v.set != nil {
		if e.Kind >= KindIK3 {
			if ctx != nil {
				e.Context, e.ContextRef = ctx[0], ctx[1]
			} else {
				e.Context, e.ContextRef = v.rec.context()
			}
		}
		v.set.Errors = append(v.set.Errors, e)
	}
	v.rep.Errors = append(v.rep.Errors, e)
}

// segErr records an error located at segment s.
func (v *validator) segErr(k Kind, code string, s *Segment, pos int, loop string, elem, comp, rep int) {
	e := &Error{Kind: k, Code: code, Index: s.Index, Offset: s.Offset, Pos: pos, SegID: safeID(s.Element(0)),
		Loop: loop, Elem: elem, Comp: comp, Rep: rep}
	v.add(e)
}

func (v *validator) noteSyntax(se *SyntaxError) {
	if v.ic == nil {
		v.ic = &InterchangeResult{Index: se.Index}
		v.rep.Interchanges = append(v.rep.Interchanges, v.ic)
	}
	e := &Error{Kind: KindTA1, Code: se.TA1, Index: se.Index, Offset: se.Offset, SegID: "ISA", Msg: CodeText(KindTA1, se.TA1) + ": " + se.Err.Error()}
	v.add(e)
}

func (v *validator) segment(s *Segment) {
	v.lastIndex, v.lastOffset = s.Index, s.Offset
	tag := s.Tag()
	if s.Unterminated && !v.opts.AllowUnterminated && tag != tagIEA {
		v.ensureIC(s)
		v.segErr(KindTA1, "023", s, 0, "", 0, 0, 0)
	}
	switch tag {
	case tagISA:
		v.isa(s)
	case tagIEA:
		v.iea(s)
	case tagGS:
		v.gs(s)
	case tagGE:
		v.ge(s)
	case tagST:
		v.st(s)
	case tagSE:
		if v.set == nil {
			v.ensureIC(s)
			v.segErr(KindTA1, "024", s, 0, "", 0, 0, 0)
			return
		}
		v.rec.step(v, s)
		v.se(s)
	case tagTA1:
		if v.grp == nil && v.ic != nil {
			v.ta1(s)
			return
		}
		fallthrough
	default:
		if v.set == nil {
			v.ensureIC(s)
			v.segErr(KindTA1, "024", s, 0, "", 0, 0, 0)
			return
		}
		v.rec.step(v, s)
	}
}

func (v *validator) ensureIC(s *Segment) {
	if v.ic == nil {
		v.ic = &InterchangeResult{Index: s.Index, Delims: s.Delims}
		v.rep.Interchanges = append(v.rep.Interchanges, v.ic)
	}
}

// eof closes what is open at the end of the input; end is the stream
// offset just past the last byte read.
func (v *validator) eof(end int64) {
	if v.ic == nil {
		if v.seen == 0 {
			v.noteSyntax(&SyntaxError{Index: 1, TA1: "023", Err: ErrNoISA})
			v.endInterchange()
		}
		return
	}
	if v.ic.ISA == nil { // opened by a syntax error or a stray segment
		v.endInterchange()
		return
	}
	s := &Segment{Index: v.lastIndex + 1, Offset: end, Data: []byte("IEA")}
	s.seps = []int32{3}
	v.closeGroup(s, true)
	v.segErr(KindTA1, "023", s, 0, "", 0, 0, 0)
	v.endInterchange()
}

// Bytes returns element i as bytes.
func (s Seg) Bytes(i int) []byte { return []byte(s.El(i)) }

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
