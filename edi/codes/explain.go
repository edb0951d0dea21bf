package codes

import "strings"

// Explaining codes as claimflow's records write them: a claim adjustment
// as group-reason ("CO-16"), a remark code ("N115"), a 277 STC01 composite
// ("A3:33:IL", with a 2220D service line in front when a line is
// rejected), an eligibility rejection ("AAA03:75"). Each answers "" for a
// code no list describes; parts the lists miss are left out.

// Adjustment describes a claim adjustment, "CO-16" (CAS01 group and CARC)
// or a bare CARC ("16").
func Adjustment(code string) string {
	g, reason, ok := strings.Cut(code, "-")
	if !ok {
		d, _ := Describe(CARC, code)
		return d
	}
	group, _ := Describe(AdjustmentGroup, g)
	d, _ := Describe(CARC, reason)
	return join(": ", group, d)
}

// PaymentCode describes a code of a claim payment: an adjustment
// ("CO-45") or a remark (RARC "N115", else a CARC).
func PaymentCode(code string) string {
	if strings.Contains(code, "-") {
		return Adjustment(code)
	}
	if d, ok := Describe(RARC, code); ok {
		return d
	}
	d, _ := Describe(CARC, code)
	return d
}

// StatusComposite describes a 277 STC01 composite, category:status:entity
// ("A3:33:IL": category 507, status 508, entity 98). The service line form
// the 277CA routing records ("2220D HC:99213 REF*FJ 2 STC A7:454:")
// describes its STC part.
func StatusComposite(composite string) string {
	if _, stc, ok := strings.Cut(composite, " STC "); ok {
		composite = stc
	}
	parts := strings.Split(strings.TrimSpace(composite), ":")
	var out []string
	for i, list := range []string{ClaimStatusCategory, ClaimStatus, EntityIdentifier} {
		if i >= len(parts) || parts[i] == "" {
			continue
		}
		if d, ok := Describe(list, parts[i]); ok {
			out = append(out, d)
		}
	}
	return join(" — ", out...)
}

// EligibilityReject describes an AAA03 reject reason, as "AAA03:75" or
// "75".
func EligibilityReject(code string) string {
	d, _ := Describe(RejectReason, strings.TrimPrefix(code, "AAA03:"))
	return d
}

// Ack999 describes a 999 code as the claim records write it: "IK5:R"
// (IK501) or "IK5:5" (IK502..IK506), "IK3:NM1@7:8" (IK304 of the segment
// at position 7), "IK4:NM1@7.3:7" (IK403 of its third element), "AK9:P"
// (AK901) or "AK9:5" (AK905..AK909). The acknowledgment codes are letters
// and the error codes digits or I-codes, so one prefix serves both.
func Ack999(code string) string {
	kind, rest, ok := strings.Cut(code, ":")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 { // IK3/IK4 carry a position first
		rest = rest[i+1:]
	}
	var lists []string
	switch kind {
	case "IK5":
		lists = []string{SetAck, SetError}
	case "AK9":
		lists = []string{GroupAck, GroupError}
	case "IK3":
		lists = []string{SegmentError}
	case "IK4":
		lists = []string{ElementError}
	}
	for _, l := range lists {
		if d, ok := Describe(l, rest); ok {
			return d
		}
	}
	return ""
}

func join(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
