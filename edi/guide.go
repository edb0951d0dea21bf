package edi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/claimflow/claimflow/edi/internal/guidetable"
	"github.com/claimflow/claimflow/schemas"
)

// Element data types of the X12 dictionary.
const (
	typeAN = iota // string
	typeID        // identifier (code)
	typeN         // implied-decimal numeric N0..N9
	typeR         // decimal number
	typeDT        // date
	typeTM        // time
	typeC         // composite
)

// elemRule is a compiled element (or component) rule: the dictionary
// definition refined by the guide.
type elemRule struct {
	Ref   string // data element reference number
	Name  string
	Type  uint8
	Dec   uint8 // implied decimals for N types
	Min   int
	Max   int
	Usage byte // 'R' required, 'S' situational, 'N' not used
	Reps  int  // maximum repetitions
	Codes *codeSet
	Comps []elemRule
	// Period marks a date time period (1251) checked against the format
	// qualifier in the element before it.
	Period bool
}

// codeSet is a code list for an ID element. Codes of up to seven bytes are
// packed into integers (bytes and length) so a lookup is a few integer
// compares, or one map probe for long lists.
type codeSet struct {
	list   []string
	packed []uint64
	// table is an open-addressing hash set of the packed codes when there
	// are more than 16 (a power-of-two size, linear probing, 0 = empty
	// slot; no packed code is 0 since every code has a length).
	table []uint64
	shift uint
	empty bool     // the list holds the empty code (the table cannot)
	long  []string // codes of eight bytes or more
}

func newCodeSet(codes []string) *codeSet {
	c := &codeSet{list: codes}
	for _, code := range codes {
		if k, ok := packCode([]byte(code)); ok {
			c.packed = append(c.packed, k)
		} else {
			c.long = append(c.long, code)
		}
	}
	if len(c.packed) > 16 {
		bits := uint(1)
		for 1<<bits < 2*len(c.packed) {
			bits++
		}
		c.table, c.shift = make([]uint64, 1<<bits), 64-bits
		mask := uint64(len(c.table) - 1)
		for _, k := range c.packed {
			if k == 0 {
				c.empty = true
				continue
			}
			for h := (k * 0x9E3779B97F4A7C15) >> c.shift; ; h = (h + 1) & mask {
				if c.table[h] == k {
					break
				}
				if c.table[h] == 0 {
					c.table[h] = k
					break
				}
			}
		}
	}
	return c
}

// packCode packs up to seven bytes and the length into an integer.
func packCode(b []byte) (uint64, bool) {
	if len(b) > 7 {
		return 0, false
	}
	k := uint64(len(b)) << 56
	for i, c := range b {
		k |= uint64(c) << (8 * i)
	}
	return k, true
}

func (c *codeSet) has(b []byte) bool {
	k, ok := packCode(b)
	if !ok {
		for _, s := range c.long {
			if string(b) == s {
				return true
			}
		}
		return false
	}
	if c.table != nil {
		if k == 0 {
			return c.empty
		}
		mask := uint64(len(c.table) - 1)
		for h := (k * 0x9E3779B97F4A7C15) >> c.shift; ; h = (h + 1) & mask {
			switch c.table[h] {
			case k:
				return true
			case 0:
				return false
			}
		}
	}
	for _, p := range c.packed {
		if p == k {
			return true
		}
	}
	return false
}

// node is a compiled guide item: a segment or a loop.
type node struct {
	Loop     bool
	ID       string // segment ID, or loop ID for loops
	Name     string
	Usage    byte
	Max      int // 0 = unbounded
	Tag      uint32
	QEl      int // qualifier element (0 = none)
	QComp    int // qualifier component (0 = whole element)
	Q2El     int // second qualifier element (0 = none)
	Elems    []elemRule
	Children []*node // loops: children[0] is the trigger segment
	Parent   *node
	LoopID   string   // the loop a segment belongs to
	seq      int      // position in a depth-first walk, for diagnostics
	tags     []uint32 // loops: tag of each child, for fast scans
	// grp[i] is the index of the first child sharing child i's X12
	// position: consecutive siblings with the same (trigger) segment ID,
	// the trigger itself excepted. Segments sharing a position may come
	// in any order.
	grp     []int
	req     []int // loops: indexes of required children
	lastReq int   // segments: position of the last required element
	syntax  []syntaxRule
}

