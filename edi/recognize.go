package edi

// The loop recognizer: one state machine driven by a compiled guide table.
// It keeps a stack of open loop instances; each frame remembers the last
// matched child and how often each child was used. A segment is matched by
// searching forward from the start of the current child's X12 position in
// the innermost loop, then in each enclosing loop: siblings sharing a
// position come in any order. A loop child matches on its trigger segment
// (with its qualifier code). Nothing is allocated per segment unless an
// error is recorded. The element checks are in elements.go.

type frame struct {
	n      *node
	idx    int
	counts []uint16
	hl     int // HL01 of this loop instance, 0 if none
	// HL04 child code ('0' or '1'), whether a child HL loop was seen, and
	// where the HL segment was, for the child code check at loop end.
	hlChild byte
	hlSaw   bool
	hlIdx   int
	hlOff   int64
	hlPos   int
	id      int // instance number, unique within the transaction set
	// balancing: running totals in ten-thousandths
	total, sum int64
	totalOK    bool
	totalIdx   int
	totalOff   int64
	totalPos   int
}

type recognizer struct {
	g      *Guide
	stack  []frame
	pos    int // segment position in the set (ST = 1)
	lastHL int
	inst   int
	// Place is set after each step: the node the segment matched (nil when
	// unplaced) and the loop it was placed in.
	place *node
	cache *[findCacheSize]findEntry
	// strict is set when the last segment matched with its qualifier code.
	strict bool
	// ctxVal is the current business unit identifier (CLM01), copied into
	// a reused buffer; ctxInst is the loop instance it belongs to.
	ctxVal  []byte
	ctxInst int
	// placeOnly places segments without checking them: no element checks,
	// no HL numbering or missing-segment reports (Walk and WalkSets,
	// whose callers never see the recognizer's errors).
	placeOnly bool
	// balA and balB are the guide's first balancing tags (0, which no
	// segment ID packs to, when there are none), balMore is set when it
	// has more: step tests two integers instead of looping over the list.
	balA, balB uint32
	balMore    bool
	// hooks let the JSON builder follow loop openings.
	onPush func(n *node, id int)
	onPop  func(n *node, id int)
}

func (r *recognizer) reset(g *Guide) {
	if r.cache == nil || r.g != g {
		r.cache = new([findCacheSize]findEntry)
	}
	r.g = g
	r.stack = r.stack[:0]
	r.pos = 0
	r.lastHL = 0
	r.inst = 0
	r.ctxInst = -1
	r.place = nil
	r.balA, r.balB, r.balMore = 0, 0, false
	if g != nil {
		bt := g.balanceTags
		if len(bt) > 0 {
			r.balA = bt[0]
		}
		if len(bt) > 1 {
			r.balB = bt[1]
		}
		r.balMore = len(bt) > 2
	}
}

func (r *recognizer) push(n *node) {
	r.inst++
	if len(r.stack) < cap(r.stack) {
		r.stack = r.stack[:len(r.stack)+1]
	} else {
		r.stack = append(r.stack, frame{})
	}
	f := &r.stack[len(r.stack)-1]
	counts := f.counts
	if cap(counts) < len(n.Children) {
		counts = make([]uint16, len(n.Children))
	} else {
		counts = counts[:len(n.Children)]
		clear(counts)
	}
	// Field by field: the composite literal was built aside and copied
	// with its pointers (~40 instructions a loop opened).
	f.n, f.idx, f.counts, f.hl = n, 0, counts, 0
	f.hlChild, f.hlSaw, f.hlIdx, f.hlOff, f.hlPos = 0, false, 0, 0, 0
	f.id = r.inst
	f.total, f.sum, f.totalOK, f.totalIdx, f.totalOff, f.totalPos = 0, 0, false, 0, 0, 0
	f.counts[0] = 1
	if r.onPush != nil {
		r.onPush(n, r.inst)
	}
}

// start handles the ST segment.
func (r *recognizer) start(v *validator, s *Segment) {
	r.pos = 1
	if r.g == nil {
		return
	}
	r.push(r.g.root)
	r.strict = false
	r.place = r.g.root.Children[0]
	if !r.placeOnly {
		v.checkElements(s, r.place, "", r.pos)
	}
}

