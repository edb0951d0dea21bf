package x837d_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x837d"
	moovfile "github.com/moov-io/x12/pkg/file"
	moov837d "github.com/moov-io/x12/rule_5010_837d"
)

// moovCheck parses and validates X12 text with moov-io/x12 v0.1.0's 837D
// rule. moov-io/x12 accepts only '*' and '~' with the component separator
// passed in, and no line breaks.
func moovCheck(x, comp string) error {
	raw := strings.ReplaceAll(x, "\n", "")
	ic := moovfile.NewInterchange(&moov837d.InterchangeRule)
	n, err := ic.Parse(raw, comp)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if n != len(raw) {
		return fmt.Errorf("parsed %d of %d bytes", n, len(raw))
	}
	if err := ic.Validate(nil); err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	return nil
}

// TestMoovPeer checks that the 837D the project writes also parses and
// validates under moov-io/x12 v0.1.0's 837D rule.
func TestMoovPeer(t *testing.T) {
	subscriberOnly := setsamples.Dental()
	subscriberOnly.Billing[0].Subscriber = subscriberOnly.Billing[0].Subscriber[:1]
	for _, tc := range []struct {
		name string
		tx   *x837d.Transaction
	}{
		{"subscriber is patient", subscriberOnly},
		{"with dependent 2000C, DN1/DN2, predetermination", setsamples.Dental()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := setsamples.Env("CLAIMFLOW", "TESTPAYER", 9)
			env.Newline = ""
			env.Delims = edi.Delimiters{Element: '*', Repetition: '^', Component: ':', Segment: '~'}
			ic, err := x837d.Build(env, tc.tx)
			if err != nil {
				t.Fatal(err)
			}
			x := setsamples.Bytes(ic)
			if rep, err := edi.ValidateBytes(x, nil); err != nil || !rep.OK() {
				t.Fatalf("own validator: %v %v", err, rep.Errors)
			}
			if err := moovCheck(string(x), ":"); err != nil {
				t.Errorf("moov-io/x12: %v", err)
			}
			// The peer does check: a CLM05-2 other than B fails there too.
			bad := strings.Replace(string(x), ":B:1*Y*A*Y*Y", ":Z:1*Y*A*Y*Y", 1)
			if bad == string(x) {
				t.Fatal("no CLM05 to break")
			}
			if err := moovCheck(bad, ":"); err == nil {
				t.Error("moov-io/x12 accepts CLM05-2 = Z")
			}
		})
	}
}

// TestMoovPeerExternal runs an 837D laid out as other submitters write it
// (edi/testdata/sets/837d-external.x12) through both validators.
func TestMoovPeerExternal(t *testing.T) {
	x, err := os.ReadFile(filepath.Join("..", "testdata", "sets", "837d-external.x12"))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := edi.ValidateBytes(x, nil); err != nil || !rep.OK() {
		t.Fatalf("own validator: %v %v", err, rep.Errors)
	}
	if err := moovCheck(string(x), ":"); err != nil {
		t.Errorf("moov-io/x12: %v", err)
	}
}
