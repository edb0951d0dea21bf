package activities

import (
	"os"
	"strings"
	"testing"
)

// TestCheckInboundCountsDeviations checks the router's tolerant check:
// a deviation that keeps the meaning is a warning, a fault an error, and
// the findings name positions and codes only.
func TestCheckInboundCountsDeviations(t *testing.T) {
	for _, c := range []struct {
		file             string
		warnings, errors int
	}{
		{"835-clean.x12", 0, 0},
		{"835-payer-state-na.x12", 1, 0},
		{"../sets/835-broken-cas-group.x12", 0, 1}, // CAS01 not a group code
	} {
		b, err := os.ReadFile("../edi/testdata/conformance/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		var res RouteResult
		(&Router{}).checkInbound(InboundFile{Partner: "sim", Hash: "h"}, b, &res)
		if res.Warnings != c.warnings || res.Errors != c.errors || len(res.Findings) != c.warnings+c.errors {
			t.Errorf("%s: %d warnings, %d errors, findings %q; want %d, %d", c.file, res.Warnings, res.Errors, res.Findings, c.warnings, c.errors)
		}
		for _, f := range res.Findings {
			if strings.Contains(f, "TEST PAYER") || strings.Contains(f, "NA*") {
				t.Errorf("%s: finding shows a value: %s", c.file, f)
			}
		}
	}
}