// step places one segment after ST.
func (r *recognizer) step(v *validator, s *Segment) {
	r.pos++
	r.place = nil
	if r.g == nil {
		return
	}
	tag := s.Tag()
	d, ci := r.find(s, tag, true)
	r.strict = d >= 0
	if d < 0 {
		d, ci = r.find(s, tag, false)
	}
	if d < 0 {
		if r.placeOnly {
			return
		}
		top := r.stack[len(r.stack)-1].n
		code := "2"
		if !r.g.inGuide[tag] {
			code = "6"
			if dict.tags[tag] == nil {
				code = "1"
			}
		}
		v.segErr(KindIK3, code, s, r.pos, loopLabel(top), 0, 0, 0)
		return
	}
	for len(r.stack)-1 > d {
		r.pop(v, s)
	}
	f := &r.stack[d]
	grp := f.n.grp
	// c and its count are read once (they were read again below, each
	// time with its bounds checks).
	c := f.n.Children[ci]
	if c.Max > 0 && int(f.counts[ci]) >= c.Max {
		// This sibling is full: a later one at the same position that
		// also takes the segment gets it (repeats are counted per
		// sibling of a position).
		if alt := r.spare(s, f, ci); alt > 0 {
			ci = alt
			c = f.n.Children[ci]
		}
	}
	// Required children of the positions passed over are missing; those
	// at the new segment's position may still come, in any order.
	if from, to := grp[f.idx], grp[ci]; to > from && !r.placeOnly {
		for _, k := range f.n.req {
			if k >= to {
				break // req is in child order
			}
			if k >= from && f.counts[k] == 0 {
				r.missing(v, s, f.n.Children[k], f.n)
			}
		}
	}
	f.idx = ci
	cnt := &f.counts[ci]
	if *cnt < 0xFFFF {
		*cnt++
	}
	if c.Max > 0 && int(*cnt) > c.Max && !r.placeOnly {
		// IK303 is the loop the segment in error sits in: the loop
		// holding the over-used segment, or the excess loop itself.
		code, loop := "5", loopLabel(f.n)
		if c.Loop {
			code, loop = "4", c.ID
		}
		v.segErr(KindIK3, code, s, r.pos, loop, 0, 0, 0)
	}
	seg := c
	if c.Loop {
		r.push(c)
		seg = c.first()
	}
	r.place = seg
	top := &r.stack[len(r.stack)-1]
	if r.placeOnly {
		return
	}
	loop := loopLabel(top.n)
	v.checkElements(s, seg, loop, r.pos)
	if tag == r.g.ctxTag && top.n.ID == r.g.ctxLoop && r.g.ctxEl > 0 {
		r.ctxVal = append(r.ctxVal[:0], s.Element(r.g.ctxEl)...)
		r.ctxInst = top.id
	}
	if tag == tagHL {
		r.checkHL(v, s, top)
	}
	if (tag == r.balA || tag == r.balB || r.balMore && hasTag(r.g.balanceTags, tag)) && !v.opts.SkipBalancing {
		r.balanceStep(s, tag, top)
	}
	if v.check != nil {
		v.check.Segment(s, Place{Pos: r.pos, Loop: loop, Depth: len(r.stack), Start: c.Loop, Node: seg.seq}, v.checkAdd)
	}
}

// context returns the business unit identifier's name and value when the
// innermost loops are inside the loop instance that set it.
func (r *recognizer) context() (string, string) {
	if r.g == nil || r.ctxInst < 0 {
		return "", ""
	}
	for d := len(r.stack) - 1; d >= 0; d-- {
		if r.stack[d].id == r.ctxInst {
			return r.g.ctxName, string(r.ctxVal)
		}
	}
	return "", ""
}

func loopLabel(n *node) string {
	if n == nil || n.Parent == nil {
		return ""
	}
	return n.ID
}

// findCache remembers where a segment went, keyed by the innermost loop
// node, its current child, the segment tag and the first element. The
// search path depends only on the innermost frame (each ancestor's current
// child is the loop below it), so an entry is exact when every candidate
// the search looked at is told apart by element 1 alone.
type findEntry struct {
	n     *node
	idx   int32
	tag   uint32
	e1    uint64
	up    int32 // frames above the match
	ci    int32
	valid bool
}

const findCacheSize = 1024

