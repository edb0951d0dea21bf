package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Categories of disagreement.
const (
	catStructure = "structure"  // a segment or loop only one side has
	catUsage     = "usage"      // segment or loop usage (R, S, N)
	catElemUsage = "elem-usage" // element or component usage
	catRepeat    = "repeat"     // segment max use, loop repeat, element repetition
	catCodes     = "code-list"  // an element's code list
	catAttr      = "attributes" // data element reference, type, min and max length
	catPosition  = "position"   // which siblings share an X12 position
	catSyntax    = "syntax"     // a segment's X12 syntax notes (dictionary)
)

var categories = []string{catStructure, catUsage, catElemUsage, catRepeat, catCodes, catAttr, catPosition, catSyntax}

// finding is one disagreement.
type finding struct {
	Guide  string `json:"guide"`
	File   string `json:"file"`
	Loc    string `json:"loc"`  // the item in the file (see ourNode.Loc)
	Path   string `json:"path"` // the loops around it
	Item   string `json:"item"`
	Cat    string `json:"category"`
	Key    string `json:"key"` // the key a table's "why" uses to explain it
	Detail string `json:"detail"`
	Ref    string `json:"reference,omitempty"` // the reference's value: a usage, a repeat or codes
	Why    string `json:"why,omitempty"`       // the table's recorded reason, "" when open
}

func (f finding) String() string {
	s := fmt.Sprintf("%-14s %-22s %-14s %-10s %s", f.Guide, f.Path, f.Item, f.Cat, f.Detail)
	if f.Why != "" {
		s += "  [recorded: " + f.Why + "]"
	}
	return s
}

type checker struct {
	// loops indexes the reference's loops by ID, for a loop our table
	// nests where the reference lists it at another level (HL levels);
	// paired records every reference item compared.
	loops    map[string][]*refNode
	paired   map[*refNode]bool
	dict     *ourDict
	attrs    map[string]refAttr
	findings []finding
	seenAttr map[string]bool
	guide    string
	file     string
	loc      string // the item being compared
	ref      string // the reference's value for the next finding
}

func (c *checker) add(path, item, cat, key, detail string, why map[string]string) {
	f := finding{Guide: c.guide, File: c.file, Loc: c.loc, Path: path, Item: item, Cat: cat, Key: key, Detail: detail, Ref: c.ref}
	c.ref = ""
	if why != nil {
		f.Why = why[key]
	}
	c.findings = append(c.findings, f)
}

// compareGuide compares the children of our root loop (ST to SE) with the
// reference's ST_LOOP items.
func (c *checker) compareGuide(g *ourGuide, ref []*refNode) {
	c.guide, c.file = g.ID, g.File
	c.loops, c.paired = map[string][]*refNode{}, map[*refNode]bool{}
	var index func([]*refNode)
	index = func(ns []*refNode) {
		for _, n := range ns {
			if n.Loop {
				c.loops[n.ID] = append(c.loops[n.ID], n)
				index(n.Children)
			}
		}
	}
	index(ref)
	if g.Transaction != "" && !strings.HasSuffix(g.File, g.ID+".json") {
		c.guide = g.ID + "-" + g.Transaction
	}
	c.compareLoop("ST", g.Root, ref)
}

func label(n *ourNode) string {
	if n.Loop {
		return n.ID
	}
	q, _, _ := strings.Cut(n.Q, ",")
	if q == "" {
		return n.ID
	}
	if e := n.at(q); e != nil && len(e.Codes) > 0 {
		codes := e.Codes
		if len(codes) > 3 {
			codes = append(codes[:3:3], "…")
		}
		return n.ID + "*" + strings.Join(codes, ",")
	}
	return n.ID
}

func trigger(n *ourNode) string {
	if n.Loop && len(n.Children) > 0 {
		return n.Children[0].ID
	}
	return n.ID
}

func refPos(n *refNode) string {
	if n.Loop && len(n.Children) > 0 {
		return n.Children[0].Pos
	}
	return n.Pos
}

