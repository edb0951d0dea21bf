// Package edi reads, validates, builds and writes ASC X12 005010 interchanges.
//
// The package has four separate verbs:
//
//   - Parse: bytes to segments (NewReader for streaming, Parse for a whole
//     interchange in memory). Parsing never guesses: delimiters come from the
//     fixed-width ISA segment.
//   - Validate: SNIP level 1 and 2 checks plus 837 claim balancing, driven by
//     the implementation guide tables in schemas/x12. It never modifies input.
//   - Build: computes SE01, GE01 and IEA01 counts and assigns control numbers.
//   - Write: renders an interchange with its own delimiters.
//
// Errors carry the segment position, segment ID, loop ID, element and
// component index and the acknowledgment code they become (TA1, AK9, IK5,
// IK3, IK4). They never contain element values.
//
// Entry points:
//
//	NewReader(r).Next()                 stream segments (views into one buffer)
//	Parse(r), ParseBytes(b)             whole interchanges as []*Interchange
//	Validate(r, opts), ValidateBytes    a *Report: every error, per-set results
//	Acknowledge(ic, AckOptions)         the 999 (and TA1) for a validated interchange
//	Build(ic, *Control), Write(w, ics)  counts, control numbers, rendering
//	EncodeJSON(w, r), DecodeJSON(w, r)  loop-structured JSON both ways, streamed,
//	                                    exact to the byte (layout included)
//	MarshalX12JSON, X12JSONToBytes      the same over buffers
//	ToJSON, FromJSON, UnmarshalX12JSON  the JSON form of in-memory interchanges
//	Walk(tx, delims, gs08, fn)          each segment with its guide loop ID
//	WalkSets(x, open)                   the same in one pass over bytes, no
//	                                    interchanges built (typed ReadBytes)
//	Mask(ic)                            hide values that may be PHI
//
// The typed 837P model and builder are in edi/x837p; the command line in
// edi/x12cli. Guide tables are data in schemas/x12 (see its README).
package edi

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// Delimiters are the four separator bytes of an interchange, read from the ISA.
type Delimiters struct {
	Element    byte // ISA byte 3
	Repetition byte // ISA11, byte 82
	Component  byte // ISA16, byte 104
	Segment    byte // byte 105
}

// DefaultDelimiters are the delimiters most trading partners use.
var DefaultDelimiters = Delimiters{Element: '*', Repetition: '^', Component: ':', Segment: '~'}

// isaLen is the fixed length of an ISA segment including its terminator.
const isaLen = 106

// Reader errors. They are returned by Reader.Next wrapped in a *SyntaxError.
var (
	ErrNoISA          = errors.New("input does not start with an ISA segment")
	ErrShortISA       = errors.New("ISA segment shorter than 106 bytes")
	ErrBadDelimiters  = errors.New("ISA delimiters are not distinct or are alphanumeric")
	ErrSegmentTooLong = errors.New("segment exceeds the maximum segment length")
)

// SyntaxError is an error of the byte stream itself: the reader cannot find
// segments. Its TA1 code is the TA105 note code.
type SyntaxError struct {
	Offset int64 // byte offset in the stream
	Index  int   // segment position in the stream (1-based)
	TA1    string
	Err    error
}