// noKey is the findEntry.e1 of a first element packCode cannot pack (no
// packed code has 0xFF as its length byte).
const noKey = 0xFF << 56

// find searches the open loops, innermost first, for a child matching s.
func (r *recognizer) find(s *Segment, tag uint32, strict bool) (int, int) {
	e1 := s.Element(1)
	top := &r.stack[len(r.stack)-1]
	k1, packed := packCode(e1)
	if !packed {
		// A first element too long to pack (CLM01, N301, SV101, HI01):
		// the entry is keyed by noKey and stored only when no candidate
		// looked at has a qualifier there, so it holds whatever the
		// element (a quarter of an 837P's segments searched every time
		// before).
		k1 = noKey
	}
	var slot *findEntry
	if strict {
		h := (uintptr(top.n.seq)*0x9E3779B1 ^ uintptr(top.idx)*0x85EBCA77 ^ uintptr(tag)*0xC2B2AE3D ^ uintptr(k1)*0x27D4EB2F) >> 7
		slot = &r.cache[h%findCacheSize]
		if slot.valid && slot.n == top.n && slot.idx == int32(top.idx) && slot.tag == tag && slot.e1 == k1 {
			return len(r.stack) - 1 - int(slot.up), int(slot.ci)
		}
	}
	cacheable := slot != nil
	for d := len(r.stack) - 1; d >= 0; d-- {
		f := &r.stack[d]
		tags := f.n.tags
		// Search from the start of the current child's position: the
		// siblings sharing it may come in any order.
		from := f.n.grp[f.idx]
		if from == 0 {
			from = 1
		}
		for ci := from; ci < len(tags); ci++ {
			if tags[ci] != tag {
				continue
			}
			c := f.n.Children[ci]
			q := c
			if c.Loop {
				q = c.first()
			}
			if q.QEl > 1 || q.QComp > 0 || q.Q2El > 0 || q.QEl == 1 && !packed {
				cacheable = false
			}
			if !strict || q.qualifies(s, e1) {
				if cacheable {
					*slot = findEntry{n: top.n, idx: int32(top.idx), tag: tag, e1: k1, up: int32(len(r.stack) - 1 - d), ci: int32(ci), valid: true}
				}
				return d, ci
			}
		}
	}
	return -1, -1
}

// spare returns another child of f at the same position as the full
// child ci that takes s with its qualifier and has room left, or 0.
func (r *recognizer) spare(s *Segment, f *frame, ci int) int {
	n := f.n
	e1 := s.Element(1)
	g := n.grp[ci]
	for k := g; k < len(n.Children) && n.grp[k] == g; k++ {
		c := n.Children[k]
		if k == ci || (c.Max > 0 && int(f.counts[k]) >= c.Max) {
			continue
		}
		q := c
		if c.Loop {
			q = c.first()
		}
		if q.qualifies(s, e1) {
			return k
		}
	}
	return 0
}

// pop closes the innermost loop, reporting required children never seen.
func (r *recognizer) pop(v *validator, s *Segment) {
	f := &r.stack[len(r.stack)-1]
	if r.placeOnly {
		if r.onPop != nil {
			r.onPop(f.n, f.id)
		}
		r.stack = r.stack[:len(r.stack)-1]
		return
	}
	from := f.n.grp[f.idx]
	for _, k := range f.n.req {
		if k >= from && f.counts[k] == 0 {
			r.missing(v, s, f.n.Children[k], f.n)
		}
	}
	if f.totalOK && !v.opts.SkipBalancing && f.total != f.sum {
		for _, b := range r.g.balance {
			if b.totalLoop == f.n.ID {
				e := &Error{Kind: KindIK4, Code: "I12", Index: f.totalIdx, Offset: f.totalOff, Pos: f.totalPos,
					SegID: b.totalSeg, Loop: f.n.ID, Elem: b.totalEl, Ref: b.totalRef, Msg: "balancing failed: " + b.name}
				v.add(e)
				break
			}
		}
	}
	if f.hlChild == '1' && !f.hlSaw {
		// HL04 said a child level follows, and none did.
		v.add(&Error{Kind: KindIK4, Code: "I12", Index: f.hlIdx, Offset: f.hlOff, Pos: f.hlPos,
			SegID: "HL", Loop: f.n.ID, Elem: 4, Ref: "736"})
	}
	if r.onPop != nil {
		r.onPop(f.n, f.id)
	}
	r.stack = r.stack[:len(r.stack)-1]
}