// compareLoop pairs the children of one loop and compares each pair.
func (c *checker) compareLoop(path string, ours *ourNode, ref []*refNode) {
	pair := c.pairChildren(ours.Children, ref)
	used := map[*refNode]bool{}
	for i, o := range ours.Children {
		r := pair[i]
		if r == nil {
			c.loc = o.Loc
			c.add(path, label(o), catStructure, "extra", "in our table, not in the reference", o.Why)
			continue
		}
		used[r] = true
		c.compareNode(path, o, r)
	}
	for _, r := range ref {
		if used[r] || c.paired[r] || r.Usage == "N" {
			continue
		}
		item := r.ID
		if !r.Loop {
			item = refLabel(r)
		}
		c.loc, c.ref = ours.Loc, r.Usage
		c.add(path, item, catStructure, "seg:"+item, "in the reference (usage "+r.Usage+"), not in our table", ours.Why)
	}
	// Position: our recognizer treats consecutive siblings with the same
	// (trigger) segment ID as sharing one X12 position.
	for i := 2; i < len(ours.Children); i++ {
		a, b := pair[i-1], pair[i]
		if a == nil || b == nil {
			continue
		}
		same := trigger(ours.Children[i-1]) == trigger(ours.Children[i])
		refSame := refPos(a) == refPos(b)
		if same != refSame {
			c.loc = ours.Children[i].Loc
			c.add(path, label(ours.Children[i]), catPosition, "position",
				fmt.Sprintf("shares a position with %s: ours %v, reference %v (positions %s, %s)",
					label(ours.Children[i-1]), same, refSame, refPos(a), refPos(b)), ours.Children[i].Why)
		}
	}
}

func refLabel(r *refNode) string {
	if len(r.Elems) > 0 { // the first element's codes name the segment
		e := r.Elems[0]
		if len(e.Codes) > 0 {
			codes := e.Codes
			if len(codes) > 3 {
				codes = append(codes[:3:3], "…")
			}
			return r.ID + "*" + strings.Join(codes, ",")
		}
		if len(e.Comps) > 0 && len(e.Comps[0].Codes) > 0 {
			return r.ID + "*" + strings.Join(e.Comps[0].Codes[:min(3, len(e.Comps[0].Codes))], ",")
		}
	}
	return r.ID
}

