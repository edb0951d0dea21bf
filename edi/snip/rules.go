package snip

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/schemas"
)

// The rule tables (schemas/snip/rules.json) compiled into lookups by
// transaction kind and segment tag.

// Set kinds, from the guide ID and ST01.
const (
	Set837P  = "837P"
	Set837I  = "837I"
	Set837D  = "837D"
	Set835   = "835"
	Set270   = "270"
	Set271   = "271"
	Set276   = "276"
	Set277   = "277"
	Set277CA = "277CA"
	Set999   = "999"
)

// SetKind names the transaction kind of a guide ID and ST01 ("" when
// unknown). Errata versions (X222A2, X223A3...) are their base guide's kind.
func SetKind(guide, st01 string) string {
	switch {
	case strings.HasPrefix(guide, "005010X222"):
		return Set837P
	case strings.HasPrefix(guide, "005010X223"):
		return Set837I
	case strings.HasPrefix(guide, "005010X224"):
		return Set837D
	case strings.HasPrefix(guide, "005010X221"):
		return Set835
	case strings.HasPrefix(guide, "005010X279"):
		if st01 == "270" || st01 == "271" {
			return st01
		}
	case strings.HasPrefix(guide, "005010X212"):
		if st01 == "276" || st01 == "277" {
			return st01
		}
	case strings.HasPrefix(guide, "005010X214"):
		return Set277CA
	case strings.HasPrefix(guide, "005010X231"):
		return Set999
	}
	return ""
}

// cond tests one element (or component) of a segment.
type cond struct {
	El    int      `json:"el"`
	Comp  int      `json:"comp"`
	Comps []int    `json:"comps"` // any of these components
	In    []string `json:"in"`
	Empty bool     `json:"empty"`
	// fn is holds compiled for this condition (compileCond).
	fn func(*edi.Segment) bool
}

func (c *cond) value(s *edi.Segment, comp int) []byte {
	if comp > 0 {
		return s.Component(c.El, comp)
	}
	return s.Element(c.El)
}

// compileCond returns holds specialized for the condition: most name a
// whole element and test it for emptiness or one code of one to three
// bytes, which the closures do in a few instructions where holds reads
// the condition's fields and loops over its codes (about 64 instructions
// a test, two tests for every three segments of an 837P).
func compileCond(c *cond) func(*edi.Segment) bool {
	if c.Comp != 0 || len(c.Comps) != 0 {
		return c.holds
	}
	el := c.El
	switch {
	case c.Empty:
		return func(s *edi.Segment) bool { return len(s.Element(el)) == 0 }
	case len(c.In) == 0:
		return func(s *edi.Segment) bool { return len(s.Element(el)) > 0 }
	case len(c.In) > 1:
		in := c.In
		return func(s *edi.Segment) bool {
			v := s.Element(el)
			for _, code := range in {
				if eqCode(code, v) {
					return true
				}
			}
			return false
		}
	}
	switch code := c.In[0]; len(code) {
	case 1:
		b0 := code[0]
		return func(s *edi.Segment) bool {
			v := s.Element(el)
			return len(v) == 1 && v[0] == b0
		}
	case 2:
		b0, b1 := code[0], code[1]
		return func(s *edi.Segment) bool {
			v := s.Element(el)
			return len(v) == 2 && v[0] == b0 && v[1] == b1
		}
	case 3:
		b0, b1, b2 := code[0], code[1], code[2]
		return func(s *edi.Segment) bool {
			v := s.Element(el)
			return len(v) == 3 && v[0] == b0 && v[1] == b1 && v[2] == b2
		}
	}
	return c.holds
}

// holds tests the condition on a segment. Most conditions name a whole
// element: that path reads it and compares the codes inline, without a
// call (this runs for about two of every three segments).
func (c *cond) holds(s *edi.Segment) bool {
	if c.Comp != 0 || len(c.Comps) != 0 {
		return c.holdsComp(s)
	}
	v := s.Element(c.El)
	if c.Empty {
		return len(v) == 0
	}
	if len(c.In) == 0 {
		return len(v) > 0
	}
	for _, code := range c.In {
		if eqCode(code, v) {
			return true
		}
	}
	return false
}

