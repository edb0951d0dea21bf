package edi

import "strings"

// MaskValue replaces element values hidden by Mask.
const MaskValue = "XXXX"

// maskKeep lists segments whose values are envelope or acknowledgment data,
// never PHI.
var maskKeep = map[string]bool{"ST": true, "SE": true, "AK1": true, "AK2": true, "IK3": true, "IK4": true, "IK5": true, "AK9": true}

// Mask replaces, in place, every element value in the transaction sets that
// may be PHI: free text and identifiers (AN), dates (DT), postal codes and
// all of DMG but its format qualifier. Codes (ID), amounts and counts stay. Segments that
// the guide does not know are masked whole. Envelopes (ISA, GS) are kept.
func Mask(ic *Interchange) {
	load()
	for _, g := range ic.Groups {
		for _, t := range g.Sets {
			maskTx(t, ic.Delims, g.GS.El(8))
		}
	}
}

func maskTx(t *Transaction, d Delimiters, gs08 string) {
	st := t.ST()
	ref := st.El(3)
	if ref == "" {
		ref = gs08
	}
	var g *Guide
	if gg := guideFor(ref, st.El(1)); gg != nil {
		g = gg
	}
	v := &validator{rep: &Report{}, opts: Options{MaxErrors: 1, SkipBalancing: true}}
	rec := &recognizer{}
	rec.reset(g)
	var sc segScratch
	for i, s := range t.Segments {
		view := sc.view(s, d, i+1)
		if i == 0 {
			rec.start(v, view)
		} else {
			rec.step(v, view)
		}
		maskSeg(s, rec.place, d)
	}
}

// maskSeg masks one transaction-set segment placed at node n (nil when the
// recognizer did not place it).
func maskSeg(s Seg, n *node, d Delimiters) {
	if maskKeep[s.ID()] {
		return
	}
	var rules []elemRule
	if n != nil {
		rules = n.Elems
	} else if ds := segmentDef(s.ID()); ds != nil {
		rules = ds.Elems
	}
	for k := 1; k < len(s); k++ {
		if s[k] == "" {
			continue
		}
		if k > len(rules) || (s.ID() == "DMG" && k > 1) {
			s[k] = MaskValue
			continue
		}
		s[k] = maskElem(s[k], &rules[k-1], d)
	}
}

func maskElem(raw string, r *elemRule, d Delimiters) string {
	if r.Type == typeC {
		parts := strings.Split(raw, string(d.Component))
		for j, p := range parts {
			if p != "" && (j >= len(r.Comps) || r.Comps[j].Type == typeAN || r.Comps[j].Type == typeDT) {
				// A value from the guide's code list (the 999's CTX01-1
				// CLM01, say) is a qualifier, not data: kept, so the
				// masked segment is still recognized as the same one.
				if j < len(r.Comps) && r.Comps[j].Codes != nil && r.Comps[j].Codes.has([]byte(p)) {
					continue
				}
				parts[j] = MaskValue
			}
		}
		return strings.Join(parts, string(d.Component))
	}
	if r.Type == typeAN || r.Type == typeDT || r.Ref == "116" { // 116 postal code
		return MaskValue
	}
	return raw
}