// pairChildren pairs our children with the reference's: loops by loop ID,
// segments by ID and then by the overlap of their qualifier code lists.
func (c *checker) pairChildren(ours []*ourNode, ref []*refNode) []*refNode {
	pair := make([]*refNode, len(ours))
	taken := map[*refNode]bool{}
	for i, o := range ours {
		if !o.Loop {
			continue
		}
		for _, r := range ref {
			if r.Loop && !taken[r] && r.ID == o.ID {
				pair[i], taken[r] = r, true
				break
			}
		}
		if pair[i] == nil {
			// Nested here, listed at another level in the reference.
			for _, r := range c.loops[o.ID] {
				if !c.paired[r] {
					pair[i] = r
					break
				}
			}
		}
		if pair[i] != nil {
			c.paired[pair[i]] = true
		}
	}
	byID := map[string][]int{}
	for i, o := range ours {
		if !o.Loop {
			byID[o.ID] = append(byID[o.ID], i)
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		idx := byID[id]
		var cands []*refNode
		for _, r := range ref {
			if !r.Loop && r.ID == id && !taken[r] {
				cands = append(cands, r)
			}
		}
		if len(idx) == 1 && len(cands) == 1 {
			pair[idx[0]], taken[cands[0]] = cands[0], true
			continue
		}
		// Best overlap first.
		type score struct{ i, j, n int }
		var scores []score
		for _, i := range idx {
			for j, r := range cands {
				scores = append(scores, score{i, j, overlap(ours[i], r)})
			}
		}
		sort.SliceStable(scores, func(a, b int) bool { return scores[a].n > scores[b].n })
		for _, s := range scores {
			if s.n == 0 {
				break
			}
			if pair[s.i] == nil && !taken[cands[s.j]] {
				pair[s.i], taken[cands[s.j]] = cands[s.j], true
			}
		}
		// Without codes to tell them apart, pair the rest in order.
		j := 0
		for _, i := range idx {
			if pair[i] != nil {
				continue
			}
			for j < len(cands) && taken[cands[j]] {
				j++
			}
			if j < len(cands) && len(qualCodes(ours[i])) == 0 {
				pair[i], taken[cands[j]] = cands[j], true
			}
		}
	}
	return pair
}

// qualCodes returns the code list of our segment's qualifier element.
func qualCodes(o *ourNode) []string {
	if q, _, _ := strings.Cut(o.Q, ","); q != "" {
		if e := o.at(q); e != nil {
			return e.Codes
		}
	}
	if len(o.Elems) > 0 {
		return o.Elems[0].Codes // nil when the first element has none
	}
	return nil
}

func overlap(o *ourNode, r *refNode) int {
	q, _, _ := strings.Cut(o.Q, ",")
	if q == "" {
		q = "1"
	}
	el, comp, _ := strings.Cut(q, ".")
	i, _ := strconv.Atoi(el)
	var rc []string
	for _, e := range r.Elems {
		if e.Seq != i {
			continue
		}
		rc = e.Codes
		if comp != "" {
			j, _ := strconv.Atoi(comp)
			for _, ce := range e.Comps {
				if ce.Seq == j {
					rc = ce.Codes
				}
			}
		}
	}
	n := 0
	for _, a := range qualCodes(o) {
		for _, b := range rc {
			if a == b {
				n++
			}
		}
	}
	return n
}

func usageOrR(u string) string {
	if u == "" {
		return "R"
	}
	return u
}

func repeatText(n int) string {
	if n == 0 {
		return ">1"
	}
	return strconv.Itoa(n)
}

func (c *checker) compareNode(path string, o *ourNode, r *refNode) {
	item := label(o)
	c.loc = o.Loc
	if usageOrR(o.Usage) != usageOrR(r.Usage) {
		c.ref = usageOrR(r.Usage)
		c.add(path, item, catUsage, "usage", "usage ours "+o.Usage+", reference "+r.Usage, o.Why)
	}
	if o.Max != r.Max {
		c.ref = strconv.Itoa(r.Max)
		c.add(path, item, catRepeat, "max", "repeat ours "+repeatText(o.Max)+", reference "+repeatText(r.Max), o.Why)
	}
	if o.Loop {
		c.compareLoop(path+"/"+o.ID, o, r.Children)
		return
	}
	c.loc = o.Loc
	c.compareSyntax(o.ID, r.Syntax)
	c.compareElems(path, item, o.ID, o.Elems, r.Elems, "", o.Why)
}

// compareSyntax compares a segment's syntax notes with the reference's,
// once per segment ID (they belong to the dictionary).
func (c *checker) compareSyntax(segID string, ref []string) {
	k := segID + "/syntax"
	if c.seenAttr[k] {
		return
	}
	c.seenAttr[k] = true
	ours := c.dict.syntax[segID]
	if d := codeDiff(ours, ref, ""); d != "" {
		switch {
		case len(ours) == 0:
			d = "syntax notes: ours none, reference " + strings.Join(ref, ",")
		case len(ref) == 0:
			d = "syntax notes: ours " + strings.Join(ours, ",") + ", reference none"
		default:
			d = strings.Replace(d, "codes", "syntax notes", 1)
		}
		f := finding{Guide: "dictionary", Path: "segments", Item: segID, Cat: catSyntax, Key: "syntax", Detail: d}
		if w := c.dict.why[segID]; w != nil {
			f.Why = w["syntax"]
		}
		c.findings = append(c.findings, f)
	}
}

func (c *checker) compareElems(path, item, segID string, ours []ourElem, ref []refElem, prefix string, why map[string]string) {
	byseq := map[int]*refElem{}
	maxSeq := 0
	for i := range ref {
		byseq[ref[i].Seq] = &ref[i]
		maxSeq = max(maxSeq, ref[i].Seq)
	}
	if prefix == "" && maxSeq > len(ours) {
		c.attr(segID, strconv.Itoa(len(ours)+1), fmt.Sprintf("dictionary has %d elements, reference %d", len(ours), maxSeq))
	}
	for i := range ours {
		key := prefix + strconv.Itoa(i+1)
		o := &ours[i]
		r := byseq[i+1]
		if r == nil {
			continue
		}
		ou, ru := o.Usage, usageOrR(r.Usage)
		if ou != ru {
			c.ref = ru
			c.add(path, item, catElemUsage, key+".usage", fmt.Sprintf("%s%02s usage ours %s, reference %s", segID, key, ou, ru), why)
		}
		// attributes, once per dictionary element
		c.compareAttr(segID, key, o, r)
		if ou == "N" && ru == "N" {
			continue
		}
		if len(o.Comps) > 0 || len(r.Comps) > 0 {
			if len(r.Comps) > 0 && len(o.Comps) > 0 {
				c.compareElems(path, item, segID, o.Comps, r.Comps, key+".", why)
			}
			if o.Reps != max(r.Repeat, 1) && r.Repeat != 1 {
				c.add(path, item, catRepeat, key+".reps", fmt.Sprintf("%s%s repetitions ours %d, reference %s", segID, key, o.Reps, repeatText(r.Repeat)), why)
			}
			continue
		}
		if r.Repeat != 1 && o.Reps != r.Repeat {
			c.add(path, item, catRepeat, key+".reps", fmt.Sprintf("%s%s repetitions ours %d, reference %s", segID, key, o.Reps, repeatText(r.Repeat)), why)
		}
		if d := codeDiff(o.Codes, r.Codes, r.Ext); d != "" {
			c.ref = strings.Join(r.Codes, ",")
			if len(r.Codes) == 0 && r.Ext != "" {
				c.ref = "external:" + r.Ext
			}
			c.add(path, item, catCodes, key+".codes", segID+key+" "+d, why)
		}
	}
}

// codeDiff describes how two code lists differ, "" when they agree.
func codeDiff(ours, ref []string, ext string) string {
	switch {
	case len(ours) == 0 && len(ref) == 0:
		return ""
	case len(ours) == 0:
		return fmt.Sprintf("codes: ours any value, reference %d codes", len(ref))
	case len(ref) == 0 && ext != "":
		return fmt.Sprintf("codes: ours %d codes, reference the external set %q", len(ours), ext)
	case len(ref) == 0:
		return fmt.Sprintf("codes: ours %d codes, reference any value", len(ours))
	}
	in := func(list []string, c string) bool {
		for _, x := range list {
			if x == c {
				return true
			}
		}
		return false
	}
	var onlyOurs, onlyRef []string
	for _, c := range ours {
		if !in(ref, c) {
			onlyOurs = append(onlyOurs, c)
		}
	}
	for _, c := range ref {
		if !in(ours, c) {
			onlyRef = append(onlyRef, c)
		}
	}
	if len(onlyOurs) == 0 && len(onlyRef) == 0 {
		return ""
	}
	var parts []string
	if len(onlyOurs) > 0 {
		parts = append(parts, "only ours "+strings.Join(onlyOurs, ","))
	}
	if len(onlyRef) > 0 {
		parts = append(parts, "only reference "+strings.Join(onlyRef, ","))
	}
	return "codes: " + strings.Join(parts, "; ")
}

func (c *checker) compareAttr(segID, key string, o *ourElem, r *refElem) {
	if r.Ref != "" && o.Ref != r.Ref {
		c.attr(segID, key, fmt.Sprintf("%s%s reference number ours %s, reference %s", segID, key, o.Ref, r.Ref))
		return
	}
	if o.Type == "C" {
		return
	}
	a, ok := c.attrs[r.Ref]
	if !ok {
		return
	}
	if o.Type != a.Type || o.Min != a.Min || o.Max != a.Max {
		c.attr(segID, key, fmt.Sprintf("%s%s (%s) ours %s %d/%d, reference %s %d/%d", segID, key, o.Ref,
			o.Type, o.Min, o.Max, a.Type, a.Min, a.Max))
	}
}

// attr records a dictionary disagreement once, whatever the guides.
func (c *checker) attr(segID, key, detail string) {
	k := segID + key
	if c.seenAttr[k] {
		return
	}
	c.seenAttr[k] = true
	f := finding{Guide: "dictionary", Path: "segments", Item: segID, Cat: catAttr, Key: key, Detail: detail}
	if w := c.dict.why[segID]; w != nil {
		f.Why = w[key]
	}
	c.findings = append(c.findings, f)
}
