package edi

// Parallel validation. Transaction sets are checked independently of each
// other: the loop recognizer, the element rules and the Checker (SNIP 4-5)
// keep state only within one ST..SE. So three kinds of goroutine share the
// work:
//
//   - the reader (one goroutine) tokenizes the input, follows the envelope
//     just far enough to know which segments belong to an open set, and
//     copies those into batches handed to the set's worker;
//   - workers (Options.Workers) run each set's body from its ST to its SE
//     through a validator of their own whose errors go to the set's result
//     instead of the report;
//   - the merger (the calling goroutine) runs the sequential validator over
//     the envelope segments and, at each set, replays the worker's findings
//     through the same add as the sequential path, in stream order. The
//     report, MaxErrors, Dropped, DropAccepted and OnInterchange therefore
//     come out exactly as with one worker.
//
// Memory stays bounded: batches come from a fixed pool (the reader waits
// for a free one), the reader's buffers are dropped, not reused, once a
// batch may hold views into them, and the sets queued between the reader and the merger
// are bounded by the channels' capacities; a set keeps at most MaxErrors
// findings in full.

import (
	"errors"
	"io"
	"math"
	"sync/atomic"
)

func (v *validator) workers() int {
	return max(v.opts.Workers, 1)
}

// batchSegs is the number of segments a batch holds at most, batchBufs
// the number of read buffers its segments may lie in.
const (
	batchSegs = 1 << 10
	batchBufs = 8 // a power of two (segBatch.seg masks by it)
)

// segBatch holds consecutive segments of one set, without pointers per
// segment (the collector and the write barrier would pay for them): each
// is a segRec locating its bytes in one of the batch's read buffers, which
// the reader never reuses in parallel mode (Reader.bufs), and its
// separator positions in seps, where the tokenizer writes them directly.
type segBatch struct {
	recs  []segRec
	seps  []int32
	first int // Index of recs[0]; the others follow
	// The read buffers in arrays indexed by segRec.buf masked to their
	// length, so that seg has no bounds check on them, and the buffer add
	// writes into kept apart (cur, curBase, curLim), so that add tests it
	// with two comparisons.
	bufs    [batchBufs][]byte
	bases   [batchBufs]int64 // stream offset of each buffer's first byte
	rbs     [batchBufs]*rbuf // the reader buffers bufs are windows of
	nbufs   int
	cur     *rbuf // rbs[nbufs-1], nil when the batch is empty
	curBase int64 // bases[nbufs-1]
	curLim  int64 // segments ending past it do not fit in 32-bit positions
	delims  Delimiters
}

type segRec struct {
	start, end   int32 // Data is bufs[buf][start:end]
	seps0, nseps int32 // seps are seps[seps0:seps0+nseps]
	tag          uint32
	crs          int32
	buf          uint8
	unterminated bool
	flags        uint8 // the tokenizer's scan flags (in the padding)
}

func newBatch(n int) *segBatch {
	return &segBatch{recs: make([]segRec, 0, n), seps: make([]int32, 0, 8*n)}
}

// batchPool hands the reader its batches: made on demand up to its
// capacity (the first ones small, so that a small input allocates
// little), then the ones the workers give back.
type batchPool struct {
	free chan *segBatch
	made int
}

func (p *batchPool) get() *segBatch {
	select {
	case b := <-p.free:
		return b
	default:
	}
	if p.made < cap(p.free) {
		p.made++
		// 64, 128, ... up to batchSegs (32<<5). The shift is bounded:
		// a pool for 4 workers holds 72 batches, and 32<<58 overflows
		// to a negative capacity.
		return newBatch(min(batchSegs, 32<<min(p.made, 5)))
	}
	return <-p.free
}