func (c *cond) holdsComp(s *edi.Segment) bool {
	if len(c.Comps) == 0 {
		return c.test(c.value(s, c.Comp))
	}
	for _, comp := range c.Comps {
		if c.test(c.value(s, comp)) {
			return true
		}
	}
	return false
}

func (c *cond) test(v []byte) bool {
	if c.Empty {
		return len(v) == 0
	}
	if len(c.In) == 0 {
		return len(v) > 0
	}
	for _, code := range c.In {
		if eqCode(code, v) {
			return true
		}
	}
	return false
}

// eqCode reports whether v is code. The codes are one to three bytes but
// for a few: comparing the bytes here saves a memequal call per code
// (about 20 instructions each, most of them for codes that differ).
func eqCode(code string, v []byte) bool {
	if len(code) != len(v) || len(v) == 0 || code[0] != v[0] {
		return false
	}
	switch len(v) {
	case 1:
		return true
	case 2:
		return code[1] == v[1]
	case 3:
		return code[1] == v[1] && code[2] == v[2]
	}
	return string(v) == code
}

// segMatch names a segment, optionally by a qualifier element and loop.
type segMatch struct {
	Seg  string `json:"seg"`
	Loop string `json:"loop"`
	cond
	tag uint32
}

// at reports whether the match may hold for segments with this tag in
// this loop (fixed per guide node).
func (m *segMatch) at(tag uint32, loop string) bool {
	return m != nil && tag == m.tag && (m.Loop == "" || loop == m.Loop)
}

// holdsOn tests the element condition, if any, of a match whose tag and
// loop are right.
func (m *segMatch) holdsOn(s *edi.Segment) bool {
	return m.El == 0 || m.fn(s)
}

// ack is a 999 code: the kind (IK3 or IK4) and the code.
type ack struct {
	kind edi.Kind
	code string
}

func parseAck(s string) (ack, error) {
	k, code, ok := strings.Cut(s, " ")
	switch {
	case !ok || code == "":
	case k == "IK3":
		return ack{edi.KindIK3, code}, nil
	case k == "IK4":
		return ack{edi.KindIK4, code}, nil
	}
	return ack{}, fmt.Errorf("code %q is not \"IK3 <code>\" or \"IK4 <code>\"", s)
}

type common struct {
	ID       string   `json:"id"`
	Level    int      `json:"level"`
	Sets     []string `json:"sets"`
	SkipSets []string `json:"skipSets"`
	Code     string   `json:"code"`
	Why      string   `json:"why"`
	ack      ack
}

func (c *common) appliesTo(kind string) bool {
	for _, s := range c.SkipSets {
		if s == kind {
			return false
		}
	}
	if len(c.Sets) == 0 {
		return true
	}
	for _, s := range c.Sets {
		if s == kind {
			return true
		}
	}
	return false
}

// elemRule checks elements of one segment.
type elemRule struct {
	common
	Loops []string `json:"loops"`
	Seg   string   `json:"seg"`
	Els   []int    `json:"els"`
	Comp  int      `json:"comp"`
	When  []cond   `json:"when"`
	Check string   `json:"check"`
	check checkFunc
	kind  uint8 // Check as a number for the ones apply handles itself
	// run is apply specialized for the rule (compileRun).
	run func(c *setCheck, s *edi.Segment, at *edi.Place, report func(*edi.Error))
}

const (
	kindValue     = iota // a checkFunc on the element's value
	kindRequired         // "required"
	kindNotUsed          // "notused"
	kindDiagnosis        // "diagnosis": every HI element
)

func (r *elemRule) inLoop(loop string) bool {
	if len(r.Loops) == 0 {
		return true
	}
	for _, l := range r.Loops {
		if l == loop {
			return true
		}
	}
	return false
}

// loopRule: in each instance of Loop, when a segment meets If, a segment
// matching Require must be present (or one matching Forbid must not be).
type loopRule struct {
	common
	Loop    string    `json:"loop"`
	If      segMatch  `json:"if"`
	Require *segMatch `json:"require"`
	Forbid  *segMatch `json:"forbid"`
	idx     int       // position in the rule file's loops (nodeRules.loopHits)
}

// orderRule: in each instance of Loop, the date in First is on or before
// the date in Second (element Date of each, D8 form).
type orderRule struct {
	common
	Loop   string   `json:"loop"`
	First  segMatch `json:"first"`
	Second segMatch `json:"second"`
	Date   int      `json:"date"`
	idx    int      // position in the rule file's order rules (nodeRules.orderHits)
}

