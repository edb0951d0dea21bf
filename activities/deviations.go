package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/rcm"
)

// Strict outbound, tolerant inbound (issue 17): every deviation the
// router's tolerant check finds in a received file is recorded, linked to
// the claim, claim payment or eligibility check it concerns (or, in a 999
// or an interchange carrying TA1s, to every claim the acknowledgment
// answers), so staff see it on the claim, the remittance and the
// eligibility result; the file is routed and posted all the same. A
// real-time 271, which the router never sees, is checked the same way by
// the eligibility activity (EligibilityService.recordDeviations).

// DeviationRecorder records inbound deviations once per file, position and
// code (store.RecordInboundDeviations): a retried routing activity records
// nothing twice.
type DeviationRecorder interface {
	RecordInboundDeviations(ctx context.Context, ds []rcm.InboundDeviation) (int, error)
}

// recordDeviations records the findings of rep (the tolerant check of the
// file whose parsed interchanges are ics).
func (r *Router) recordDeviations(ctx context.Context, f InboundFile, ics []*edi.Interchange, rep *edi.Report) error {
	if r.Deviations == nil || rep == nil || len(rep.Errors) == 0 {
		return nil
	}
	ds, err := r.deviations(ctx, f, ics, rep)
	if err != nil {
		return err
	}
	if _, err := r.Deviations.RecordInboundDeviations(ctx, ds); err != nil {
		return fmt.Errorf("record deviations of %s: %w", f.Hash, err)
	}
	if rep.Dropped > 0 {
		r.log().Warn("inbound file has more deviations than recorded", "partner", f.Partner, "hash", f.Hash, "dropped", rep.Dropped)
	}
	return nil
}

