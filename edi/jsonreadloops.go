package edi

// The loops, segments and elements of a transaction in the JSON form, read
// by DecodeJSON (see jsonread.go for the envelope around them).

// item reads a loop (streaming its content) or a segment (its text built
// in x.seg, then written with its terminator and layout).
func (x *jsonDecoder) item(depth int) error {
	if depth > maxJSONDepth {
		return jsonErr("loops nested too deeply")
	}
	var (
		isLoop, sawSeg, sawContent bool
		gap                        *string
		idLen                      int
	)
	x.seg = x.seg[:0]
	ok, err := x.s.object("a loop or segment must be an object", func(kb []byte) (err error) {
		switch string(kb) {
		case "loop":
			v, err := x.s.text(`"loop" must be a string`)
			if err != nil {
				return err
			}
			if sawContent && len(v) > 0 {
				return jsonErr(`"loop" must come before "content"`)
			}
			isLoop = len(v) > 0
		case "segment":
			v, err := x.s.text(`"segment" must be a string`)
			if err != nil {
				return err
			}
			// The ID goes first: keep the elements already read after it.
			rest := append([]byte(nil), x.seg[idLen:]...)
			x.seg = append(append(x.seg[:0], v...), rest...)
			idLen, sawSeg = len(v), true
		case "elements":
			x.seg = x.seg[:idLen]
			err = x.elements()
		case "after":
			s, err := x.layout(`"after"`)
			if err != nil {
				return err
			}
			gap = &s
		case "content":
			sawContent = true
			switch {
			case isLoop:
				err = x.content(depth)
			case !sawSeg:
				return jsonErr(`"loop" must come before "content"`)
			default:
				err = x.s.skip()
			}
		default:
			err = x.s.skip()
		}
		return err
	})
	if err := present(ok, err, "a loop or segment must be an object"); err != nil || isLoop {
		return err
	}
	if !x.haveD {
		return jsonErr(`"delimiters" must come before the segments`)
	}
	x.flush()
	x.w.Write(x.seg)
	x.w.WriteByte(x.d.Segment)
	if gap != nil {
		x.w.WriteString(*gap)
	} else {
		x.w.WriteString(x.newline)
	}
	return nil
}

func (x *jsonDecoder) content(depth int) error {
	_, err := x.s.array(`"content" must be a JSON array or null`, func(int) error { return x.item(depth + 1) })
	return err
}

// elements reads a segment's element array onto x.seg, each after an
// element separator.
func (x *jsonDecoder) elements() error {
	_, err := x.s.array(`"elements" must be an array of elements`, func(int) error {
		v, err := x.element(0)
		if err == nil {
			x.seg = append(append(x.seg, x.d.Element), v...)
		}
		return err
	})
	return err
}

// elemParts collects one element's members: its value, its components
// joined and its repetitions joined, as elemText chooses among them.
type elemParts struct {
	val, comps, reps  []byte
	hasComps, hasReps bool
}

// part returns the components' or the repetitions' text and flag.
func (p *elemParts) part(repeats bool) (*[]byte, *bool) {
	if repeats {
		return &p.reps, &p.hasReps
	}
	return &p.comps, &p.hasComps
}

// element reads one JSONElement and returns its text (valid until the next
// element at the same depth): repeats over components over value, as
// elemText does. x.elems may grow while its parts are read, so each use
// takes the element's parts afresh.
func (x *jsonDecoder) element(depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, jsonErr("elements nested too deeply")
	}
	for len(x.elems) <= depth {
		x.elems = append(x.elems, elemParts{})
	}
	p := &x.elems[depth]
	p.val, p.comps, p.reps = p.val[:0], p.comps[:0], p.reps[:0]
	p.hasComps, p.hasReps = false, false
	// null is an empty element
	_, err := x.s.object(`"elements" must be an array of elements`, func(kb []byte) error {
		switch k := string(kb); k {
		case "value":
			v, err := x.s.text(`"value" must be a string`)
			if err != nil {
				return err
			}
			p := &x.elems[depth]
			p.val = append(p.val[:0], v...)
		case "components", "repeats":
			sep, repeats := x.d.Component, k == "repeats"
			if repeats {
				sep = x.d.Repetition
			}
			text, has := x.elems[depth].part(repeats)
			*text, *has = (*text)[:0], false
			ok, err := x.s.array(`"`+k+`" must be an array of elements`, func(n int) error {
				v, err := x.element(depth + 1)
				if err != nil {
					return err
				}
				text, _ := x.elems[depth].part(repeats)
				if n > 0 {
					*text = append(*text, sep)
				}
				*text = append(*text, v...)
				return nil
			})
			if err != nil {
				return err
			}
			_, has = x.elems[depth].part(repeats)
			*has = ok
		default:
			return x.s.skip()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p = &x.elems[depth]
	switch {
	case p.hasReps:
		return p.reps, nil
	case p.hasComps:
		return p.comps, nil
	}
	return p.val, nil
}
