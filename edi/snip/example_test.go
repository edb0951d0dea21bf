package snip_test

import (
	"fmt"
	"os"

	"github.com/claimflow/claimflow/edi/snip"
)

// An 837P whose billing provider ZIP has five digits passes the guide's
// syntax (level 3) but not the strict outbound level; received, it would
// be accepted with a warning.
func ExampleValidateBytes() {
	b, err := os.ReadFile("../testdata/conformance/837p-billing-zip5.x12")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range []snip.Options{{Level: snip.Level3}, {Level: snip.Strict}, {Inbound: true}} {
		rep, err := snip.ValidateBytes(b, o)
		if err != nil {
			fmt.Println(err)
			return
		}
		errs, warnings := snip.Split(rep)
		fmt.Printf("level %d inbound %v: rejected %v, %d errors, %d warnings\n", o.Level, o.Inbound, snip.Rejected(rep), len(errs), len(warnings))
		for _, e := range rep.Errors {
			fmt.Println(" ", e.Kind, e.Code, e.SegID, e.Elem, e.Loop)
		}
	}
	// Output:
	// level 3 inbound false: rejected false, 0 errors, 0 warnings
	// level 5 inbound false: rejected true, 1 errors, 0 warnings
	//   IK4 I12 N4 3 2010AA
	// level 0 inbound true: rejected false, 0 errors, 1 warnings
	//   IK4 I12 N4 3 2010AA
}