// first returns the trigger segment of a loop.
func (n *node) first() *node { return n.Children[0] }

// qualifies reports whether s carries one of the node's qualifier codes;
// e1 is the segment's first element, the usual qualifier.
func (n *node) qualifies(s *Segment, e1 []byte) bool {
	if n.QEl == 0 {
		return true
	}
	r := &n.Elems[n.QEl-1]
	if n.Q2El > 0 {
		if r2 := &n.Elems[n.Q2El-1]; r2.Codes != nil && !r2.Codes.has(s.Element(n.Q2El)) {
			return false
		}
	}
	if n.QEl == 1 && n.QComp == 0 {
		return r.Codes == nil || r.Codes.has(e1)
	}
	var v []byte
	if n.QComp > 0 {
		v = s.Component(n.QEl, n.QComp)
		r = &r.Comps[n.QComp-1]
	} else {
		v = s.Element(n.QEl)
	}
	if r.Codes == nil {
		return true
	}
	return r.Codes.has(v)
}

// Guide is a compiled implementation guide table.
type Guide struct {
	ID          string // implementation convention reference, e.g. 005010X222A1
	Transaction string // ST01, e.g. 837
	Group       string // GS01, e.g. HC
	Name        string
	root        *node
	loopNames   map[string]string
	inGuide     map[uint32]bool
	balance     []balanceRule
	// context names the business unit identifier (837: CLM01 in 2300)
	// reported in 999 CTX segments for errors inside its loop.
	ctxName, ctxLoop string
	ctxTag           uint32
	ctxEl            int
}

type balanceRule struct {
	name                string
	totalRef            string // data element reference number of the total
	totalLoop, totalSeg string
	totalEl             int
	partsLoop, partsSeg string
	partsEl             int
	totalTag, partsTag  uint32
}

// LoopName returns the guide's name of a loop ID.
func (g *Guide) LoopName(id string) string { return g.loopNames[id] }

// dictionary of base segment definitions, keyed by segment ID.
type dictSeg struct {
	Name   string
	Elems  []elemRule
	Syntax []syntaxRule
}

// syntaxRule is an X12 syntax note: P paired, R at least one, E at most
// one, C conditional, L list conditional, over element positions.
type syntaxRule struct {
	Kind byte
	Els  []int
}

func parseSyntax(note string, n int) (syntaxRule, error) {
	r := syntaxRule{}
	if len(note) < 5 || (len(note)-1)%2 != 0 || !strings.ContainsRune("PRECL", rune(note[0])) {
		return r, fmt.Errorf("syntax note %q", note)
	}
	r.Kind = note[0]
	for i := 1; i < len(note); i += 2 {
		p, err := strconv.Atoi(note[i : i+2])
		if err != nil || p < 1 || p > n {
			return r, fmt.Errorf("syntax note %q: element out of range", note)
		}
		r.Els = append(r.Els, p)
	}
	return r, nil
}

type dictionary struct {
	segs map[string]*dictSeg
	tags map[uint32]*dictSeg
}

var (
	loadOnce sync.Once
	dict     *dictionary
	// guides holds the compiled guides keyed by guide ID "/" ST01; the
	// shipped tables are compiled on first use (see guideFor), all of
	// them by Guides. Guarded by guideMu.
	guides  map[string]*Guide
	loadErr error
	guideMu sync.Mutex
	lazy    *lazyTables
)

// lazyTables are the shipped guide tables indexed by their headers and
// compiled when a transaction set first names one: a process that
// validates 837Ps compiles one table, not fourteen.
type lazyTables struct {
	fsys   fs.FS
	dir    string
	index  []guidetable.Header
	byKey  map[string]int // guide ID "/" ST01 -> the last table of that key, as loadFS keeps
	trans  map[string]bool
	done   []bool
	all    bool  // every table compiled (Guides)
	err    error // the first table that failed to compile
	errKey string
}