type ruleFile struct {
	Elements []*elemRule  `json:"elements"`
	Loops    []*loopRule  `json:"loops"`
	Order    []*orderRule `json:"order"`
}

// Rule describes one rule for documentation and reports.
type Rule struct {
	ID    string
	Level int
	Sets  []string
	Code  string // the 999 code, "IK4 I12"
	Why   string
}

// table is the compiled rules for one transaction kind.
type table struct {
	byTag tagTable // built from bySeg and loopTags
	bySeg map[uint32][]*elemRule
	loops map[string][]*loopRule
	order map[string][]*orderRule
	// loopTags lists the tags loop and order rules look at, to skip the
	// scope walk for other segments.
	loopTags map[uint32]bool
	// allLoops and allOrder list the kind's loop and order rules; nLoops
	// and nOrder count those of the rule file (the idx range).
	allLoops       []*loopRule
	allOrder       []*orderRule
	nLoops, nOrder int
}

var (
	rulesOnce sync.Once
	allRules  *ruleFile
	tables    map[string]*table
	rulesErr  error
)

func loadRules() (map[string]*table, error) {
	rulesOnce.Do(func() {
		allRules, tables, rulesErr = compileRules(schemas.SNIP, "snip/rules.json")
	})
	return tables, rulesErr
}

// Rules lists every rule of the shipped table.
func Rules() ([]Rule, error) {
	if _, err := loadRules(); err != nil {
		return nil, err
	}
	var out []Rule
	add := func(c *common) {
		out = append(out, Rule{ID: c.ID, Level: c.Level, Sets: c.Sets, Code: c.Code, Why: c.Why})
	}
	for _, r := range allRules.Elements {
		add(&r.common)
	}
	for _, r := range allRules.Loops {
		add(&r.common)
	}
	for _, r := range allRules.Order {
		add(&r.common)
	}
	return out, nil
}

var kinds = []string{Set837P, Set837I, Set837D, Set835, Set270, Set271, Set276, Set277, Set277CA, Set999}

