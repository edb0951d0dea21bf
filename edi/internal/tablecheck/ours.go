package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi/internal/guidetable"
)

// ourElem is an element (or component) of one of our segments as the
// validator sees it: the dictionary definition refined by the guide.
type ourElem struct {
	Ref      string
	Type     string
	Min, Max int
	Usage    string // R, S or N
	Codes    []string
	Reps     int
	Comps    []ourElem
}

// ourNode is an item of one of our guide tables.
type ourNode struct {
	Loop     bool
	ID       string
	Name     string
	Usage    string
	Max      int
	Q        string
	Elems    []ourElem
	Children []*ourNode
	// Why records, by disagreement key, why the table differs from the
	// reference on purpose (the table's "why" field).
	Why map[string]string
	// Loc locates the item in its table file: "root/items/3/items/0" or
	// "defs/2300/items/5".
	Loc string
}

type ourGuide struct {
	File, ID, Transaction, Group string
	Amends                       string // the guide an errata table amends
	Root                         *ourNode
}

type dictElem struct {
	Ref      string
	Name     string
	Type     string
	Min, Max int
	Req      string
	Reps     int
}

type ourDict struct {
	syntax map[string][]string // segment ID -> X12 syntax notes
	segs   map[string][]dictElem
	comps  map[string][]dictElem
	why    map[string]map[string]string // segment ID -> key -> reason
}

type rawDictPart struct {
	Segments   map[string]rawDictSeg `json:"segments"`
	Composites map[string]rawDictSeg `json:"composites"`
}

type rawDictSeg struct {
	Syntax     []string            `json:"syntax"`
	Elements   [][]json.RawMessage `json:"elements"`
	Components [][]json.RawMessage `json:"components"`
	Why        map[string]string   `json:"why"`
}

// loadOurs reads the dictionary and every guide table in dir of fsys.
func loadOurs(fsys fs.FS, dir string) (*ourDict, []*ourGuide, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	d := &ourDict{syntax: map[string][]string{}, segs: map[string][]dictElem{}, comps: map[string][]dictElem{}, why: map[string]map[string]string{}}
	for _, e := range entries {
		if !guidetable.IsDict(e.Name()) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var p rawDictPart
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for id, s := range p.Segments {
			els, err := dictElems(s.Elements)
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", e.Name(), id, err)
			}
			d.segs[id] = els
			d.syntax[id] = s.Syntax
			if s.Why != nil {
				d.why[id] = s.Why
			}
		}
		for id, s := range p.Composites {
			els, err := dictElems(s.Components)
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", e.Name(), id, err)
			}
			d.comps[id] = els
		}
	}
	files, err := guidetable.Load(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	var gs []*ourGuide
	for _, f := range files {
		raw := f.Guide
		if raw.Root == nil {
			continue
		}
		root, err := d.node(*raw.Root, raw.Defs, "root", 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		gs = append(gs, &ourGuide{File: f.Name, ID: raw.Guide, Transaction: raw.Transaction, Group: raw.Group,
			Amends: raw.Amends, Root: root})
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].File < gs[j].File })
	return d, gs, nil
}

func dictElems(raw [][]json.RawMessage) ([]dictElem, error) {
	var out []dictElem
	for i, r := range raw {
		if len(r) < 6 {
			return nil, fmt.Errorf("element %d: short", i+1)
		}
		e := dictElem{Reps: 1}
		for k, dst := range []any{&e.Ref, &e.Name, &e.Type, &e.Min, &e.Max, &e.Req} {
			if err := json.Unmarshal(r[k], dst); err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
		}
		if len(r) > 6 {
			if err := json.Unmarshal(r[6], &e.Reps); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *ourDict) elem(de dictElem) ourElem {
	u := "S"
	if de.Req == "M" {
		u = "R"
	}
	e := ourElem{Ref: de.Ref, Type: de.Type, Min: de.Min, Max: de.Max, Usage: u, Reps: de.Reps}
	if de.Type == "C" {
		for _, c := range d.comps[de.Ref] {
			e.Comps = append(e.Comps, d.elem(c))
		}
	}
	return e
}

// node compiles an item as edi's guide compiler does: dictionary
// requirement M is R, O and X are S; nu marks N; el refines.
func (d *ourDict) node(it guidetable.Item, defs map[string]guidetable.Item, loc string, depth int) (*ourNode, error) {
	if depth > 32 {
		return nil, fmt.Errorf("loops nested too deeply")
	}
	if it.Use != "" {
		def, ok := defs[it.Use]
		if !ok {
			return nil, fmt.Errorf("use of undefined loop %s", it.Use)
		}
		if it.Usage != "" {
			def.Usage = it.Usage
		}
		if it.Max != nil {
			def.Max = it.Max
		}
		if it.Why != nil {
			def.Why = it.Why
		}
		return d.node(def, defs, "defs/"+it.Use, depth+1)
	}
	n := &ourNode{Name: it.Name, Usage: "R", Max: 1, Q: it.Q, Why: it.Why, Loc: loc}
	if it.Usage != "" {
		n.Usage = it.Usage
	}
	if it.Max != nil {
		n.Max = *it.Max
	}
	if it.Loop != "" {
		n.Loop, n.ID = true, it.Loop
		for i, c := range it.Items {
			cn, err := d.node(c, defs, loc+"/items/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, fmt.Errorf("loop %s: %w", it.Loop, err)
			}
			n.Children = append(n.Children, cn)
		}
		return n, nil
	}
	n.ID = it.Seg
	des, ok := d.segs[it.Seg]
	if !ok {
		return nil, fmt.Errorf("segment %s not in the dictionary", it.Seg)
	}
	for _, de := range des {
		n.Elems = append(n.Elems, d.elem(de))
	}
	for _, p := range it.NU {
		if p >= 1 && p <= len(n.Elems) {
			n.Elems[p-1].Usage = "N"
		}
	}
	for k, spec := range it.El {
		e := n.at(k)
		if e == nil {
			return nil, fmt.Errorf("segment %s: element %s out of range", it.Seg, k)
		}
		u, codes, _ := strings.Cut(spec, "=")
		e.Usage = u
		if codes != "" {
			e.Codes = strings.Split(codes, ",")
		}
	}
	return n, nil
}

// at returns the element "3" or component "5.1".
func (n *ourNode) at(k string) *ourElem {
	el, comp, _ := strings.Cut(k, ".")
	i, err := strconv.Atoi(el)
	if err != nil || i < 1 || i > len(n.Elems) {
		return nil
	}
	e := &n.Elems[i-1]
	if comp == "" {
		return e
	}
	j, err := strconv.Atoi(comp)
	if err != nil || j < 1 || j > len(e.Comps) {
		return nil
	}
	return &e.Comps[j-1]
}