func load() {
	loadOnce.Do(func() {
		dict, loadErr = loadDict(schemas.X12, "x12")
		if loadErr != nil {
			return
		}
		var index []guidetable.Header
		index, loadErr = guidetable.Index(schemas.X12, "x12")
		if loadErr != nil {
			loadErr = fmt.Errorf("x12 schema: %w", loadErr)
			return
		}
		lazy = &lazyTables{fsys: schemas.X12, dir: "x12", index: index, byKey: map[string]int{},
			trans: map[string]bool{}, done: make([]bool, len(index))}
		for i, h := range index {
			lazy.byKey[h.Guide+"/"+h.Transaction] = i
			lazy.trans[h.Transaction] = true
		}
		guides = map[string]*Guide{}
	})
}

// compileLazy compiles table i of the index into guides (guideMu held).
func (l *lazyTables) compile(i int) {
	if l.done[i] {
		return
	}
	l.done[i] = true
	h := l.index[i]
	raw, err := guidetable.LoadOne(l.fsys, l.dir, l.index, i)
	if err != nil {
		l.fail(h, fmt.Errorf("x12 schema: %w", err))
		return
	}
	g, err := compileGuide(dict, raw)
	if err != nil {
		l.fail(h, fmt.Errorf("x12 schema %s: %w", h.Name, err))
		return
	}
	guides[g.ID+"/"+g.Transaction] = g
}

func (l *lazyTables) fail(h guidetable.Header, err error) {
	if l.err == nil {
		l.err, l.errKey = err, h.Name
	}
}

// Guides returns the compiled guide tables keyed by guide ID (the first
// table of that ID) and by guide ID "/" ST01.
func Guides() (map[string]*Guide, error) {
	load()
	if loadErr != nil {
		return nil, loadErr
	}
	guideMu.Lock()
	defer guideMu.Unlock()
	if lazy != nil && !lazy.all {
		for i := range lazy.index {
			lazy.compile(i)
		}
		lazy.all = true
		// 270/271 and 276/277 share a guide ID: guideFor tells them apart
		// by ST01; the ID key keeps the first in file name order.
		for _, h := range lazy.index {
			if g := guides[h.Guide+"/"+h.Transaction]; g != nil && guides[g.ID] == nil {
				guides[g.ID] = g
			}
		}
	}
	if lazy != nil && lazy.err != nil {
		return nil, lazy.err
	}
	return guides, nil
}

// LookupGuide finds the guide for a transaction set by its implementation
// convention reference (ST03), falling back to the GS08 version.
func LookupGuide(st01, ref string) *Guide {
	load()
	return guideFor(ref, st01)
}

type rawDict struct {
	Segments   map[string]rawDictSeg `json:"segments"`
	Composites map[string]rawDictSeg `json:"composites"`
}

type rawDictSeg struct {
	Name       string              `json:"name"`
	Syntax     []string            `json:"syntax"`
	Elements   [][]json.RawMessage `json:"elements"`
	Components [][]json.RawMessage `json:"components"`
}

// rawContext and rawBalance are the context and balance fields of a table.
type rawContext struct {
	Name string `json:"name"`
	Loop string `json:"loop"`
	Seg  string `json:"seg"`
	El   int    `json:"el"`
}

type rawBalance []struct {
	Name  string `json:"name"`
	Total struct {
		Loop string `json:"loop"`
		Seg  string `json:"seg"`
		El   int    `json:"el"`
	} `json:"total"`
	Parts struct {
		Loop string `json:"loop"`
		Seg  string `json:"seg"`
		El   int    `json:"el"`
	} `json:"parts"`
}

// loadDict compiles the segment dictionary: segments.json plus any
// segments-*.json parts.
func loadDict(fsys fs.FS, dir string) (*dictionary, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var parts [][]byte
	for _, e := range entries {
		if isDictFile(e.Name()) {
			b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			parts = append(parts, b)
		}
	}
	d, err := compileDict(parts...)
	if err != nil {
		return nil, fmt.Errorf("x12 schema segments: %w", err)
	}
	return d, nil
}

