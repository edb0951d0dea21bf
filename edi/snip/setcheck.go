package snip

import (
	"bytes"
	"encoding/binary"
	"sync"

	"github.com/claimflow/claimflow/edi"
)

// setCheck runs the rules over one transaction set. It keeps one scope per
// open loop instance that has loop or order rules, and the claim (2300) in
// progress for the checks that need the whole claim.
type setCheck struct {
	k       *Checker
	kind    string
	t       *table
	created string // YYYYMMDD: BHT04, else the interchange date (ISA09)
	remit   string // YYYYMMDD: 835 BPR16 (the payment date)
	scopes  []scope
	claim   claim
	done    uint32 // elements of the current segment already reported (bit per element)
	// closeDepth is the deepest of the open claim's and the innermost
	// scope's depths (-1 when neither is open): a segment closes nothing
	// unless closes(closeDepth) holds, so most segments skip closeScopes.
	closeDepth int
	at         edi.Place // the place of the segment being checked
	// nodes holds, per guide node (edi.Place.Node), the rules that apply
	// there, worked out when a segment first lands on the node: the
	// tag's element rules of this level and loop, and the loop and order
	// rules a loop started there opens.
	nodes []nodeRules
	key   nodeKey // what nodes was taken under (takeNodes)
	tmp   nodeRules
}

// nodeKey is what a node's rules depend on besides the node: the compiled
// table (whose node numbers Place.Node gives), the set kind and the level.
type nodeKey struct {
	table *edi.Guide
	kind  string
	level int
}

// keptNodes holds the nodes slices of finished sets by key, their built
// entries kept: the next set of the same table takes one and finds its
// rules already worked out, instead of a fresh slice (about 100 KB for an
// 837P) that it fills in again. Allocating and filling one per set was
// 2.2 MB of every 8 MB of 837P validated, and its page faults and the
// collector's work on it about 5% of x12 validate's time on two cores.
var keptNodes = struct {
	sync.Mutex
	m map[nodeKey][][]nodeRules
}{m: map[nodeKey][][]nodeRules{}}

// keptPerKey bounds the slices kept per key (one a worker is plenty).
const keptPerKey = 8

func takeNodes(k nodeKey, n int) []nodeRules {
	if k.table != nil {
		keptNodes.Lock()
		l := keptNodes.m[k]
		if len(l) > 0 {
			s := l[len(l)-1]
			keptNodes.m[k] = l[:len(l)-1]
			keptNodes.Unlock()
			if len(s) == n {
				return s
			}
		} else {
			keptNodes.Unlock()
		}
	}
	return make([]nodeRules, n)
}

// giveNodes keeps a finished set's nodes for the next set of its key.
func giveNodes(k nodeKey, s []nodeRules) {
	if k.table == nil || s == nil {
		return
	}
	keptNodes.Lock()
	if l := keptNodes.m[k]; len(l) < keptPerKey {
		keptNodes.m[k] = append(l, s)
	}
	keptNodes.Unlock()
}

// What Segment does at a node besides the rules (the tag, Loop and Start
// of a node are fixed, so this is worked out once per node).
const (
	specNone  = iota
	specBHT   // BHT04: the creation day
	specBPR   // BPR16: the payment day
	specClaim // CLM opening a 2300 loop: a new claim
	specDTP   // a claim's service dates
	specHI    // a claim's diagnosis codes
)

type nodeRules struct {
	built   bool
	idle    bool  // nothing to do at this node but close scopes
	special uint8 // spec*
	scoped  bool  // some loop or order rule may match segments here
	opens   bool  // a loop starting here has loop or order rules
	rules   []*elemRule
	loops   []*loopRule
	order   []*orderRule
	// loopHits and orderHits say, per loop and order rule (idx), which of
	// its matches (hit*) may hold here by tag and loop, which are fixed
	// per node: scopeStep then tests only their element conditions.
	loopHits, orderHits []uint8
}

const (
	hitIf = 1 << iota
	hitRequire
	hitForbid
	hitFirst  = hitIf
	hitSecond = hitRequire
)

