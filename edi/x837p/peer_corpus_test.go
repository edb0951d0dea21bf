package x837p_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMoovPeerCorpus runs the 837P samples in edi/testdata that use the
// delimiters moov-io/x12 v0.1.0 can read ('*', '~') through its 837P rule.
// Samples with a 2000C patient loop are a known moov gap (see TestMoovPeer);
// moov reads one interchange per call, so the multi-interchange sample is
// split.
func TestMoovPeerCorpus(t *testing.T) {
	for name, gap := range map[string]bool{
		"837p-valid.x12":     false,
		"837p-crlf.x12":      false,
		"837p-oneline.x12":   false,
		"837p-multi.x12":     false,
		"837p-dependent.x12": true,
	} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			x := strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
			for i, ic := range splitInterchanges(x) {
				err := MoovCheck(ic, ":")
				switch {
				case gap && err == nil:
					t.Errorf("interchange %d: moov-io/x12 now accepts it; drop the gap note", i)
				case !gap && err != nil:
					t.Errorf("interchange %d: moov-io/x12: %v", i, err)
				}
			}
		})
	}
}

// splitInterchanges cuts X12 text (no line breaks, '~' terminators) into
// its ISA...IEA interchanges.
func splitInterchanges(x string) []string {
	var out []string
	for len(x) > 0 {
		i := strings.Index(x, "~IEA*")
		if i < 0 {
			out = append(out, x)
			break
		}
		j := strings.IndexByte(x[i+1:], '~')
		if j < 0 {
			out = append(out, x)
			break
		}
		end := i + 1 + j + 1
		out = append(out, x[:end])
		x = x[end:]
	}
	return out
}