// deviations turns the report's findings into records: each transaction
// set's findings with the set's index in the file (as the router numbers
// sets) and what they concern; interchange and group findings with
// SetIndex -1.
func (r *Router) deviations(ctx context.Context, f InboundFile, ics []*edi.Interchange, rep *edi.Report) ([]rcm.InboundDeviation, error) {
	var parsed []*edi.Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			parsed = append(parsed, g.Sets...)
		}
	}
	var out []rcm.InboundDeviation
	acks := &ackClaims{r: r, partner: f.Partner}
	seen := make(map[*edi.Error]bool, len(rep.Errors))
	add := func(e *edi.Error, index int, st edi.Seg, l *setLinker) error {
		seen[e] = true
		d := deviationOf(f, e, index, st)
		if l != nil {
			if err := l.link(ctx, &d, e.Pos); err != nil {
				return err
			}
		}
		out = append(out, d)
		return nil
	}
	// An envelope finding (interchange or group) of an interchange carrying
	// acknowledgments concerns every claim they answer.
	envelope := func(e *edi.Error, i int) error {
		seen[e] = true
		d := deviationOf(f, e, -1, nil)
		if len(rep.Interchanges) == len(ics) {
			ids, err := acks.interchange(ctx, ics[i])
			if err != nil {
				return err
			}
			d.AckClaims = ids
		}
		out = append(out, d)
		return nil
	}
	n := -1
	for i, ic := range rep.Interchanges {
		for _, e := range ic.Errors {
			if err := envelope(e, i); err != nil {
				return nil, err
			}
		}
		for _, g := range ic.Groups {
			for _, e := range g.Errors {
				if err := envelope(e, i); err != nil {
					return nil, err
				}
			}
			for _, s := range g.Sets {
				n++
				if len(s.Errors) == 0 {
					continue
				}
				// The parsed set at the same place links the findings to
				// what they concern; a file the parser and the validator
				// read differently keeps them unlinked.
				index, l := -1, (*setLinker)(nil)
				if n < len(parsed) && parsed[n].ST().El(1) == s.ST.El(1) && parsed[n].ST().El(2) == s.ST.El(2) {
					index, l = n, &setLinker{r: r, partner: f.Partner, guide: s.Guide, t: parsed[n], acks: acks}
				}
				for _, e := range s.Errors {
					if err := add(e, index, s.ST, l); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	for _, e := range rep.Errors { // anything located outside the structure
		if !seen[e] {
			_ = add(e, -1, nil, nil)
		}
	}
	return out, nil
}

// deviationOf records one finding: positions, codes and a description
// made from the code and the rule, never a value from the file.
func deviationOf(f InboundFile, e *edi.Error, index int, st edi.Seg) rcm.InboundDeviation {
	d := rcm.InboundDeviation{Partner: f.Partner, FileKey: f.Hash, SetIndex: index, TransactionSet: st.El(1), ST02: st.El(2),
		Segment: e.Index, Position: e.Pos, SegmentID: e.SegID, Loop: e.Loop, Element: e.Elem, Component: e.Comp,
		Repetition: e.Rep, SNIPLevel: snipLevel(e), Kind: e.Kind.String(), Code: e.Code, Severity: rcm.DeviationError,
		Description: describeFinding(e)}
	if e.Warning {
		d.Severity = rcm.DeviationWarning
	}
	if st == nil && e.Set != "" {
		d.ST02 = e.Set
	}
	return d
}

// describeFinding is the finding's description. The validator's messages
// are made of the code's text and the guide's rule (SNIP 4 and 5 rules,
// balancing rules), never of element values; a TA1 finding's message may
// quote the parser, so it is described by its code alone.
func describeFinding(e *edi.Error) string {
	if e.Kind == edi.KindTA1 || e.Msg == "" {
		if t := edi.CodeText(e.Kind, e.Code); t != "" {
			return t
		}
		return e.Kind.String() + " " + e.Code
	}
	return e.Msg
}

// snipLevel places a finding in the WEDI SNIP levels: the level a SNIP 4
// or 5 rule names in its message, 3 for balancing, 2 for what the
// implementation guide's tables require (usage, repeats, code lists: the
// "I" codes and the required, repeat and code-value codes), 1 for X12
// syntax and element attributes.
func snipLevel(e *edi.Error) int {
	if i := strings.Index(e.Msg, "(SNIP "); i >= 0 && i+6 < len(e.Msg) {
		if c := e.Msg[i+6]; c >= '1' && c <= '5' {
			return int(c - '0')
		}
	}
	if strings.HasPrefix(e.Msg, "balancing failed") {
		return 3
	}
	switch {
	case strings.HasPrefix(e.Code, "I"):
		return 2
	case e.Kind == edi.KindIK3 && (e.Code == "3" || e.Code == "4" || e.Code == "5"):
		return 2
	case e.Kind == edi.KindIK4 && (e.Code == "1" || e.Code == "2" || e.Code == "7" || e.Code == "12"):
		return 2
	}
	return 1
}

// setLinker finds what a finding in one transaction set concerns: the 835
// claim payment (CLP) and its claim, the 277CA claim, the 271's
// eligibility check, the claims a 999 acknowledges. Claims and checks are
// looked up through the account the file came through, as routing does,
// and each once.
type setLinker struct {
	r       *Router
	partner string
	guide   string
	t       *edi.Transaction
	acks    *ackClaims

	clp    []int // 835: per segment, the CLP sequence it belongs to (0: none)
	pcns   []string
	claims map[string]string // patient control number -> claim ID ("" unknown)
	sent   map[string]bool   // 271 trace -> a check sent through the account
}

// link fills d's claim payment, claim or eligibility check from the
// finding's position in the set (ST = 1; 0 links nothing).
func (l *setLinker) link(ctx context.Context, d *rcm.InboundDeviation, pos int) error {
	if pos <= 0 || pos > len(l.t.Segments) {
		return nil
	}
	switch l.t.ST().El(1) {
	case "835":
		l.index835()
		seq := l.clp[pos-1]
		if seq == 0 {
			return nil
		}
		d.ClaimSeq = seq
		id, err := l.claim(ctx, l.pcns[seq-1])
		d.ClaimID = id
		return err
	case "277":
		if l.guide != "005010X214" && l.t.ST().El(3) != "005010X214" {
			return nil // a 277 answering an inquiry: its claims are the inquiry's
		}
		// A claim is the HL PT loop (2000D) and its TRN02 (2200D).
		if hl := l.enclosingHL(pos); hl >= 0 && l.t.Segments[hl].El(3) == "PT" {
			if trs := l.traces(hl); len(trs) > 0 {
				id, err := l.claim(ctx, trs[0])
				d.ClaimID = id
				return err
			}
		}
	case "999":
		ids, err := l.acks.set999(ctx, l.t, pos, d.Loop)
		d.AckClaims = ids
		return err
	case "271":
		// The subscriber (HL 22, 2000C) or dependent (HL 23, 2000D) loop
		// and its TRNs (2100C/D); a dependent without one is its
		// subscriber's.
		hl := l.enclosingHL(pos)
		for hl >= 0 {
			level := l.t.Segments[hl].El(3)
			if level != "22" && level != "23" {
				return nil
			}
			for _, tr := range l.traces(hl) {
				ok, err := l.checkSent(ctx, tr)
				if err != nil {
					return err
				}
				if ok {
					d.EligibilityTrace = tr
					return nil
				}
			}
			if level == "22" {
				return nil
			}
			hl = l.enclosingHL(hl) // the HL before the dependent's
		}
	}
	return nil
}

// index835 numbers the CLPs of an 835 in order (claim_payments.seq) and
// marks each segment of a claim payment loop (2100 and its 2110 lines)
// with its CLP. Header, LX/TS3/TS2 and PLB segments belong to none.
func (l *setLinker) index835() {
	if l.clp != nil {
		return
	}
	l.clp = make([]int, len(l.t.Segments))
	cur := 0
	for i, s := range l.t.Segments {
		switch s.ID() {
		case "CLP":
			l.pcns = append(l.pcns, s.El(1))
			cur = len(l.pcns)
		case "LX", "TS3", "TS2", "PLB", "SE":
			cur = 0
		}
		l.clp[i] = cur
	}
}

// enclosingHL returns the index of the nearest HL segment before
// position pos (1-based), -1 when there is none.
func (l *setLinker) enclosingHL(pos int) int {
	for i := min(pos, len(l.t.Segments)) - 1; i >= 0; i-- {
		if l.t.Segments[i].ID() == "HL" {
			return i
		}
	}
	return -1
}

// traces returns the TRN02 values of the HL loop starting at index hl,
// up to the next HL.
func (l *setLinker) traces(hl int) []string {
	var out []string
	segs := l.t.Segments
	for i := hl + 1; i < len(segs) && segs[i].ID() != "HL"; i++ {
		if segs[i].ID() == "TRN" && segs[i].El(2) != "" {
			out = append(out, segs[i].El(2))
		}
	}
	return out
}

func (l *setLinker) claim(ctx context.Context, pcn string) (string, error) {
	if pcn == "" {
		return "", nil
	}
	if id, ok := l.claims[pcn]; ok {
		return id, nil
	}
	id, err := l.r.Records.ClaimIDByControlNumber(ctx, l.partner, pcn)
	if errors.Is(err, rcm.ErrNotFound) {
		id, err = "", nil
	}
	if err != nil {
		return "", err
	}
	if l.claims == nil {
		l.claims = map[string]string{}
	}
	l.claims[pcn] = id
	return id, nil
}

func (l *setLinker) checkSent(ctx context.Context, tr string) (bool, error) {
	if ok, seen := l.sent[tr]; seen {
		return ok, nil
	}
	_, _, err := l.r.Records.EligibilityByTrace(ctx, l.partner, tr)
	ok := err == nil
	if errors.Is(err, rcm.ErrNotFound) {
		err = nil
	}
	if err != nil {
		return false, err
	}
	if l.sent == nil {
		l.sent = map[string]bool{}
	}
	l.sent[tr] = ok
	return ok, nil
}

// ackClaims finds the claims an acknowledgment answers, as routeAcks
// does: a 999's AK102 is the GS06 of our batch (ISA13 without padding), a
// TA101 the ISA13; both are looked up through the account the file came
// through, each once.
type ackClaims struct {
	r       *Router
	partner string
	batches map[string][]rcm.BatchedClaimControl // ISA13 -> the batch's claims
}

func (a *ackClaims) batch(ctx context.Context, isa13 string) ([]rcm.BatchedClaimControl, error) {
	if cs, ok := a.batches[isa13]; ok {
		return cs, nil
	}
	cs, err := a.r.Records.BatchClaimControls(ctx, a.partner, isa13)
	if err != nil {
		return nil, err
	}
	if a.batches == nil {
		a.batches = map[string][]rcm.BatchedClaimControl{}
	}
	a.batches[isa13] = cs
	return cs, nil
}

// group returns the claims of the batch a 999's AK102 names (none when it
// is not a number: routing matches nothing either).
func (a *ackClaims) group(ctx context.Context, ak102 string) ([]rcm.BatchedClaimControl, error) {
	n, err := strconv.Atoi(ak102)
	if err != nil || n < 0 {
		return nil, nil
	}
	return a.batch(ctx, fmt.Sprintf("%09d", n))
}

// set999 returns the claims a finding at position pos (ST = 1) in loop
// loop of a 999 concerns: in an AK2 loop (2000 and its 2100 and 2110),
// the claims of the transaction set the nearest AK2 at or before pos
// acknowledges (AK202 = our ST02; a missing segment is reported at the
// position of the next one); in the header and trailer (AK1, AK9, SE),
// every claim of the acknowledged group.
func (a *ackClaims) set999(ctx context.Context, t *edi.Transaction, pos int, loop string) ([]string, error) {
	ak102, st02 := "", ""
	for i, s := range t.Segments {
		switch s.ID() {
		case "AK1":
			if ak102 == "" {
				ak102 = s.El(2)
			}
		case "AK2":
			if i < pos && loop != "" {
				st02 = s.El(2)
			}
		}
	}
	cs, err := a.group(ctx, ak102)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cs {
		if st02 == "" || c.ST02 == st02 {
			out = append(out, c.ClaimID)
		}
	}
	return out, nil
}

// interchange returns the claims every acknowledgment in ic answers: its
// TA1s' interchanges and its 999s' groups, without repeats.
func (a *ackClaims) interchange(ctx context.Context, ic *edi.Interchange) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(cs []rcm.BatchedClaimControl) {
		for _, c := range cs {
			if !seen[c.ClaimID] {
				seen[c.ClaimID] = true
				out = append(out, c.ClaimID)
			}
		}
	}
	for _, ta := range ic.TA1 {
		cs, err := a.batch(ctx, ta.El(1))
		if err != nil {
			return nil, err
		}
		add(cs)
	}
	for _, g := range ic.Groups {
		for _, t := range g.Sets {
			if t.ST().El(1) != "999" {
				continue
			}
			for _, s := range t.Segments {
				if s.ID() == "AK1" {
					cs, err := a.group(ctx, s.El(2))
					if err != nil {
						return nil, err
					}
					add(cs)
					break
				}
			}
		}
	}
	return out, nil
}