func (e *SyntaxError) Error() string {
	return "x12: byte offset " + itoa(int(e.Offset)) + ", segment " + itoa(e.Index) + ": " + e.Err.Error() + " [TA1 " + e.TA1 + "]"
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Segment is one segment as a view into the reader's buffer. It is valid
// until the next call to Reader.Next; use Copy to keep it.
type Segment struct {
	Index  int   // position in the stream, 1-based (the first ISA is 1)
	Offset int64 // byte offset of the segment's first byte in the stream
	Data   []byte
	Delims Delimiters
	// Unterminated is set on a final segment that had no terminator.
	Unterminated bool
	// crs counts the carriage returns stripped before a line-feed
	// terminator (see emit); exact writers put them back.
	crs int32
	// flags caches scan results: flagScanned, flagComps, flagReps, flagCtrl.
	flags uint8
	// tag caches Tag (0: not worked out yet; no segment ID packs to 0).
	tag uint32
	// seps[i] is the index in Data of the separator ending element i
	// (element 0 is the segment ID); the last entry is len(Data).
	seps []int32
}

// Tag returns the segment ID packed into an integer (see Tag).
func (s *Segment) Tag() uint32 {
	if s.tag != 0 {
		return s.tag
	}
	return s.tagSlow()
}

// tagSlow is Tag for a segment the tokenizer did not make; apart from
// Tag, so that Tag is inlined (three calls a segment).
func (s *Segment) tagSlow() uint32 { return tagOf(s.Element(0)) }

// ID returns the segment ID. It allocates; prefer Tag on hot paths.
func (s *Segment) ID() string { return string(s.Element(0)) }

// Len returns the number of data elements (the ID is not counted).
func (s *Segment) Len() int { return len(s.seps) - 1 }

// Element returns element i (0 is the segment ID), or nil past the end.
func (s *Segment) Element(i int) []byte {
	if i < 0 || i >= len(s.seps) {
		return nil
	}
	start := 0
	if i > 0 {
		start = int(s.seps[i-1]) + 1
	}
	return s.Data[start:s.seps[i]]
}

// Component returns component j (1-based) of element i, or nil.
func (s *Segment) Component(i, j int) []byte {
	return nth(s.Element(i), s.Delims.Component, j)
}

// Copy returns an owned copy of the segment as strings.
func (s *Segment) Copy() Seg {
	out := make(Seg, len(s.seps))
	str := string(s.Data)
	start := 0
	for i, e := range s.seps {
		out[i] = str[start:e]
		start = int(e) + 1
	}
	return out
}

// nth returns the j-th (1-based) part of b split by sep, or nil.
func nth(b []byte, sep byte, j int) []byte {
	// One pass over the (short) element: no IndexByte call per part.
	k, start := 1, 0
	for i, c := range b {
		if c == sep {
			if k == j {
				return b[start:i]
			}
			k++
			start = i + 1
		}
	}
	if k == j {
		return b[start:]
	}
	return nil
}

// Tag packs a segment ID of up to three bytes into an integer for fast
// comparison. IDs longer than three bytes get a value no table uses.
func Tag(id string) uint32 { return tagOf([]byte(id)) }

func tagOf(b []byte) uint32 {
	switch len(b) {
	case 2:
		return uint32(b[0])<<16 | uint32(b[1])<<8
	case 3:
		return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	}
	return 0xFFFFFFFF
}

const (
	tagISA = 'I'<<16 | 'S'<<8 | 'A'
	tagIEA = 'I'<<16 | 'E'<<8 | 'A'
	tagGS  = 'G'<<16 | 'S'<<8
	tagGE  = 'G'<<16 | 'E'<<8
	tagST  = 'S'<<16 | 'T'<<8
	tagSE  = 'S'<<16 | 'E'<<8
	tagTA1 = 'T'<<16 | 'A'<<8 | '1'
	tagHL  = 'H'<<16 | 'L'<<8
)

// Reader is a streaming tokenizer. Memory is bounded by MaxSegment plus one
// read buffer; it allocates nothing per segment once warm.
type Reader struct {
	// MaxSegment is the longest segment accepted (default 1 MiB).
	MaxSegment int

	r      io.Reader
	buf    []byte
	start  int   // first unread byte in buf
	end    int   // end of valid data in buf
	base   int64 // stream offset of buf[0]
	eof    bool
	rerr   error
	delims Delimiters
	have   bool
	index  int
	seg    Segment
	err    error
	// Newline is the layout seen after the first segment terminator ("",
	// "\n" or "\r\n"); writers reuse it for exact round trips.
	Newline string
	nlSeen  bool
	// gap holds the layout bytes (CR, LF) skipped before the current
	// segment, up to maxGap; gapOver is set when there were more.
	gap     []byte
	gapOver bool
	// vec holds, for scanSSE, the segment terminator, the element,
	// component and repetition separators, 0x20 and 0x7F, each in the 16
	// bytes of a vector (set with the delimiters: the vectors are not
	// built again for every segment).
	vec [6][2]uint64
	// bufs, when set, keeps the bytes of every segment returned where
	// they are: the buffer is replaced by one from bufs, not compacted
	// (parallel validation hands segments to other goroutines).
	bufs bufSource
	// q holds segments scanBatch found ahead, q[qi:qn] not yet returned,
	// their offsets relative to buf[qbase] and their separators in
	// qseps[qs:] (see pop). The buffer is not moved while any is queued:
	// Next fills only when the queue is empty.
	q          [qSize]qent
	qseps      [qSeps]int32
	qi, qn, qs int
	qbase      int
	// qseg is set while seg.seps is a window of qseps: the scan of a
	// segment by Next then starts from ownSeps (the slice the Reader was
	// made with) instead.
	qseg    bool
	ownSeps []int32
	// oneByOne turns scanBatch off (the tests' reference).
	oneByOne bool
}

// qent is one segment queued by scanBatch.
type qent struct {
	term    int32  // its terminator's offset
	sepsEnd int32  // its separators end at qseps[sepsEnd]
	flags   uint32 // scan flags
	_       uint32
}

// qSize is the number of segments scanBatch queues at most, qSeps the
// room for their separators.
const (
	qSize = 64
	qSeps = 1024
)

// bufSource hands a Reader its buffers.
type bufSource interface {
	// get returns a buffer of n bytes that no segment in use is in.
	get(n int) []byte
	// retire tells that the reader no longer reads its current buffer.
	retire()
}

// maxGap bounds the layout bytes the reader keeps between two segments.
const maxGap = 4 << 10

// NewReader returns a Reader with a 64 KiB buffer.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{r: r, buf: make([]byte, 64<<10), MaxSegment: 1 << 20}
	rd.seg.seps = make([]int32, 0, 64)
	rd.ownSeps = rd.seg.seps
	return rd
}

