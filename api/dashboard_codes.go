package api

import (
	"strings"

	"github.com/claimflow/claimflow/edi/codes"
)

// Code descriptions come from edi/codes, the one source of code lists.

// describePayment explains claim payment codes: adjustments with their
// group ("CO-16") and remarks (RARCs such as "N115").
func describePayment(cs []string) []Code {
	out := make([]Code, 0, len(cs))
	for _, c := range cs {
		out = append(out, Code{Code: c, Description: codes.PaymentCode(c)})
	}
	return out
}

// codes277 explains a 277 STC01 composite ("A3:33:IL").
func codes277(c string) string { return codes.StatusComposite(c) }

// describeEventCode explains one code of a claim file event: a 277's
// status composites, an 835's adjustments and remarks, a 999's IK3/IK4/
// IK5/AK9 codes (their positions stay in the code). TA1 codes stay as
// they are.
func describeEventCode(kind, c string) string {
	switch kind {
	case "277CA", "276/277":
		return codes277(c)
	case "835":
		return codes.PaymentCode(c)
	case "999":
		return codes.Ack999(c)
	}
	return ""
}

// describeProblems explains the workflow's problems: the codes of the
// acknowledgment that rejected the claim (a 277CA's STC composites; a
// 999's IK3/IK4/IK5/AK9 codes; a TA1's codes have no description).
func describeProblems(ps []string) []Code {
	out := make([]Code, 0, len(ps))
	for _, p := range ps {
		d := ""
		switch {
		case strings.HasPrefix(p, "IK") || strings.HasPrefix(p, "AK9:"):
			d = codes.Ack999(p)
		case !strings.HasPrefix(p, "TA1"):
			d = codes277(p)
		}
		out = append(out, Code{Code: p, Description: d})
	}
	return out
}

// describeRejects explains eligibility rejections ("AAA03:75").
func describeRejects(cs []string) []Code {
	out := make([]Code, 0, len(cs))
	for _, c := range cs {
		out = append(out, Code{Code: c, Description: codes.EligibilityReject(c)})
	}
	return out
}
