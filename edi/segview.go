package edi

// SegView is the segment Walk and WalkSets hand to a reader: element i is
// read in place (El, Comp) instead of from a []string built for every
// segment. The walker owns one view and refills it for each segment, so a
// reader keeps the strings it gets (parts of one copy of the input, or of
// the parsed set's strings), never the view.
//
// Over bytes (WalkSets) the view is the set's text, the segment's offset in
// it and the tokenizer's element ends: filling it writes one pointer per
// segment, not a string header per element. Over a parsed set (Walk) it
// wraps the set's Seg.
type SegView struct {
	src  string  // the walker's copy of the input
	off  int     // the segment's first byte in src
	seps []int32 // seps[i]: end of element i relative to off (element 0 is the ID)
	seg  Seg     // set instead of src/seps when the view wraps a parsed segment
}

// ViewOf returns a view of an owned segment, for handing a Seg to code
// that reads views.
func ViewOf(s Seg) *SegView { return &SegView{seg: s} }

// ID returns the segment ID.
func (v *SegView) ID() string {
	if v.seg != nil {
		return v.seg.ID()
	}
	if len(v.seps) == 0 {
		return ""
	}
	return v.src[v.off : v.off+int(v.seps[0])]
}

// Len returns the number of data elements (the ID is not counted), as
// Segment.Len does.
func (v *SegView) Len() int {
	if v.seg != nil {
		return len(v.seg) - 1
	}
	return len(v.seps) - 1
}

// El returns element i (1-based), or "" past the end, as Seg.El does. It
// does not allocate: the result is part of the walker's input.
func (v *SegView) El(i int) string {
	if v.seg != nil {
		return v.seg.El(i)
	}
	if i <= 0 || i >= len(v.seps) {
		return ""
	}
	return v.src[v.off+int(v.seps[i-1])+1 : v.off+int(v.seps[i])]
}

// Comp returns component j (1-based) of element i split by sep, as
// Seg.Comp does.
func (v *SegView) Comp(sep byte, i, j int) string { return component(v.El(i), sep, j) }

// Comps puts components 1 to len(out) of element i, split by sep, into out
// ("" past the element's last component): what Comp returns for each, in
// one pass over the element.
func (v *SegView) Comps(sep byte, i int, out []string) {
	e := v.El(i)
	k, start := 0, 0
	for n := 0; n < len(e) && k < len(out); n++ {
		if e[n] == sep {
			out[k] = e[start:n]
			k++
			start = n + 1
		}
	}
	if k < len(out) {
		out[k] = e[start:]
		k++
	}
	for ; k < len(out); k++ {
		out[k] = ""
	}
}

// Seg returns the segment as a Seg (over bytes it allocates the slice; the
// strings are parts of the input).
func (v *SegView) Seg() Seg {
	if v.seg != nil {
		return v.seg
	}
	out := make(Seg, v.Len()+1)
	out[0] = v.ID()
	for i := 1; i < len(out); i++ {
		out[i] = v.El(i)
	}
	return out
}
