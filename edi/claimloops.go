package edi

// Slicing one claim's segments out of a file of many: the claim's 2300
// loop of an 837, its CLP loop of an 835, its AK2 loop of a 999 and its
// 2000D/2200D loops of a 277CA. The dashboard shows these to staff.

// Transactions returns every transaction set of the interchanges, in file
// order.
func Transactions(ics []*Interchange) []*Transaction {
	var out []*Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			out = append(out, g.Sets...)
		}
	}
	return out
}

// AllSets returns every transaction set's segments (ST to SE): a real-time
// 276 or 277 is about the one claim inquired.
func AllSets(ics []*Interchange) []Seg {
	var out []Seg
	for _, t := range Transactions(ics) {
		out = append(out, t.Segments...)
	}
	return out
}

// ClaimLoop837 returns the claim's 2300 loop (CLM up to SE) in the 837
// transaction set with control number st02; claimflow puts one claim in
// each set.
func ClaimLoop837(ics []*Interchange, st02 string) []Seg {
	for _, t := range Transactions(ics) {
		if t.ST().El(2) != st02 {
			continue
		}
		for i, s := range t.Segments {
			if s.ID() == "CLM" {
				return t.Segments[i : len(t.Segments)-1]
			}
		}
	}
	return nil
}

// ClaimPaymentLoop835 returns the seq-th CLP loop (from 1, loop 2100 with
// its service lines) of the n-th transaction set (from 0) of an 835.
func ClaimPaymentLoop835(ics []*Interchange, n, seq int) []Seg {
	ts := Transactions(ics)
	if n < 0 || n >= len(ts) {
		return nil
	}
	var out []Seg
	k := 0
	for _, s := range ts[n].Segments {
		switch s.ID() {
		case "CLP":
			k++
		case "LX", "PLB", "SE":
			if k == seq {
				return out
			}
		}
		if k == seq {
			if s.ID() == "CLP" && len(out) > 0 {
				return out
			}
			out = append(out, s)
		}
	}
	return out
}

// AckLoop999 returns the AK2 loop (AK2, IK3/IK4, IK5) answering
// transaction set st02, or the whole acknowledgment's body when no loop
// names the set (a TA1, or an answer at the interchange or group level).
func AckLoop999(ics []*Interchange, st02 string) []Seg {
	var all []Seg
	for _, ic := range ics {
		all = append(all, ic.TA1...)
	}
	for _, t := range Transactions(ics) {
		var cur []Seg
		in := false
		for _, s := range t.Segments {
			switch s.ID() {
			case "AK2":
				in = s.El(2) == st02
			case "AK9", "SE":
				in = false
			}
			if in {
				cur = append(cur, s)
			}
		}
		if len(cur) > 0 {
			return cur
		}
		all = append(all, t.Segments...)
	}
	return all
}

// ClaimLoop277CA returns a 277CA's claim-level loop (2200D: the TRN whose
// trace is the claim's CLM01 pcn, with its STC, REF and DTP) and the
// patient HL (2000D) above it.
func ClaimLoop277CA(ics []*Interchange, pcn string) []Seg {
	for _, t := range Transactions(ics) {
		for i, s := range t.Segments {
			if s.ID() != "TRN" || s.El(2) != pcn {
				continue
			}
			start := i
			for start > 0 && t.Segments[start].ID() != "HL" {
				start--
			}
			if t.Segments[start].El(3) != "PT" {
				continue // a TRN of another level (2200B/C) that happens to match
			}
			end := i + 1
			for end < len(t.Segments) && t.Segments[end].ID() != "HL" && t.Segments[end].ID() != "SE" && t.Segments[end].ID() != "TRN" {
				end++
			}
			return t.Segments[start:end]
		}
	}
	return nil
}