// add puts s, just returned by rd, in the batch; false when the batch is
// full.
func (b *segBatch) add(s *Segment, rd *Reader, ring *bufRing) bool {
	n := len(b.recs)
	if n == cap(b.recs) {
		return false
	}
	if b.cur != ring.cur || s.Offset+int64(len(s.Data)) > b.curLim {
		if !b.newBuf(s, rd, ring) {
			return false
		}
	}
	n0, k := len(b.seps), len(s.seps)
	switch {
	case k > 0 && n0+k <= cap(b.seps) && &b.seps[n0 : n0+1][0] == &s.seps[0]:
		// The tokenizer wrote them in place (see read).
		b.seps = b.seps[:n0+k]
	case n0+k <= cap(b.seps):
		// A loop, not append: most segments have a handful of
		// separators, and memmove's call costs more than copying them.
		dst := b.seps[n0 : n0+k]
		for i, v := range s.seps[:len(dst)] {
			dst[i] = v
		}
		b.seps = b.seps[:n0+k]
	default:
		if n > 0 {
			return false
		}
		b.seps = append(make([]int32, 0, max(k, 8*batchSegs)), s.seps...)
		n0 = 0
	}
	if n == 0 {
		b.first, b.delims = s.Index, s.Delims
	}
	// Field by field into the slice: an appended composite literal is
	// built on the stack and copied (~12 instructions a segment more).
	start := int32(s.Offset - b.curBase)
	b.recs = b.recs[:n+1]
	r := &b.recs[n]
	r.start, r.end = start, start+int32(len(s.Data))
	r.seps0, r.nseps = int32(n0), int32(k)
	r.tag, r.crs, r.buf = s.tag, s.crs, uint8(b.nbufs-1)
	r.unterminated, r.flags = s.Unterminated, s.flags
	return true
}

// newBuf starts a window of the reader's buffer at s; false when the batch
// already uses batchBufs buffers. Rare: kept out of add's body.
//
//go:noinline
func (b *segBatch) newBuf(s *Segment, rd *Reader, ring *bufRing) bool {
	nb := b.nbufs
	if nb == batchBufs {
		return false
	}
	// The buffer from this segment on (a window of it, so that positions
	// in it fit in 32 bits whatever its size).
	at := s.Offset - rd.base
	b.bufs[nb] = rd.buf[at:]
	b.bases[nb] = s.Offset
	b.rbs[nb] = ring.cur
	ring.cur.refs.Add(1)
	b.nbufs = nb + 1
	b.cur, b.curBase, b.curLim = ring.cur, s.Offset, s.Offset+math.MaxInt32
	return true
}

// seg sets s to the batch's segment i, but for its delimiters: those are
// the batch's, set once per batch by runSet, which keeps seg within the
// inlining budget.
func (b *segBatch) seg(i int, s *Segment) {
	// Field by field: a composite literal is built aside and copied with
	// its pointers, which costs twice as much.
	r := &b.recs[i]
	k := r.buf
	s.Index = b.first + i
	s.Offset = b.bases[k] + int64(r.start)
	s.Data = b.bufs[k][r.start:r.end]
	s.Unterminated = r.unterminated
	s.crs = r.crs
	s.flags = r.flags
	s.tag = r.tag
	s.seps = b.seps[r.seps0 : r.seps0+r.nseps]
}

// reset empties the batch for reuse.
func (b *segBatch) reset() {
	for i := range b.nbufs {
		b.rbs[i].release()
	}
	clear(b.bufs[:]) // no references kept to the input
	clear(b.rbs[:])
	b.nbufs, b.cur = 0, nil
	b.recs, b.seps = b.recs[:0], b.seps[:0]
}

// rbuf is a read buffer and the count of its users: the reader while it
// reads it, and each batch with segments in it. At zero it is free again.
type rbuf struct {
	b    []byte
	refs atomic.Int32
	free chan *rbuf // where it goes back; nil: it is not reused
}

func (rb *rbuf) release() {
	if rb.refs.Add(-1) == 0 && rb.free != nil {
		select {
		case rb.free <- rb:
		default:
		}
	}
}

// bufRing gives the reader its buffers in parallel mode (Reader.bufs).
type bufRing struct {
	cur  *rbuf
	free chan *rbuf
}

func (g *bufRing) get(n int) []byte {
	var rb *rbuf
	select {
	case rb = <-g.free:
		if len(rb.b) != n {
			rb = nil // the reader grew its buffer for a long segment
		}
	default:
	}
	if rb == nil {
		rb = &rbuf{b: make([]byte, n), free: g.free}
	}
	rb.refs.Store(1)
	g.cur = rb
	return rb.b
}

func (g *bufRing) retire() { g.cur.release() }

// copySegment returns a copy of s that owns its bytes.
func copySegment(s *Segment) *Segment {
	c := *s
	c.Data = append([]byte(nil), s.Data...)
	c.seps = append([]int32(nil), s.seps...)
	return &c
}

// setFinding is one finding of a worker, with the business unit context the
// recognizer had when it was found.
type setFinding struct {
	e   *Error
	ctx [2]string
}

