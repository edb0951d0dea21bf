package x837p_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x837p"
)

// FuzzRead837P: the typed reader never panics on whatever the parser
// accepts, and what it reads builds again.
func FuzzRead837P(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*.x12"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ics, err := edi.ParseBytes(b)
		if err != nil {
			return
		}
		for _, ic := range ics {
			for _, g := range ic.Groups {
				for _, tx := range g.Sets {
					m, err := x837p.Read(tx, ic.Delims)
					if err != nil {
						continue
					}
					if len(m.Billing) > 0 {
						_, _ = x837p.Build(x837p.Envelope{SenderID: "S", ReceiverID: "R"}, m)
					}
				}
			}
		}
	})
}