func (r *recognizer) missing(v *validator, s *Segment, c *node, in *node) {
	id := c.ID
	loop := loopLabel(in)
	if c.Loop {
		id = c.first().ID
		loop = c.ID
	}
	v.add(&Error{Kind: KindIK3, Code: "3", Index: s.Index, Offset: s.Offset, Pos: r.pos, SegID: id, Loop: loop})
}

// finish closes every loop at SE.
func (r *recognizer) finish(v *validator, s *Segment) {
	for len(r.stack) > 0 {
		r.pop(v, s)
	}
}

// abort closes the loops of a set whose SE never came, without reporting
// what is missing inside (the missing trailer is reported instead).
func (r *recognizer) abort(v *validator, s *Segment) {
	for len(r.stack) > 0 {
		f := &r.stack[len(r.stack)-1]
		if r.onPop != nil {
			r.onPop(f.n, f.id)
		}
		r.stack = r.stack[:len(r.stack)-1]
	}
}

// checkHL checks the HL numbering: HL01 counts up from 1 and HL02 names the
// enclosing hierarchical loop.
func (r *recognizer) checkHL(v *validator, s *Segment, top *frame) {
	// IK402 carries the element's reference number (HL01 628, HL02 734).
	rules := r.place.Elems
	id, ok := atoiBytes(s.Element(1))
	if !ok || id != r.lastHL+1 {
		v.elErr(&rules[0], "I12", s, r.pos, loopLabel(top.n), 1, 0, 0)
	}
	if ok {
		r.lastHL = id
		top.hl = id
	}
	if c := s.Element(4); len(c) == 1 {
		top.hlChild = c[0]
	}
	top.hlIdx, top.hlOff, top.hlPos = s.Index, s.Offset, r.pos
	parent := 0
	for d := len(r.stack) - 2; d >= 0; d-- {
		if pf := &r.stack[d]; pf.hl > 0 {
			parent = pf.hl
			pf.hlSaw = true
			if pf.hlChild == '0' {
				// HL04 said no child level follows.
				v.add(&Error{Kind: KindIK4, Code: "I12", Index: pf.hlIdx, Offset: pf.hlOff, Pos: pf.hlPos,
					SegID: "HL", Loop: pf.n.ID, Elem: 4, Ref: "736"})
				pf.hlChild = 0
			}
			break
		}
	}
	p := s.Element(2)
	if parent > 0 {
		if pid, ok := atoiBytes(p); !ok || pid != parent {
			v.elErr(&rules[1], "I12", s, r.pos, loopLabel(top.n), 2, 0, 0)
		}
	}
}

// hasTag reports whether tags holds tag.
func hasTag(tags []uint32, tag uint32) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func (r *recognizer) balanceStep(s *Segment, tag uint32, top *frame) {
	for bi := range r.g.balance {
		b := &r.g.balance[bi]
		if tag != b.totalTag && tag != b.partsTag {
			continue
		}
		if tag == b.totalTag && top.n.ID == b.totalLoop {
			amt, ok := parseAmount(s.Element(b.totalEl))
			top.total, top.sum, top.totalOK = amt, 0, ok
			top.totalIdx, top.totalOff, top.totalPos = s.Index, s.Offset, r.pos
		}
		if tag == b.partsTag && top.n.ID == b.partsLoop {
			amt, ok := parseAmount(s.Element(b.partsEl))
			for d := len(r.stack) - 2; d >= 0; d-- {
				f := &r.stack[d]
				if f.n.ID == b.totalLoop {
					if ok {
						f.sum += amt
					} else {
						f.totalOK = false
					}
					break
				}
			}
		}
	}
}

// parseAmount parses a decimal into ten-thousandths.
func parseAmount(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 17 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
	}
	var n int64
	frac := -1
	digits := 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if frac >= 0 {
				if frac >= 4 {
					continue
				}
				frac++
			}
			n = n*10 + int64(c-'0')
			digits++
		case c == '.' && frac < 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < 4; frac++ {
		n *= 10
	}
	if neg {
		n = -n
	}
	return n, true
}
