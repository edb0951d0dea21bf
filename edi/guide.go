package edi

import (
	"fmt"
	"io/fs"
	"path"
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
	// compsEnd is, for a composite compiled into a guide node, one past
	// the position of its last required component (1 when none is
	// required): checkComposite looks no further for missing ones. 0 when
	// not worked out (every component is looked at).
	compsEnd int
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
	req     []int      // loops: indexes of required children
	lastReq int        // segments: position of the last required element
	fast    []elemFast // segments: what checkElements reads of Elems
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
	// balanceTags are the total and parts segments of balance: the
	// recognizer looks at the rules only for those (about one segment in
	// six of an 837P; the loop over the rules cost ~50 instructions a
	// segment).
	balanceTags []uint32
	// context names the business unit identifier (837: CLM01 in 2300)
	// reported in 999 CTX segments for errors inside its loop.
	ctxName, ctxLoop string
	ctxTag           uint32
	ctxEl            int
	// nodes is the number of compiled nodes (node.seq runs 1..nodes).
	nodes int
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
	// mask has bit e set for each element e of Els, when all are below 64
	// and distinct (else 0): checkSyntax then tells a note that holds
	// from a presence mask alone.
	mask uint64
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
	fsys fs.FS
	dir  string
	// shipped: the tables are schemas/x12's, decoded at build time
	// (shippedTables[i] is LoadOne of index[i]).
	shipped bool
	index   []guidetable.Header
	byKey   map[string]int // guide ID "/" ST01 -> the last table of that key, as loadFS keeps
	trans   map[string]bool
	done    []bool
	all     bool  // every table compiled (Guides)
	err     error // the first table that failed to compile
	errKey  string
}

func load() {
	loadOnce.Do(func() {
		// schemas/x12 as decoded at build time (shipped_tables.go, which
		// TestShippedTablesGenerated holds to the JSON): decoding the JSON
		// dictionary and an 837P table was half of "claimflow x12
		// validate"'s start-up, ahead of the first segment.
		dict, loadErr = compileRawDict(shippedDict())
		if loadErr != nil {
			loadErr = fmt.Errorf("x12 schema segments: %w", loadErr)
			return
		}
		index := shippedIndex
		lazy = &lazyTables{fsys: schemas.X12, dir: "x12", shipped: true, index: index, byKey: map[string]int{},
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
	var raw *guidetable.Guide
	var err error
	if l.shipped {
		raw = shippedTables[i]()
	} else {
		raw, err = guidetable.LoadOne(l.fsys, l.dir, l.index, i)
	}
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

// loadDict compiles the segment dictionary: segments.json plus any
// segments-*.json parts.
func loadDict(fsys fs.FS, dir string) (*dictionary, error) {
	parts, err := dictParts(fsys, dir)
	if err != nil {
		return nil, err
	}
	d, err := compileDict(parts...)
	if err != nil {
		return nil, fmt.Errorf("x12 schema segments: %w", err)
	}
	return d, nil
}

//go:generate go test -run TestShippedTablesGenerated -update-shipped

// dictParts reads the dictionary files of dir (segments.json and any
// segments-*.json), in file name order.
func dictParts(fsys fs.FS, dir string) ([][]byte, error) {
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
	return parts, nil
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

// segmentDef returns the dictionary definition of a segment ID.
func segmentDef(id string) *dictSeg {
	load()
	if dict == nil {
		return nil
	}
	return dict.segs[id]
}
