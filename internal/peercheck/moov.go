// Package peercheck runs the peers the issues compare claimflow's X12 output
// against. Only tests import it.
package peercheck

import (
	"fmt"
	"strings"

	moovfile "github.com/moov-io/x12/pkg/file"
	moov837p "github.com/moov-io/x12/rule_5010_837p"
)

// Moov837P parses and validates X12 text with github.com/moov-io/x12
// v0.1.0's 837P rule (it accepts '*' and '~' only, no line breaks; the
// component separator is passed in).
func Moov837P(x, comp string) error {
	raw := strings.ReplaceAll(x, "\n", "")
	ic := moovfile.NewInterchange(&moov837p.InterchangeRule)
	n, err := ic.Parse(raw, comp)
	if err != nil {
		return fmt.Errorf("moov-io/x12 parse: %w", err)
	}
	if n != len(raw) {
		return fmt.Errorf("moov-io/x12 parsed %d of %d bytes", n, len(raw))
	}
	if err := ic.Validate(nil); err != nil {
		return fmt.Errorf("moov-io/x12 validate: %w", err)
	}
	return nil
}