// node returns the rules of the node a segment was placed at.
func (c *setCheck) node(at edi.Place, tag uint32) *nodeRules {
	e := &c.tmp
	if at.Node > 0 && at.Node < len(c.nodes) {
		e = &c.nodes[at.Node]
		if e.built {
			return e
		}
	} else {
		*e = nodeRules{rules: e.rules[:0], loops: e.loops[:0], order: e.order[:0], loopHits: e.loopHits[:0], orderHits: e.orderHits[:0]}
	}
	e.built = true
	switch tag {
	case tagBHT:
		e.special = specBHT
	case tagBPR:
		e.special = specBPR
	case tagCLM:
		if at.Start && at.Loop == "2300" {
			e.special = specClaim
		}
	case tagDTP:
		e.special = specDTP
	case tagHI:
		e.special = specHI
	}
	te := c.t.byTag.get(tag)
	if te.scoped {
		e.loopHits = append(e.loopHits[:0], make([]uint8, c.t.nLoops)...)
		e.orderHits = append(e.orderHits[:0], make([]uint8, c.t.nOrder)...)
		for _, r := range c.t.allLoops {
			var h uint8
			if r.If.at(tag, at.Loop) {
				h |= hitIf
			}
			if r.Require.at(tag, at.Loop) {
				h |= hitRequire
			}
			if r.Forbid.at(tag, at.Loop) {
				h |= hitForbid
			}
			e.loopHits[r.idx] = h
			e.scoped = e.scoped || h != 0
		}
		for _, r := range c.t.allOrder {
			var h uint8
			if r.First.at(tag, at.Loop) {
				h |= hitFirst
			}
			if r.Second.at(tag, at.Loop) {
				h |= hitSecond
			}
			e.orderHits[r.idx] = h
			e.scoped = e.scoped || h != 0
		}
	}
	for _, r := range te.rules {
		if r.Level <= c.k.Level && r.inLoop(at.Loop) {
			e.rules = append(e.rules, r)
		}
	}
	if at.Start {
		loops, order := c.t.loops[at.Loop], c.t.order[at.Loop]
		e.opens = len(loops) > 0 || len(order) > 0
		for _, r := range loops {
			if r.Level <= c.k.Level {
				e.loops = append(e.loops, r)
			}
		}
		for _, r := range order {
			if r.Level <= c.k.Level {
				e.order = append(e.order, r)
			}
		}
	}
	e.idle = e.special == specNone && !e.scoped && !e.opens && len(e.rules) == 0
	return e
}

type scope struct {
	loop  string
	depth int
	loops []loopState
	order []orderState
}

type where struct {
	index  int
	offset int64
	pos    int
	loop   string
}

type loopState struct {
	r    *loopRule
	met  bool
	at   where
	seen bool
}

type orderState struct {
	r             *orderRule
	first, second [8]byte
	hasF, hasS    bool
	at            where // the second date's segment
}

// claim gathers an 837 claim's diagnosis codes until its service dates are
// known, to pick the ICD-10-CM list of the right fiscal year.
type claim struct {
	open    bool
	depth   int
	dxCount int
	dx      []dxCode
	codes   []byte // the diagnosis codes, back to back
	// first and last service dates (D8 days, both ends of RD8 periods)
	first, last [8]byte
	dated       bool
}

type dxCode struct {
	at         where
	elem, comp int
	from, to   int // the code in claim.codes
	rule       *elemRule
}

func (c *setCheck) remitDay() string {
	if c.remit != "" {
		return c.remit
	}
	return c.created
}

func (c *setCheck) warn() bool { return c.k.Warn }

// closes reports whether a segment at this place ends a claim or scope at
// depth d. It holds for a depth whenever it holds for a shallower one, so
// testing the deepest open one (closeDepth) tells whether any closes.
func closes(at *edi.Place, d int) bool {
	return at.Depth < d || at.Depth == d && at.Start
}

// setCloseDepth works closeDepth out again after a claim or scope opened
// or closed.
func (c *setCheck) setCloseDepth() {
	d := -1
	if c.claim.open {
		d = c.claim.depth
	}
	if n := len(c.scopes); n > 0 && c.scopes[n-1].depth > d {
		d = c.scopes[n-1].depth
	}
	c.closeDepth = d
}

// Segment implements edi.SetChecker. Most segments have no rules and
// close nothing: the path for them is two comparisons and the node
// lookup, the rest is in segment.
func (c *setCheck) Segment(s *edi.Segment, at edi.Place, report func(*edi.Error)) {
	if closes(&at, c.closeDepth) {
		c.closeScopes(at, report)
	}
	var e *nodeRules
	if n := at.Node; n > 0 && n < len(c.nodes) && c.nodes[n].built {
		e = &c.nodes[n]
	} else {
		e = c.node(at, s.Tag())
	}
	if e.idle {
		return
	}
	// The rules get the place as a pointer to this field, not to the
	// parameter: passed to their closures (elemRule.run), the parameter
	// would escape and be allocated for every segment.
	c.at = at
	c.segment(e, s, &c.at, report)
}