// setResult is what a worker found in one set.
type setResult struct {
	errs []setFinding
	// Findings past MaxErrors are not kept: the report would drop them
	// anyway (it already holds at least MaxErrors when they are merged).
	// What they do to the set's acknowledgment and Dropped is kept.
	over       int
	overBad    bool
	overNoted  bool
	overTA1    []*Error // TA1 findings are listed in the interchange even when dropped
	pos        int      // segments in the set (SE01's count), when complete
	complete   bool     // the set ended with its SE
	panicked   any      // what the validation panicked with
	max        int
	lastIndex  int
	lastOffset int64
}

func (r *setResult) record(v *validator, e *Error) {
	if len(r.errs) < r.max {
		p := setFinding{e: e}
		if e.Kind >= KindIK3 {
			p.ctx[0], p.ctx[1] = v.rec.context()
		}
		r.errs = append(r.errs, p)
		return
	}
	r.over++
	switch e.Kind {
	case KindTA1:
		r.overTA1 = append(r.overTA1, e)
		r.over--
	case KindAK9:
	default:
		if e.Warning || len(v.opts.Tolerate) > 0 && v.opts.tolerates(e) {
			r.overNoted = true
		} else {
			r.overBad = true
		}
	}
}

// setJob is one transaction set on its way through a worker.
type setJob struct {
	st      *Segment // the merger's copy of the ST
	isa, gs Seg
	batches chan *segBatch
	done    chan struct{}
	res     setResult
}

// item is what the reader hands the merger, in stream order: an envelope
// segment (or one outside any set), a set, or the end of the input.
type item struct {
	seg *Segment
	job *setJob
	end *endItem
}

type endItem struct {
	syntax   *SyntaxError
	ioErr    error
	offset   int64
	segments int
	panicked any // what the reader panicked with
}

func validateParallel(v *validator, rd *Reader, workers int) (*Report, error) {
	v.par = true
	pool := make(chan *segBatch, 16*workers+8)
	jobs := make(chan *setJob, 2*workers)
	items := make(chan item, 8*workers)
	for i := 0; i < workers; i++ {
		go work(v.opts, jobs, pool)
	}
	go read(rd, pool, jobs, items)
	load()
	defer func() {
		p := recover()
		if p == nil {
			close(jobs)
			return
		}
		// Let the reader and the workers finish, then panic on the
		// caller's goroutine as the sequential path would.
		go func() {
			for it := range items {
				if it.job != nil {
					<-it.job.done
				}
			}
			close(jobs)
		}()
		panic(p)
	}()
	if loadErr != nil {
		for it := range items {
			if it.job != nil {
				<-it.job.done
			}
		}
		return nil, loadErr
	}
	var ioErr error
	for it := range items {
		switch {
		case it.seg != nil:
			v.segment(it.seg)
		case it.job != nil:
			v.mergeSet(it.job)
		case it.end != nil:
			end := it.end
			if end.panicked != nil {
				panic(end.panicked)
			}
			v.rep.Segments = end.segments
			if end.syntax != nil {
				v.noteSyntax(end.syntax)
			}
			ioErr = end.ioErr
			v.eof(end.offset)
		}
	}
	return v.rep, ioErr
}

// mergeSet runs the envelope checks of a set's ST and adds the worker's
// findings, as validator.segment does for the set's segments one by one.
func (v *validator) mergeSet(j *setJob) {
	v.segment(j.st)
	<-j.done
	r := &j.res
	if r.panicked != nil {
		panic(r.panicked)
	}
	for i := range r.errs {
		p := &r.errs[i]
		v.addCtx(p.e, &p.ctx)
	}
	if v.set != nil {
		if r.overBad {
			v.set.bad = true
		}
		if r.overNoted {
			v.set.noted = true
		}
	}
	v.rep.Dropped += r.over
	for _, e := range r.overTA1 {
		v.addCtx(e, nil)
	}
	v.lastIndex, v.lastOffset = r.lastIndex, r.lastOffset
	if r.complete && v.set != nil {
		v.set.Segments = r.pos
		v.endSet()
	}
}

