package edi

// WalkSets reads every transaction set in x in one pass, without building
// the interchanges in memory, and runs the guide's loop recognizer over
// each set a reader asks for, as Walk does over a parsed set.
//
// At each ST, open receives the ST segment, GS08 and the delimiters and
// returns the guide to use when ST03 is empty (as Walk's gs08) and the
// function to call for every segment of the set with its loop ID, or nil
// to skip the set. The SegView passed to fn is refilled for the next
// segment: keep its strings (parts of one copy of x), not the view. The envelope
// is checked as ParseBytes checks it, with the same errors; the segments
// inside a set are placed, not validated (as with Walk, Validate checks
// them).
func WalkSets(x []byte, open func(st Seg, gs08 string, d Delimiters) (guide string, fn func(loop string, s *SegView))) error {
	load()
	if loadErr != nil {
		return loadErr
	}
	w := &setWalker{open: open}
	w.v = validator{rep: &Report{}, opts: Options{MaxErrors: 1, SkipBalancing: true}}
	_, err := parse(NewBytesReader(x), &segCopier{src: string(x), whole: true, walk: w})
	return err
}

// setWalker follows one transaction set at a time for WalkSets.
type setWalker struct {
	open func(st Seg, gs08 string, d Delimiters) (string, func(loop string, s *SegView))
	fn   func(loop string, s *SegView)
	v    validator
	sv   SegView
}

func (w *setWalker) start(s *Segment, c *segCopier, gs08 string) {
	st := c.copy(s)
	ref, fn := w.open(st, gs08, s.Delims)
	w.fn, w.sv.src = fn, c.src
	if fn == nil {
		return
	}
	if v := st.El(3); v != "" {
		ref = v
	}
	w.v.rep.Errors, w.v.rep.Dropped = w.v.rep.Errors[:0], 0
	w.v.rec.reset(guideFor(ref, st.El(1)))
	w.v.rec.placeOnly = true
	w.v.rec.start(&w.v, s)
	w.call(s)
}

func (w *setWalker) seg(s *Segment) {
	if w.fn == nil {
		return
	}
	w.v.rec.step(&w.v, s)
	w.call(s)
}

func (w *setWalker) call(s *Segment) {
	loop := ""
	if st := w.v.rec.stack; len(st) > 0 {
		loop = loopLabel(st[len(st)-1].n)
	}
	w.sv.off, w.sv.seps = int(s.Offset), s.seps
	w.fn(loop, &w.sv)
}