func (c *setCheck) segment(e *nodeRules, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
	switch e.special {
	case specBHT:
		if d := s.Element(4); len(d) == 8 && digits(d) {
			c.created = string(d)
		}
	case specBPR:
		if d := s.Element(16); len(d) == 8 && digits(d) {
			c.remit = string(d)
		}
	case specClaim:
		c.claim = claim{open: true, depth: at.Depth, dx: c.claim.dx[:0], codes: c.claim.codes[:0]}
		c.setCloseDepth()
	case specDTP:
		if c.claim.open {
			c.claimDate(s)
		}
	case specHI:
		if c.claim.open {
			c.countDiagnoses(s)
		}
	}
	if at.Start && e.opens {
		c.openScope(*at, e)
	}
	if e.scoped {
		c.scopeStep(e, s, at, report)
	}
	if len(e.rules) > 0 {
		c.done = 0
		for _, r := range e.rules {
			// The conditions are tested here, not in apply: about a third
			// of the rules stop at them, and then the call is saved.
			switch len(r.When) {
			case 0:
			case 1:
				if !r.When[0].fn(s) {
					continue
				}
			default:
				if !r.whenHolds(s) {
					continue
				}
			}
			r.run(c, s, at, report)
		}
	}
}

// End implements edi.SetChecker.
func (c *setCheck) End(se *edi.Segment, pos int, report func(*edi.Error)) {
	c.closeScopes(edi.Place{Pos: pos, Depth: 0}, report)
	giveNodes(c.key, c.nodes)
	c.nodes = nil
}

// closeScopes ends the loop instances a segment at this place leaves.
func (c *setCheck) closeScopes(at edi.Place, report func(*edi.Error)) {
	if c.claim.open && closes(&at, c.claim.depth) {
		c.endClaim(report)
	}
	for len(c.scopes) > 0 {
		sc := &c.scopes[len(c.scopes)-1]
		if !closes(&at, sc.depth) {
			break
		}
		c.endScope(sc, report)
		c.scopes = c.scopes[:len(c.scopes)-1]
	}
	c.setCloseDepth()
}

func (c *setCheck) openScope(at edi.Place, e *nodeRules) {
	if n := len(c.scopes); n < cap(c.scopes) {
		// reuse the closed scope's slices
		c.scopes = c.scopes[:n+1]
		sc := &c.scopes[n]
		*sc = scope{loop: at.Loop, depth: at.Depth, loops: sc.loops[:0], order: sc.order[:0]}
	} else {
		c.scopes = append(c.scopes, scope{loop: at.Loop, depth: at.Depth})
	}
	sc := &c.scopes[len(c.scopes)-1]
	for _, r := range e.loops {
		sc.loops = append(sc.loops, loopState{r: r})
	}
	for _, r := range e.order {
		sc.order = append(sc.order, orderState{r: r})
	}
	c.setCloseDepth()
}

// whereOf is the position a finding or scope notes for a segment. Built
// only when one is made: most segments make none.
func whereOf(s *edi.Segment, at *edi.Place) where {
	return where{index: s.Index, offset: s.Offset, pos: at.Pos, loop: at.Loop}
}

func (c *setCheck) scopeStep(e *nodeRules, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
	for i := range c.scopes {
		sc := &c.scopes[i]
		for j := range sc.loops {
			st := &sc.loops[j]
			r := st.r
			h := e.loopHits[r.idx]
			if h == 0 {
				continue // the usual case: none of the rule's matches names this node
			}
			if h&hitIf != 0 && !st.met && r.If.holdsOn(s) {
				st.met, st.at = true, whereOf(s, at)
			}
			if h&hitRequire != 0 && r.Require.holdsOn(s) {
				st.seen = true
			}
			if h&hitForbid != 0 && st.met && r.Forbid.holdsOn(s) {
				c.report(report, &r.common, whereOf(s, at), r.Forbid.Seg, 0, 0)
			}
		}
		for j := range sc.order {
			st := &sc.order[j]
			r := st.r
			h := e.orderHits[r.idx]
			if h == 0 {
				continue
			}
			if h&hitFirst != 0 && r.First.holdsOn(s) {
				st.hasF = copy8(&st.first, s.Element(r.Date))
			}
			if h&hitSecond != 0 && r.Second.holdsOn(s) {
				st.hasS = copy8(&st.second, s.Element(r.Date))
				st.at = whereOf(s, at)
			}
		}
	}
}