// read tokenizes the input and sorts its segments: those of an open set go
// to the set's worker in batches, the others to the merger one by one.
// It follows validator.segment's envelope: a set opens at an ST inside a
// group and closes at its SE or at any ISA, IEA, GS, GE or ST; a group
// opens at GS and closes at GE, ISA, IEA or the next GS.
func read(rd *Reader, pool chan *segBatch, jobs chan<- *setJob, items chan<- item) {
	defer close(items)
	bp := &batchPool{free: pool}
	var (
		inGrp   bool
		isa, gs Seg
		job     *setJob
		b       *segBatch
		n       int
		end     = &endItem{}
	)
	defer func() {
		if p := recover(); p != nil {
			if job != nil {
				close(job.batches)
			}
			items <- item{end: &endItem{panicked: p}}
		}
	}()
	// The reader's buffers go back to it when the batches with segments
	// in them are done (an input in memory is never written to).
	ring := &bufRing{free: make(chan *rbuf, 2*cap(pool)+2)}
	ring.cur = &rbuf{b: rd.buf}
	if rd.r != nil {
		ring.cur.free = ring.free
	}
	ring.cur.refs.Store(1)
	rd.bufs = ring
	spare := make([]int32, 0, 64)
	for {
		// Inside a set the tokenizer writes the separator positions
		// straight into the batch.
		if b != nil {
			rd.seg.seps = b.seps[len(b.seps):]
		} else {
			rd.seg.seps = spare[:0]
		}
		s, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && !isReadErr(se.Err) {
				end.syntax = se
			} else {
				end.ioErr = err
			}
			break
		}
		n++
		tag := s.Tag()
		envelope := tag == tagISA || tag == tagIEA || tag == tagGS || tag == tagGE || tag == tagST
		if job != nil && !envelope {
			// The common case: one more segment of the open set.
			if !b.add(s, rd, ring) {
				job.batches <- b
				b = bp.get()
				b.add(s, rd, ring) // an empty batch takes any segment
			}
			if tag == tagSE {
				job.batches <- b
				b = nil
				close(job.batches)
				job = nil
			}
			continue
		}
		if job != nil {
			// An envelope segment closes the open set.
			job.batches <- b
			b = nil
			close(job.batches)
			job = nil
		}
		switch tag {
		case tagISA:
			isa, inGrp = s.Copy(), false
		case tagIEA:
			isa, inGrp = nil, false
		case tagGS:
			gs, inGrp = s.Copy(), true
		case tagGE:
			inGrp = false
		case tagST:
			if inGrp {
				job = &setJob{st: copySegment(s), isa: isa, gs: gs, batches: make(chan *segBatch, cap(pool)),
					done: make(chan struct{})}
				b = bp.get()
				b.add(s, rd, ring)
				jobs <- job
				items <- item{job: job}
				continue
			}
		}
		items <- item{seg: copySegment(s)}
	}
	if job != nil {
		job.batches <- b
		close(job.batches)
	}
	end.offset = rd.base + int64(rd.end)
	end.segments = n
	items <- item{end: end}
}

// work validates the sets it is given, one at a time.
func work(opts Options, jobs <-chan *setJob, pool chan<- *segBatch) {
	w := &validator{opts: opts, rep: &Report{}}
	load()
	for j := range jobs {
		if !runSet(w, j, pool) {
			w = &validator{opts: opts, rep: &Report{}} // its state is lost
		}
	}
}

// runSet validates one set; false when the validation panicked (the merger
// panics with the same value when it reaches the set).
func runSet(w *validator, j *setJob, pool chan<- *segBatch) (ok bool) {
	r := &j.res
	defer func() {
		if ok {
			return
		}
		r.panicked = recover()
		for b := range j.batches {
			b.reset()
			pool <- b
		}
		close(j.done)
	}()
	r.max = w.opts.MaxErrors
	w.sink = r
	w.ic = &InterchangeResult{ISA: j.isa}
	w.grp = &GroupResult{GS: j.gs}
	w.check = nil
	first := true
	var seg Segment
	s := &seg
	for b := range j.batches {
		i := 0
		s.Delims = b.delims // for seg
		if first {
			// The ST: the merger checks its envelope and this worker
			// what the sequential st does after that.
			first = false
			b.seg(0, s)
			w.set = &SetResult{ST: s.Copy()}
			if loadErr == nil {
				g := setGuide(s, j.gs)
				w.rec.reset(g)
				w.rec.start(w, s)
				w.startCheck(s, g)
			}
			i = 1
		}
		for ; i < len(b.recs) && loadErr == nil; i++ {
			b.seg(i, s)
			if s.Unterminated && !w.opts.AllowUnterminated {
				w.segErr(KindTA1, "023", s, 0, "", 0, 0, 0)
			}
			w.rec.step(w, s)
			if s.tag == tagSE {
				r.pos = w.rec.pos
				r.complete = true
				w.seChecks(s)
			}
		}
		b.seg(len(b.recs)-1, s)
		r.lastIndex, r.lastOffset = s.Index, s.Offset
		b.reset()
		pool <- b
	}
	w.check = nil
	w.set = nil
	w.sink = nil
	close(j.done)
	return true
}