// NewBytesReader tokenizes an in-memory interchange without copying it.
func NewBytesReader(b []byte) *Reader {
	rd := &Reader{buf: b, end: len(b), eof: true, MaxSegment: 1 << 30}
	rd.seg.seps = make([]int32, 0, 64)
	rd.ownSeps = rd.seg.seps
	return rd
}

// Delimiters returns the delimiters of the current interchange.
func (r *Reader) Delimiters() (Delimiters, bool) { return r.delims, r.have }

// fill reads more data, compacting or growing the buffer as needed.
// It returns false when nothing more can be read.
func (r *Reader) fill() bool {
	if r.eof {
		return false
	}
	if r.start > 0 && (r.start == r.end || r.end == len(r.buf)) {
		if r.bufs != nil {
			// Segments handed out may still be in use: take another
			// buffer.
			r.bufs.retire()
			nb := r.bufs.get(len(r.buf))
			copy(nb, r.buf[r.start:r.end])
			r.buf = nb
		} else {
			copy(r.buf, r.buf[r.start:r.end])
		}
		n := r.end - r.start
		r.base += int64(r.start)
		r.end = n
		r.start = 0
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= r.MaxSegment+isaLen {
			return false
		}
		var nb []byte
		if r.bufs != nil {
			r.bufs.retire()
			nb = r.bufs.get(2 * len(r.buf))
		} else {
			nb = make([]byte, 2*len(r.buf))
		}
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.eof = true
	r.rerr = io.ErrNoProgress
	return false
}

func (r *Reader) fail(err error, ta1 string) (*Segment, error) {
	r.err = &SyntaxError{Offset: r.base + int64(r.start), Index: r.index + 1, TA1: ta1, Err: err}
	return nil, r.err
}

// Next returns the next segment, or io.EOF after the last one. After a
// *SyntaxError the reader is stuck and returns the same error again.
func (r *Reader) Next() (*Segment, error) {
	if r.qi >= r.qn {
		return r.next()
	}
	// No layout bytes before a queued segment but the first. pop's body,
	// without the call (~8 instructions a segment).
	r.gap, r.gapOver = r.gap[:0], false
	e := &r.q[r.qi]
	r.qi++
	start, term := r.start, r.qbase+int(e.term)
	data := r.buf[start:term]
	seps := r.qseps[r.qs:e.sepsEnd:e.sepsEnd]
	r.qs = int(e.sepsEnd)
	r.index++
	s := &r.seg
	s.Index = r.index
	s.Offset = r.base + int64(start)
	s.Data = data
	s.Delims = r.delims
	s.Unterminated = false
	s.crs = 0
	s.flags = uint8(e.flags)
	s.seps = seps
	s.tag = tagOf(data[:seps[0]])
	r.start = term + 1
	return s, nil
}

// pop returns the next queued segment (the layout before it, r.gap, is the
// caller's). Next has the same body inline.
func (r *Reader) pop() *Segment {
	e := &r.q[r.qi]
	r.qi++
	start, term := r.start, r.qbase+int(e.term)
	data := r.buf[start:term]
	seps := r.qseps[r.qs:e.sepsEnd:e.sepsEnd]
	r.qs = int(e.sepsEnd)
	r.index++
	s := &r.seg
	s.Index = r.index
	s.Offset = r.base + int64(start)
	s.Data = data
	s.Delims = r.delims
	s.Unterminated = false
	s.crs = 0
	s.flags = uint8(e.flags)
	s.seps = seps
	s.tag = tagOf(data[:seps[0]])
	r.start = term + 1
	return s
}

// batch queues the segments from r.start on with scanBatch and returns the
// first, or nil when there is no whole one in the buffer's next bytes.
func (r *Reader) batch() *Segment {
	n := min(r.end-r.start, 1<<30) // offsets fit in int32
	k := scanBatch(&r.buf[r.start], n, &r.qseps[0], len(r.qseps), &r.q[0], len(r.q), &r.vec)
	if k == 0 {
		return nil
	}
	r.qbase, r.qi, r.qn, r.qs = r.start, 0, k, 0
	r.qseg = true
	return r.pop()
}

// next is Next without a queued segment.
func (r *Reader) next() (*Segment, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.qseg {
		// seg.seps is a window of qseps: scan into a slice of our own.
		r.seg.seps, r.qseg = r.ownSeps[:0], false
	}
	// Skip layout bytes (CR, LF) between segments.
	var nl [2]byte
	nn := 0
	r.gap, r.gapOver = r.gap[:0], false
	for {
		for r.start < r.end {
			c := r.buf[r.start]
			if (c == '\r' || c == '\n') && !r.isDelim(c) {
				if nn < 2 {
					nl[nn] = c
				}
				if len(r.gap) < maxGap {
					r.gap = append(r.gap, c)
				} else {
					r.gapOver = true
				}
				nn++
				r.start++
				continue
			}
			break
		}
		if r.start < r.end || !r.fill() {
			break
		}
	}
	if !r.nlSeen && r.index > 0 {
		r.nlSeen = true
		if nn <= 2 {
			r.Newline = string(nl[:nn])
		}
	}
	if r.start >= r.end {
		if r.rerr != nil {
			return r.fail(r.rerr, "023")
		}
		r.err = io.EOF
		return nil, io.EOF
	}
	// An ISA starts an interchange and sets the delimiters.
	if r.buf[r.start] == 'I' {
		for r.end-r.start < 4 && r.fill() { //nolint:revive // empty-block: fill does the work
		}
		if r.end-r.start >= 4 && r.buf[r.start+1] == 'S' && r.buf[r.start+2] == 'A' && !isAlnum(r.buf[r.start+3]) {
			return r.readISA()
		}
	}
	if !r.have {
		return r.fail(ErrNoISA, "022")
	}
	// One pass finds the terminator, the element separators and the
	// segment's scan flags (component and repetition separators, bytes
	// outside the character sets; see scanFlags), 8 bytes at a time. The
	// flags were a second pass over the segment's bytes (scanFlags, ~180
	// instructions a segment); here they cost the few operations per word
	// of classes on the word already loaded.
	// Segments terminated by other than LF (no CRs to strip) are read
	// many at a time while they come one after the other.
	if haveSSE && r.delims.Segment != '\n' && r.end-r.start >= 32 && !r.oneByOne {
		if s := r.batch(); s != nil {
			return s, nil
		}
	}
	seps := r.seg.seps[:0]
	scanned := 0   // bytes after r.start already searched
	var acc uint64 // classes of the bytes searched (see classes)
	for {
		buf := r.buf[r.start:r.end]
		i := scanned
		if haveSSE && len(buf)-i >= 16 && cap(seps)-len(seps) >= 16 {
			// 16 bytes at a time while 16 are left (see scanSSE); the
			// loops below finish the buffer.
			room := seps[len(seps):cap(seps)]
			next, term, n, m := scanSSE(&buf[0], len(buf), i, &room[0], len(room), &r.vec)
			seps = seps[:len(seps)+n]
			acc |= sseClasses(m)
			if term >= 0 {
				if r.delims.Segment == '\n' {
					return r.emit(r.start+term, false, seps, acc), nil
				}
				// emit without the call (~25 instructions a segment),
				// for a terminator other than LF (no CRs to strip).
				data := buf[:term]
				r.index++
				s := &r.seg
				s.Index = r.index
				s.Offset = r.base + int64(r.start)
				s.Data = data
				s.Delims = r.delims
				s.Unterminated = false
				s.crs = 0
				s.flags = flagsOf(acc)
				s.seps = append(seps, int32(term))
				s.tag = tagOf(data[:s.seps[0]])
				r.start += term + 1
				return s, nil
			}
			i = next
		}
		// The delimiters in every byte, for the word loop (worked out
		// here, not for the segments scanSSE finishes).
		ts, es := r.vec[0][0], r.vec[1][0]
		cs, rs := r.vec[2][0], r.vec[3][0]
		for ; i+8 <= len(buf); i += 8 {
			w := binary.LittleEndian.Uint64(buf[i:])
			mt := zeroBytes(w ^ ts)
			me := zeroBytes(w ^ es)
			x := classes(w, cs, rs)
			if mt != 0 {
				// The bits of the bytes below the terminator (not its own
				// bits 0-6: a control character as the terminator set
				// flagCtrl on every segment it ended).
				keep := (mt&-mt)>>7 - 1
				me &= keep
				acc |= x & keep
				for me != 0 {
					seps = append(seps, int32(i+bits.TrailingZeros64(me)>>3))
					me &= me - 1
				}
				return r.emit(r.start+i+bits.TrailingZeros64(mt)>>3, false, seps, acc), nil
			}
			acc |= x
			for me != 0 {
				seps = append(seps, int32(i+bits.TrailingZeros64(me)>>3))
				me &= me - 1
			}
		}
		term, elem := r.delims.Segment, r.delims.Element
		for ; i < len(buf); i++ {
			switch c := buf[i]; c {
			case term:
				return r.emit(r.start+i, false, seps, acc), nil
			case elem:
				seps = append(seps, int32(i))
			default:
				acc |= classes(uint64(c), cs&0xFF, rs&0xFF) & 0xFF
			}
		}
		scanned = i
		if scanned > r.MaxSegment {
			r.seg.seps = seps
			return r.fail(ErrSegmentTooLong, "022")
		}
		if !r.fill() {
			if r.rerr != nil {
				r.seg.seps = seps
				return r.fail(r.rerr, "023")
			}
			// End of input without a terminator.
			return r.emit(r.end, true, seps, acc), nil
		}
	}
}

// classes marks, in each byte of w, bit 7 when the byte is the component
// separator (cs: the separator in every byte), bit 6 when it is the
// repetition separator (rs), and bit 5 when it is outside the X12
// character sets (below 0x20, DEL, or 0x80 and above). A mark can be
// wrong only in a byte above (more significant than) a byte rightly marked
// with the same bit, from the borrow or carry of the byte below; so the
// marks of the bytes below any byte boundary, taken together, are exact,
// which is all the tokenizer needs (it keeps the bytes below the
// terminator).
func classes(w, cs, rs uint64) uint64 {
	const l20 = 0x2020202020202020
	c, p := w^cs, w^rs
	return (c-lo8)&^c&hi8 | ((p-lo8)&^p&hi8)>>1 | (((w-l20)&^w|w|(w+lo8))&hi8)>>2
}

// sseClasses turns the classes scanSSE returns into those of classes.
func sseClasses(m uint64) uint64 {
	var a uint64
	if m&0xFFFF != 0 {
		a |= 0x80
	}
	if m&0xFFFF0000 != 0 {
		a |= 0x40
	}
	if m>>32 != 0 {
		a |= 0x20
	}
	return a
}

// flagsOf turns the marks of classes into scan flags.
func flagsOf(acc uint64) uint8 {
	const (
		b7 = 0x8080808080808080
		b6 = b7 >> 1
		b5 = b7 >> 2
	)
	f := uint8(flagScanned)
	if acc&b7 != 0 {
		f |= flagComps
	}
	if acc&b6 != 0 {
		f |= flagReps
	}
	if acc&b5 != 0 {
		f |= flagCtrl
	}
	return f
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

const (
	flagScanned = 1 << iota
	flagComps
	flagReps
	flagCtrl
)

// scanFlags finds, in one pass, whether the segment holds a component
// separator, a repetition separator or a byte outside the X12 character
// sets (a control character, DEL, or 0x80 and above; flagCtrl). Only the
// answers are needed, not the positions, so each test is the exact boolean
// form of the zero-byte trick: (v - 0x01..) & ^v & 0x80.. is non-zero iff
// some byte of v is zero (and with 0x20.. iff some byte is below 0x20).
func (s *Segment) scanFlags() uint8 {
	if s.flags&flagScanned != 0 {
		return s.flags
	}
	const (
		l20 = 0x2020202020202020
		x7f = 0x7F7F7F7F7F7F7F7F
	)
	cs := uint64(s.Delims.Component) * lo8
	rs := uint64(s.Delims.Repetition) * lo8
	var mc, mr, mx uint64
	b := s.Data
	f := uint8(flagScanned)
	if len(b) >= 8 {
		// Whole words, the last one overlapping the one before it. A plain
		// loop rather than a closure: the three masks stay in registers.
		last := len(b) - 8
		for i := 0; ; i += 8 {
			if i > last {
				i = last
			}
			w := binary.LittleEndian.Uint64(b[i:])
			c, r, d := w^cs, w^rs, w^x7f
			mc |= (c - lo8) &^ c
			mr |= (r - lo8) &^ r
			// below 0x20, DEL, or 0x80 and above: outside the character sets
			mx |= (w-l20)&^w | (d-lo8)&^d | w
			if i == last {
				break
			}
		}
	} else {
		for _, c := range b {
			switch {
			case c == s.Delims.Component:
				f |= flagComps
			case c == s.Delims.Repetition:
				f |= flagReps
			case c < 0x20 || c >= 0x7F:
				f |= flagCtrl
			}
		}
	}
	if mc&hi8 != 0 {
		f |= flagComps
	}
	if mr&hi8 != 0 {
		f |= flagReps
	}
	if mx&hi8 != 0 {
		f |= flagCtrl
	}
	s.flags = f
	return f
}

// zeroBytes sets the high bit of every byte of v that is zero (exact, no
// false positives).
func zeroBytes(v uint64) uint64 {
	const hi7 = 0x7F7F7F7F7F7F7F7F
	return ^(((v & hi7) + hi7) | v | hi7)
}

// isDelim reports whether c is the element, component or repetition
// separator of the current interchange.
func (r *Reader) isDelim(c byte) bool {
	return r.have && (c == r.delims.Element || c == r.delims.Component || c == r.delims.Repetition)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func (r *Reader) readISA() (*Segment, error) {
	for r.end-r.start < isaLen && r.fill() { //nolint:revive // empty-block: fill does the work
	}
	if r.end-r.start < isaLen {
		return r.fail(ErrShortISA, "023")
	}
	b := r.buf[r.start : r.start+isaLen]
	d := Delimiters{Element: b[3], Repetition: b[82], Component: b[104], Segment: b[105]}
	if !validDelims(d) {
		if isAlnum(d.Element) || d.Element == d.Segment {
			return r.fail(ErrBadDelimiters, "026")
		}
		return r.fail(ErrBadDelimiters, "027")
	}
	r.delims, r.have = d, true
	for i, c := range [6]byte{d.Segment, d.Element, d.Component, d.Repetition, 0x20, 0x7F} {
		r.vec[i] = [2]uint64{uint64(c) * lo8, uint64(c) * lo8}
	}
	seps := r.seg.seps[:0]
	for i, c := range b[:isaLen-1] {
		if c == d.Element {
			seps = append(seps, int32(i))
		}
	}
	s := r.emit(r.start+isaLen-1, false, seps, 0)
	// ISA11 and ISA16 hold the separators themselves: not repetitions.
	s.flags = flagScanned
	return s, nil
}

// validDelims reports whether the delimiters are usable. The repetition
// separator may equal none of the others unless it is "U" (4010 style,
// repetition not used), which is allowed.
func validDelims(d Delimiters) bool {
	if isAlnum(d.Element) || isAlnum(d.Component) || isAlnum(d.Segment) {
		return false
	}
	if d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment {
		return false
	}
	if d.Repetition != 'U' && (isAlnum(d.Repetition) || d.Repetition == d.Element || d.Repetition == d.Component || d.Repetition == d.Segment) {
		return false
	}
	return true
}

// emit builds the segment Data = buf[start:stop] with the element
// separator offsets found by the scan, and consumes the terminator.
//
// acc holds the classes of the bytes searched (see classes), which give
// the segment's scan flags.
func (r *Reader) emit(stop int, unterminated bool, seps []int32, acc uint64) *Segment {
	data := r.buf[r.start:stop]
	var crs int32
	// With LF as the terminator, CRs before it are line-ending noise: strip
	// them all, so writing and re-reading is a fixed point.
	for r.delims.Segment == '\n' && len(data) > 0 && data[len(data)-1] == '\r' && !r.isDelim('\r') {
		data = data[:len(data)-1]
		crs++
		if n := len(seps); n > 0 && int(seps[n-1]) >= len(data) {
			seps = seps[:n-1]
		}
	}
	r.index++
	s := &r.seg
	s.Index = r.index
	s.Offset = r.base + int64(r.start)
	s.Data = data
	s.Delims = r.delims
	s.Unterminated = unterminated
	s.crs = crs
	s.flags = flagsOf(acc)
	if crs > 0 {
		// The stripped CRs were searched too: scanFlags works the flags
		// out again from Data alone.
		s.flags = 0
	}
	s.seps = append(seps, int32(len(data)))
	s.tag = tagOf(data[:s.seps[0]])
	r.start = stop
	if !unterminated {
		r.start++
	}
	return s
}

// itoa formats a non-negative int without fmt.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [24]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