func copy8(dst *[8]byte, v []byte) bool {
	if len(v) != 8 || !digits(v) {
		return false
	}
	copy(dst[:], v)
	return true
}

func (c *setCheck) endScope(sc *scope, report func(*edi.Error)) {
	for j := range sc.loops {
		st := &sc.loops[j]
		if st.r.Require != nil && st.met && !st.seen {
			at := st.at
			if st.r.Require.Loop != "" {
				at.loop = st.r.Require.Loop
			}
			c.report(report, &st.r.common, at, st.r.Require.Seg, 0, 0)
		}
	}
	for j := range sc.order {
		st := &sc.order[j]
		if st.hasF && st.hasS && string(st.first[:]) > string(st.second[:]) {
			c.report(report, &st.r.common, st.at, st.r.Second.Seg, st.r.Date, 0)
		}
	}
}

// whenHolds reports whether all of a rule's conditions hold.
func (r *elemRule) whenHolds(s *edi.Segment) bool {
	for i := range r.When {
		if !r.When[i].fn(s) {
			return false
		}
	}
	return true
}

// compileRun returns apply specialized for a rule on one whole element
// (most of the shipped rules): no loop over the elements and no
// switch on the kind per segment, and a value check called directly
// rather than through its checkFunc wrapper. Others run apply itself.
func compileRun(r *elemRule) func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
	if len(r.Els) != 1 || r.Comp != 0 || r.kind == kindDiagnosis || r.Els[0] < 0 || r.Els[0] >= 32 {
		return r.apply
	}
	el := r.Els[0]
	bit := uint32(1) << el
	fail := func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error), comp int) {
		c.done |= bit
		c.report(report, &r.common, whereOf(s, at), string(s.Element(0)), el, comp)
	}
	switch r.kind {
	case kindRequired:
		return func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
			if c.done&bit == 0 && len(s.Element(el)) == 0 {
				fail(c, s, at, report, 0)
			}
		}
	case kindNotUsed:
		return func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
			if c.done&bit == 0 && len(s.Element(el)) > 0 {
				fail(c, s, at, report, 0)
			}
		}
	}
	if test := valueChecks[r.Check]; test != nil {
		return func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
			if c.done&bit != 0 {
				return
			}
			if v := s.Element(el); len(v) > 0 && !test(v) {
				fail(c, s, at, report, 0)
			}
		}
	}
	check := r.check
	return func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
		if c.done&bit != 0 {
			return
		}
		v := s.Element(el)
		if len(v) == 0 {
			return
		}
		if ok, bad := check(c, s, el, v); !ok {
			fail(c, s, at, report, bad)
		}
	}
}

// apply runs one element rule over a segment whose conditions hold.
func (r *elemRule) apply(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
	if r.kind == kindDiagnosis {
		c.diagnosis(r, s, at, report)
		return
	}
	for _, el := range r.Els {
		if el < 32 && c.done&(1<<el) != 0 {
			continue
		}
		v := s.Element(el)
		if r.Comp > 0 {
			v = s.Component(el, r.Comp)
		}
		var ok bool
		comp := r.Comp
		switch r.kind {
		case kindRequired:
			ok = len(v) > 0
		case kindNotUsed:
			ok = len(v) == 0
		default:
			if len(v) == 0 {
				continue
			}
			var bad int
			ok, bad = r.check(c, s, el, v)
			if bad > 0 {
				comp = bad
			}
		}
		if !ok {
			if el < 32 {
				c.done |= 1 << el
			}
			c.report(report, &r.common, whereOf(s, at), string(s.Element(0)), el, comp)
		}
	}
}

// diagnosis checks the ICD-10-CM codes of an HI segment: the shape now,
// the fiscal year's list when the claim ends and its dates are known.
func (c *setCheck) diagnosis(r *elemRule, s *edi.Segment, at *edi.Place, report func(*edi.Error)) {
	sep := s.Delims.Component
	for el := 1; el <= s.Len(); el++ {
		q, code := firstTwo(s.Element(el), sep)
		switch string(q) {
		case "ABK", "ABF", "ABJ", "ABN", "APR":
		default:
			continue
		}
		if len(code) == 0 {
			continue
		}
		if !icd10Shape(code) {
			c.report(report, &r.common, whereOf(s, at), "HI", el, 2)
			continue
		}
		if c.claim.open && r.Level <= c.k.Level {
			from := len(c.claim.codes)
			c.claim.codes = append(c.claim.codes, code...)
			c.claim.dx = append(c.claim.dx, dxCode{at: whereOf(s, at), elem: el, comp: 2, from: from, to: len(c.claim.codes), rule: r})
		}
	}
}

