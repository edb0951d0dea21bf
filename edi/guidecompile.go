package edi

// Compiling the guide tables of schemas/x12 (read by edi/internal/guidetable)
// and the segment dictionary into the nodes the recognizer walks.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi/internal/guidetable"
)

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
	for _, e := range r.Els {
		if e >= 64 || r.mask&(1<<e) != 0 {
			r.mask = 0
			break
		}
		r.mask |= 1 << e
	}
	return r, nil
}

func compileDict(parts ...[]byte) (*dictionary, error) {
	decoded := make([]rawDict, len(parts))
	for i, b := range parts {
		if err := json.Unmarshal(b, &decoded[i]); err != nil {
			return nil, err
		}
	}
	return compileRawDict(decoded)
}

// compileRawDict compiles decoded dictionary parts (compileDict, or the
// shipped ones decoded at build time).
func compileRawDict(parts []rawDict) (*dictionary, error) {
	raw := rawDict{Segments: map[string]rawDictSeg{}, Composites: map[string]rawDictSeg{}}
	for _, p := range parts {
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
		if err := firstErr(rawString(r[0], &e.Ref), rawString(r[1], &e.Name), rawString(r[2], &typ),
			rawInt(r[3], &e.Min), rawInt(r[4], &e.Max), rawString(r[5], &req)); err != nil {
			return nil, fmt.Errorf("element %d: %w", i+1, err)
		}
		e.Reps = 1
		e.Period = e.Ref == "1251"
		if len(r) > 6 {
			if err := rawInt(r[6], &e.Reps); err != nil {
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

// rawString and rawInt decode one field of a dictionary element row as
// json.Unmarshal would. The rows were checked as JSON when the dictionary
// was decoded, so a string without escapes or bytes outside ASCII and an
// integer of up to 9 digits are read directly; anything else goes to
// json.Unmarshal. One json.Unmarshal per field (its own validity pass and
// reflection) cost ~6 M instructions at every start of the x12 command.
func rawString(b json.RawMessage, dst *string) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		v := b[1 : len(b)-1]
		plain := true
		for _, c := range v {
			if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
				plain = false
				break
			}
		}
		if plain {
			*dst = string(v)
			return nil
		}
	}
	return json.Unmarshal(b, dst)
}

func rawInt(b json.RawMessage, dst *int) error {
	v := b
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 9 || len(v) > 1 && v[0] == '0' {
		return json.Unmarshal(b, dst)
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return json.Unmarshal(b, dst)
		}
		n = n*10 + int(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	*dst = n
	return nil
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
	g.nodes = c.seq
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
		g.balanceTags = append(g.balanceTags, Tag(br.Total.Seg), Tag(br.Parts.Seg))
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
		e := &n.Elems[i]
		if e.Usage == 'R' {
			n.lastReq = i + 1
		}
		if e.Comps != nil {
			e.compsEnd = 1
			for j := range e.Comps {
				if e.Comps[j].Usage == 'R' {
					e.compsEnd = j + 2
				}
			}
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
	n.fast = compileFast(n.Elems)
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
