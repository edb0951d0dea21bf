package codes_test

import (
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi/codes"
)

// TestExplain covers the codes the dashboard showed raw (issue 16 item 7):
// a 277CA rejection A3:33:IL, the RARCs N115 and N54, AAA03:75.
func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want []string // parts the description must hold, in order
	}{
		{"277CA A3:33:IL", codes.StatusComposite("A3:33:IL"), []string{"Returned as unprocessable claim", "Subscriber and subscriber id not found", "Insured or Subscriber"}},
		{"277CA line", codes.StatusComposite("2220D HC:99213 REF*FJ 2 STC A7:454:"), []string{"Acknowledgement/Rejected for Invalid Information"}},
		{"RARC N115", codes.PaymentCode("N115"), []string{"Local Coverage Determination"}},
		{"RARC N54", codes.PaymentCode("N54"), []string{"inconsistent with pre-certified/authorized services"}},
		{"CO-16", codes.PaymentCode("CO-16"), []string{"Contractual Obligations", "lacks information"}},
		{"bare CARC", codes.Adjustment("45"), []string{"Charge exceeds fee schedule"}},
		{"AAA03:75", codes.EligibilityReject("AAA03:75"), []string{"Subscriber/Insured Not Found"}},
		{"AAA 72", codes.EligibilityReject("72"), []string{"Invalid/Missing Subscriber/Insured ID"}},
	} {
		rest := tc.got
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q, want %q in it (in order)", tc.name, tc.got, w)
				break
			}
			rest = rest[i+len(w):]
		}
	}
	for _, unknown := range []string{codes.StatusComposite("ZZ:ZZ:ZZ"), codes.PaymentCode("NOPE"), codes.EligibilityReject("AAA03:ZZ"), codes.Adjustment("XX-NOPE")} {
		if unknown != "" {
			t.Errorf("an unknown code described as %q, want \"\"", unknown)
		}
	}
}