// loadFS compiles the dictionary and every guide table of dir at once.
func loadFS(fsys fs.FS, dir string) (*dictionary, map[string]*Guide, error) {
	d, err := loadDict(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	files, err := guidetable.Load(fsys, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("x12 schema: %w", err)
	}
	gs := map[string]*Guide{}
	for _, f := range files {
		g, err := compileGuide(d, f.Guide)
		if err != nil {
			return nil, nil, fmt.Errorf("x12 schema %s: %w", f.Name, err)
		}
		// 270/271 and 276/277 share a guide ID: guideFor tells them apart
		// by ST01; the ID key keeps the first.
		gs[g.ID+"/"+g.Transaction] = g
		if gs[g.ID] == nil {
			gs[g.ID] = g
		}
	}
	return d, gs, nil
}

func isDictFile(name string) bool { return guidetable.IsDict(name) }

// guideFor finds the guide of a transaction set by ST03 (or GS08) and
// ST01, compiling its shipped table on first use.
func guideFor(ref, st01 string) *Guide {
	key := ref + "/" + st01
	guideMu.Lock()
	defer guideMu.Unlock()
	if g := guides[key]; g != nil {
		return g
	}
	if lazy != nil {
		if i, ok := lazy.byKey[key]; ok && !lazy.done[i] {
			lazy.compile(i)
			return guides[key]
		}
	}
	return nil
}

// knownTransaction reports whether some guide table is for ST01 st01.
func knownTransaction(st01 string) bool {
	guideMu.Lock()
	defer guideMu.Unlock()
	if lazy != nil && lazy.trans[st01] {
		return true
	}
	for _, g := range guides {
		if g.Transaction == st01 {
			return true
		}
	}
	return false
}

func compileDict(parts ...[]byte) (*dictionary, error) {
	raw := rawDict{Segments: map[string]rawDictSeg{}, Composites: map[string]rawDictSeg{}}
	for _, b := range parts {
		var p rawDict
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		for k, v := range p.Segments {
			if _, dup := raw.Segments[k]; dup {
				return nil, fmt.Errorf("segment %s defined twice", k)
			}
			raw.Segments[k] = v
		}
		for k, v := range p.Composites {
			if _, dup := raw.Composites[k]; dup {
				return nil, fmt.Errorf("composite %s defined twice", k)
			}
			raw.Composites[k] = v
		}
	}
	comps := map[string][]elemRule{}
	for id, c := range raw.Composites {
		rules, err := compileElems(c.Components, nil)
		if err != nil {
			return nil, fmt.Errorf("composite %s: %w", id, err)
		}
		comps[id] = rules
	}
	d := &dictionary{segs: map[string]*dictSeg{}, tags: map[uint32]*dictSeg{}}
	for id, s := range raw.Segments {
		rules, err := compileElems(s.Elements, comps)
		if err != nil {
			return nil, fmt.Errorf("segment %s: %w", id, err)
		}
		ds := &dictSeg{Name: s.Name, Elems: rules}
		for _, note := range s.Syntax {
			sr, err := parseSyntax(note, len(rules))
			if err != nil {
				return nil, fmt.Errorf("segment %s: %w", id, err)
			}
			ds.Syntax = append(ds.Syntax, sr)
		}
		d.segs[id] = ds
		d.tags[Tag(id)] = ds
	}
	return d, nil
}

func compileElems(raw [][]json.RawMessage, comps map[string][]elemRule) ([]elemRule, error) {
	out := make([]elemRule, 0, len(raw))
	for i, r := range raw {
		if len(r) < 6 {
			return nil, fmt.Errorf("element %d: want at least 6 fields", i+1)
		}
		var e elemRule
		var typ, req string
		if err := firstErr(json.Unmarshal(r[0], &e.Ref), json.Unmarshal(r[1], &e.Name), json.Unmarshal(r[2], &typ),
			json.Unmarshal(r[3], &e.Min), json.Unmarshal(r[4], &e.Max), json.Unmarshal(r[5], &req)); err != nil {
			return nil, fmt.Errorf("element %d: %w", i+1, err)
		}
		e.Reps = 1
		e.Period = e.Ref == "1251"
		if len(r) > 6 {
			if err := json.Unmarshal(r[6], &e.Reps); err != nil {
				return nil, err
			}
		}
		e.Usage = 'S'
		if req == "M" {
			e.Usage = 'R'
		}
		switch {
		case typ == "AN":
			e.Type = typeAN
		case typ == "ID":
			e.Type = typeID
		case typ == "R":
			e.Type = typeR
		case typ == "DT":
			e.Type = typeDT
		case typ == "TM":
			e.Type = typeTM
		case len(typ) == 2 && typ[0] == 'N' && typ[1] >= '0' && typ[1] <= '9':
			e.Type, e.Dec = typeN, typ[1]-'0'
		case typ == "C":
			e.Type = typeC
			c, ok := comps[e.Ref]
			if !ok {
				return nil, fmt.Errorf("element %d: unknown composite %s", i+1, e.Ref)
			}
			e.Comps = c
		default:
			return nil, fmt.Errorf("element %d: unknown type %q", i+1, typ)
		}
		out = append(out, e)
	}
	return out, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func compileGuide(d *dictionary, raw *guidetable.Guide) (*Guide, error) {
	if raw.Root == nil || raw.Guide == "" || raw.Transaction == "" {
		return nil, errors.New("guide, transaction and root are required")
	}
	g := &Guide{ID: raw.Guide, Transaction: raw.Transaction, Group: raw.Group, Name: raw.Name,
		loopNames: map[string]string{}, inGuide: map[uint32]bool{}}
	c := &compiler{d: d, g: g, defs: raw.Defs}
	root, err := c.item(*raw.Root, nil, 0)
	if err != nil {
		return nil, err
	}
	if !root.Loop || len(root.Children) == 0 || root.Children[0].ID != "ST" {
		return nil, errors.New("root must be a loop starting with ST")
	}
	g.root = root
	if len(raw.Context) > 0 {
		var c rawContext
		if err := json.Unmarshal(raw.Context, &c); err != nil {
			return nil, fmt.Errorf("context: %w", err)
		}
		g.ctxName, g.ctxLoop, g.ctxTag, g.ctxEl = c.Name, c.Loop, Tag(c.Seg), c.El
	}
	var balance rawBalance
	if len(raw.Balance) > 0 {
		if err := json.Unmarshal(raw.Balance, &balance); err != nil {
			return nil, fmt.Errorf("balance: %w", err)
		}
	}
	for _, br := range balance {
		ds := d.segs[br.Total.Seg]
		if ds == nil || br.Total.El < 1 || br.Total.El > len(ds.Elems) {
			return nil, fmt.Errorf("balance %q: bad total element", br.Name)
		}
		g.balance = append(g.balance, balanceRule{name: br.Name, totalRef: ds.Elems[br.Total.El-1].Ref,
			totalLoop: br.Total.Loop, totalSeg: br.Total.Seg, totalEl: br.Total.El, totalTag: Tag(br.Total.Seg),
			partsLoop: br.Parts.Loop, partsSeg: br.Parts.Seg, partsEl: br.Parts.El, partsTag: Tag(br.Parts.Seg)})
	}
	return g, nil
}

type compiler struct {
	d    *dictionary
	g    *Guide
	defs map[string]guidetable.Item
	seq  int
}

func (c *compiler) item(it guidetable.Item, parent *node, depth int) (*node, error) {
	if depth > 32 {
		return nil, errors.New("loops nested too deeply (a use cycle?)")
	}
	if it.Use != "" {
		def, ok := c.defs[it.Use]
		if !ok {
			return nil, fmt.Errorf("use of undefined loop %s", it.Use)
		}
		// A use may set its own usage and repeat (2300 is situational
		// under 2000B, required under 2000C).
		if it.Usage != "" {
			def.Usage = it.Usage
		}
		if it.Max != nil {
			def.Max = it.Max
		}
		return c.item(def, parent, depth+1)
	}
	n := &node{Parent: parent, Name: it.Name, Max: 1, Usage: 'R'}
	c.seq++
	n.seq = c.seq
	if it.Max != nil {
		n.Max = *it.Max
	}
	switch it.Usage {
	case "R", "":
	case "S":
		n.Usage = 'S'
	default:
		return nil, fmt.Errorf("%s%s: usage must be R or S", it.Seg, it.Loop)
	}
	if it.Loop != "" {
		n.Loop, n.ID = true, it.Loop
		c.g.loopNames[it.Loop] = it.Name
		for _, ch := range it.Items {
			cn, err := c.item(ch, n, depth+1)
			if err != nil {
				return nil, fmt.Errorf("loop %s: %w", it.Loop, err)
			}
			n.Children = append(n.Children, cn)
		}
		if len(n.Children) == 0 || n.Children[0].Loop {
			return nil, fmt.Errorf("loop %s must start with a segment", it.Loop)
		}
		n.Tag = n.Children[0].Tag
		for i, ch := range n.Children {
			n.tags = append(n.tags, ch.Tag)
			g := i
			if i >= 2 && ch.Tag == n.Children[i-1].Tag {
				g = n.grp[i-1]
			}
			n.grp = append(n.grp, g)
			if ch.Usage == 'R' && i > 0 {
				n.req = append(n.req, i)
			}
		}
		return n, nil
	}
	ds, ok := c.d.segs[it.Seg]
	if !ok {
		return nil, fmt.Errorf("segment %s is not in the dictionary", it.Seg)
	}
	n.ID, n.Tag = it.Seg, Tag(it.Seg)
	n.syntax = ds.Syntax
	if n.Name == "" {
		n.Name = ds.Name
	}
	if parent != nil {
		n.LoopID = parent.ID
	}
	c.g.inGuide[n.Tag] = true
	n.Elems = make([]elemRule, len(ds.Elems))
	copy(n.Elems, ds.Elems)
	for i := range n.Elems {
		if n.Elems[i].Comps != nil {
			n.Elems[i].Comps = append([]elemRule(nil), n.Elems[i].Comps...)
		}
	}
	for _, p := range it.NU {
		if p < 1 || p > len(n.Elems) {
			return nil, fmt.Errorf("segment %s: not-used element %d out of range", it.Seg, p)
		}
		n.Elems[p-1].Usage = 'N'
	}
	keys := make([]string, 0, len(it.El))
	for k := range it.El {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		spec := it.El[k]
		r, err := n.rule(k)
		if err != nil {
			return nil, fmt.Errorf("segment %s: %w", it.Seg, err)
		}
		u, codes, _ := strings.Cut(spec, "=")
		switch u {
		case "R", "S", "N":
			r.Usage = u[0]
		default:
			return nil, fmt.Errorf("segment %s element %s: usage %q", it.Seg, k, u)
		}
		if codes != "" {
			r.Codes = newCodeSet(strings.Split(codes, ","))
		}
	}
	for i := range n.Elems {
		if n.Elems[i].Usage == 'R' {
			n.lastReq = i + 1
		}
	}
	if it.Q != "" {
		q, q2, two := strings.Cut(it.Q, ",")
		if two {
			// A second qualifier element tells apart siblings that share
			// the first one's code (2400 PWK01 CT: line supplemental
			// information or DME certificate, by PWK02).
			n.Q2El, _ = strconv.Atoi(q2)
			if r, err := n.rule(q2); err != nil || r.Type == typeC {
				return nil, fmt.Errorf("segment %s second qualifier %q: must be a simple element", it.Seg, q2)
			}
		}
		it.Q = q
		el, comp, _ := strings.Cut(it.Q, ".")
		n.QEl, _ = strconv.Atoi(el)
		if comp != "" {
			n.QComp, _ = strconv.Atoi(comp)
		}
		if _, err := n.rule(it.Q); err != nil {
			return nil, fmt.Errorf("segment %s qualifier: %w", it.Seg, err)
		}
	}
	return n, nil
}

// rule returns the element rule addressed by "3" or "5.1".
func (n *node) rule(k string) (*elemRule, error) {
	el, comp, _ := strings.Cut(k, ".")
	i, err := strconv.Atoi(el)
	if err != nil || i < 1 || i > len(n.Elems) {
		return nil, fmt.Errorf("element %s out of range", k)
	}
	r := &n.Elems[i-1]
	if comp == "" {
		return r, nil
	}
	j, err := strconv.Atoi(comp)
	if err != nil || j < 1 || j > len(r.Comps) {
		return nil, fmt.Errorf("component %s out of range", k)
	}
	return &r.Comps[j-1], nil
}

// segmentDef returns the dictionary definition of a segment ID.
func segmentDef(id string) *dictSeg {
	load()
	if dict == nil {
		return nil
	}
	return dict.segs[id]
}
