package x12cli_test

import (
	"strings"
	"testing"
)

// TestValidateLevels checks --level chooses the SNIP levels and --inbound
// turns code set and situational findings into warnings.
func TestValidateLevels(t *testing.T) {
	f := td("conformance/837p-billing-zip5.x12")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validate", f}, 1, "(SNIP 5 rule n4-zip9-billing) [IK4 I12]"},
		{[]string{"validate", "--level", "5", f}, 1, "1 errors"},
		{[]string{"validate", "--level=3", f}, 0, "837p-billing-zip5.x12: OK"},
		{[]string{"validate", "--level", "4", f}, 0, "837p-billing-zip5.x12: OK"},
		{[]string{"validate", "--inbound", f}, 0, "OK with 1 warnings"},
		{[]string{"validate", "--inbound", f}, 0, ": warning: segment 11 N403"},
	} {
		code, out, errs := run(t, "", c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.want, out, errs)
		}
	}
	for _, bad := range [][]string{{"validate", "--level", "0", f}, {"validate", "--level", "6", f}, {"validate", "--level=x", f}, {"validate", f, "--level"}} {
		if code, _, _ := run(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}
