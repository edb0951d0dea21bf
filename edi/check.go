package edi

// A Checker adds checks above the guide's syntax: the situational rules of
// the implementation guides (SNIP level 4) and external code sets (SNIP
// level 5), as edi/snip does. The validator asks it for a SetChecker at
// every ST and feeds that every segment the loop recognizer places.
type Checker interface {
	// Start returns the checker for one transaction set, or nil to leave
	// the set alone.
	Start(set SetInfo) SetChecker
}

// SetInfo describes the transaction set a SetChecker is started for.
type SetInfo struct {
	Guide  string // the guide ID the set was recognized by, "" when none
	ST     *Segment
	GS     Seg // the functional group header
	ISA    Seg // the interchange header (ISA09 is the interchange date)
	Delims Delimiters
	// Nodes is the number of nodes of the guide's compiled table: every
	// Place.Node of the set is in 1..Nodes.
	Nodes int
	// Table is the compiled table the set was recognized by (nil when
	// none): what a checker may key what it works out per node by.
	Table *Guide
}

// Place is where the recognizer put a segment.
type Place struct {
	Pos   int    // segment position in the set (ST = 1)
	Loop  string // the guide loop ID, "" for the header and trailer
	Depth int    // loop nesting depth, 1 for the set's header
	// Start is set when the segment opened a new instance of Loop (it is
	// the loop's trigger segment).
	Start bool
	// Node numbers the guide table node the segment matched (1..
	// SetInfo.Nodes). Segments at the same node have the same tag, Loop
	// and Start, so a checker may keep what it works out per node in a
	// table indexed by Node.
	Node int
}

// SetChecker checks one transaction set. The report function records a
// finding with its kind, code and location (Index, Offset, Pos, SegID,
// Loop, Elem...) filled in by the checker; Msg defaults to the code's
// description. Segments are views valid only during the call.
type SetChecker interface {
	Segment(s *Segment, at Place, report func(*Error))
	// End is called at SE, after the recognizer closed every loop.
	End(se *Segment, pos int, report func(*Error))
}

func (v *validator) startCheck(st *Segment, g *Guide) {
	v.check = nil
	if v.opts.Checker == nil || v.set == nil {
		return
	}
	info := SetInfo{ST: st, Delims: st.Delims}
	if g != nil {
		info.Guide = g.ID
		info.Nodes = g.nodes
		info.Table = g
	}
	if v.grp != nil {
		info.GS = v.grp.GS
	}
	if v.ic != nil {
		info.ISA = v.ic.ISA
	}
	v.check = v.opts.Checker.Start(info)
	if v.check != nil && v.checkAdd == nil {
		v.checkAdd = v.add
	}
}

func (v *validator) endCheck(se *Segment) {
	if v.check != nil {
		v.check.End(se, v.rec.pos, v.checkAdd)
		v.check = nil
	}
}