// firstTwo returns the first two components of a composite element in
// one pass (Segment.Component scans the element from its start for each).
func firstTwo(e []byte, sep byte) (first, second []byte) {
	i := bytes.IndexByte(e, sep)
	if i < 0 {
		return e, nil
	}
	second = e[i+1:]
	if j := bytes.IndexByte(second, sep); j >= 0 {
		second = second[:j]
	}
	return e[:i], second
}

// countDiagnoses counts the claim's diagnosis codes the 837P service line
// pointers may name (HI ABK and ABF, ICD-9 BK and BF on older claims).
func (c *setCheck) countDiagnoses(s *edi.Segment) {
	sep := s.Delims.Component
	for el := 1; el <= s.Len(); el++ {
		q := s.Element(el)
		if i := bytes.IndexByte(q, sep); i >= 0 {
			q = q[:i]
		}
		switch string(q) {
		case "ABK", "ABF", "BK", "BF":
			c.claim.dxCount++
		}
	}
}

// claimDate notes a claim's service dates (DTP*472 service, DTP*434
// statement) for choosing the ICD-10-CM year.
func (c *setCheck) claimDate(s *edi.Segment) {
	// 472 or 434, compared without a call
	if q := s.Element(1); len(q) != 3 || q[0] != '4' || !(q[1] == '7' && q[2] == '2' || q[1] == '3' && q[2] == '4') {
		return
	}
	v := s.Element(3)
	switch {
	case len(v) == 8 && digits(v):
		c.claim.noteDate(v)
	case len(v) == 17 && v[8] == '-' && digits(v[:8]) && digits(v[9:]):
		c.claim.noteDate(v[:8])
		c.claim.noteDate(v[9:])
	}
}

func (cl *claim) noteDate(d []byte) {
	// Eight digits compare as big-endian integers as they do as strings:
	// two loads instead of two cmpstring calls.
	v := binary.BigEndian.Uint64(d)
	if !cl.dated || v < binary.BigEndian.Uint64(cl.first[:]) {
		copy(cl.first[:], d)
	}
	if !cl.dated || v > binary.BigEndian.Uint64(cl.last[:]) {
		copy(cl.last[:], d)
	}
	cl.dated = true
}

// endClaim checks the claim's diagnosis codes against the ICD-10-CM list
// of the fiscal year of its service dates (the creation day when it has
// none). When the dates fall outside every list claimflow ships, or in two
// fiscal years, only the shape was checked.
func (c *setCheck) endClaim(report func(*edi.Error)) {
	cl := &c.claim
	cl.open = false
	cl.dxCount = 0
	if len(cl.dx) == 0 {
		return
	}
	first, last := string(cl.first[:]), string(cl.last[:])
	if !cl.dated {
		if c.created == "" {
			return
		}
		first, last = c.created, c.created
	}
	if !validDay([]byte(first)) || !validDay([]byte(last)) {
		return
	}
	list := icdFor(first)
	if list == nil || icdFor(last) != list {
		return
	}
	for _, d := range cl.dx {
		if !list.has(cl.codes[d.from:d.to]) {
			c.report(report, &d.rule.common, d.at, "HI", d.elem, d.comp)
		}
	}
}

// report records a finding.
func (c *setCheck) report(report func(*edi.Error), r *common, at where, seg string, el, comp int) {
	e := &edi.Error{Kind: r.ack.kind, Code: r.ack.code, Index: at.index, Offset: at.offset, Pos: at.pos,
		SegID: seg, Loop: at.loop, Elem: el, Comp: comp, Warning: c.warn(),
		Msg: edi.CodeText(r.ack.kind, r.ack.code) + ": " + r.Why + " (SNIP " + string(rune('0'+r.Level)) + " rule " + r.ID + ")"}
	report(e)
}

var (
	tagBHT = edi.Tag("BHT")
	tagBPR = edi.Tag("BPR")
	tagCLM = edi.Tag("CLM")
	tagDTP = edi.Tag("DTP")
	tagHI  = edi.Tag("HI")
)