func compileRules(fsys fs.FS, name string) (*ruleFile, map[string]*table, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	var rf ruleFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&rf); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	ids := map[string]bool{}
	prep := func(c *common) error {
		if c.ID == "" || ids[c.ID] {
			return fmt.Errorf("%s: empty or duplicate rule id %q", name, c.ID)
		}
		ids[c.ID] = true
		if c.Level != 4 && c.Level != 5 {
			return fmt.Errorf("%s: rule %s: level %d is not 4 or 5", name, c.ID, c.Level)
		}
		for _, s := range append(append([]string(nil), c.Sets...), c.SkipSets...) {
			if !contains(kinds, s) {
				return fmt.Errorf("%s: rule %s: unknown set kind %q", name, c.ID, s)
			}
		}
		a, err := parseAck(c.Code)
		if err != nil {
			return fmt.Errorf("%s: rule %s: %w", name, c.ID, err)
		}
		if edi.CodeText(a.kind, a.code) == "" {
			return fmt.Errorf("%s: rule %s: %s is not a 999 code", name, c.ID, c.Code)
		}
		c.ack = a
		return nil
	}
	tabs := map[string]*table{}
	for _, k := range kinds {
		tabs[k] = &table{bySeg: map[uint32][]*elemRule{}, loops: map[string][]*loopRule{}, order: map[string][]*orderRule{}, loopTags: map[uint32]bool{}}
	}
	for _, r := range rf.Elements {
		if err := prep(&r.common); err != nil {
			return nil, nil, err
		}
		if r.check = checks[r.Check]; r.check == nil {
			return nil, nil, fmt.Errorf("%s: rule %s: unknown check %q", name, r.ID, r.Check)
		}
		switch r.Check {
		case "required":
			r.kind = kindRequired
		case "notused":
			r.kind = kindNotUsed
		case "diagnosis":
			r.kind = kindDiagnosis
		}
		for i := range r.When {
			r.When[i].fn = compileCond(&r.When[i])
		}
		r.run = compileRun(r)
		if r.Seg == "" || len(r.Els) == 0 && r.Check != "diagnosis" {
			return nil, nil, fmt.Errorf("%s: rule %s: no segment or elements", name, r.ID)
		}
		for _, k := range kinds {
			if r.appliesTo(k) {
				t := tabs[k]
				t.bySeg[edi.Tag(r.Seg)] = append(t.bySeg[edi.Tag(r.Seg)], r)
			}
		}
	}
	for i, r := range rf.Loops {
		r.idx = i
		if err := prep(&r.common); err != nil {
			return nil, nil, err
		}
		if r.Loop == "" || r.If.Seg == "" || (r.Require == nil) == (r.Forbid == nil) {
			return nil, nil, fmt.Errorf("%s: rule %s: needs loop, if and one of require or forbid", name, r.ID)
		}
		r.If.tag = edi.Tag(r.If.Seg)
		other := r.Require
		if other == nil {
			other = r.Forbid
		}
		other.tag = edi.Tag(other.Seg)
		r.If.fn, other.fn = compileCond(&r.If.cond), compileCond(&other.cond)
		for _, k := range kinds {
			if r.appliesTo(k) {
				t := tabs[k]
				t.loops[r.Loop] = append(t.loops[r.Loop], r)
				t.allLoops = append(t.allLoops, r)
				t.loopTags[r.If.tag], t.loopTags[other.tag] = true, true
			}
		}
	}
	for i, r := range rf.Order {
		r.idx = i
		if err := prep(&r.common); err != nil {
			return nil, nil, err
		}
		if r.Loop == "" || r.First.Seg == "" || r.Second.Seg == "" || r.Date == 0 {
			return nil, nil, fmt.Errorf("%s: rule %s: needs loop, first, second and date", name, r.ID)
		}
		r.First.tag, r.Second.tag = edi.Tag(r.First.Seg), edi.Tag(r.Second.Seg)
		r.First.fn, r.Second.fn = compileCond(&r.First.cond), compileCond(&r.Second.cond)
		for _, k := range kinds {
			if r.appliesTo(k) {
				t := tabs[k]
				t.order[r.Loop] = append(t.order[r.Loop], r)
				t.allOrder = append(t.allOrder, r)
				t.loopTags[r.First.tag], t.loopTags[r.Second.tag] = true, true
			}
		}
	}
	for _, t := range tabs {
		t.nLoops, t.nOrder = len(rf.Loops), len(rf.Order)
		byTag := map[uint32]tagEntry{}
		for tag, rs := range t.bySeg {
			byTag[tag] = tagEntry{rules: rs}
		}
		for tag := range t.loopTags {
			e := byTag[tag]
			e.scoped = true
			byTag[tag] = e
		}
		t.byTag = newTagTable(byTag)
	}
	return &rf, tabs, nil
}

// tagEntry is what a segment tag needs: its element rules, and whether
// loop or order rules look at it.
type tagEntry struct {
	rules  []*elemRule
	scoped bool
}

// tagTable finds a segment tag's entry without a map lookup: an
// open-addressing table of the tags (a power-of-two size, linear probing,
// 0 = empty slot; no segment tag packs to 0).
type tagTable struct {
	keys  []uint32
	vals  []tagEntry
	shift uint
}

var noEntry tagEntry

func newTagTable(m map[uint32]tagEntry) tagTable {
	bits := uint(1)
	for 1<<bits < 2*len(m) {
		bits++
	}
	t := tagTable{keys: make([]uint32, 1<<bits), vals: make([]tagEntry, 1<<bits), shift: 32 - bits}
	mask := uint32(len(t.keys) - 1)
	for tag, e := range m {
		if tag == 0 {
			continue
		}
		h := (tag * 0x9E3779B1) >> t.shift
		for t.keys[h] != 0 {
			h = (h + 1) & mask
		}
		t.keys[h], t.vals[h] = tag, e
	}
	return t
}

// get returns the tag's entry, or an empty one.
func (t *tagTable) get(tag uint32) *tagEntry {
	if tag == 0 || len(t.keys) == 0 {
		return &noEntry
	}
	mask := uint32(len(t.keys) - 1)
	for h := (tag * 0x9E3779B1) >> t.shift; ; h = (h + 1) & mask {
		switch t.keys[h] {
		case tag:
			return &t.vals[h]
		case 0:
			return &noEntry
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
