package snip_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
)

const corpusDir = "../testdata/conformance"

type corpusEntry struct {
	File     string   `json:"file"`
	Level    int      `json:"level"`
	Inbound  bool     `json:"inbound"`
	Verdict  string   `json:"verdict"`
	Findings []string `json:"findings"`
	Reason   string   `json:"reason"`
	Mirrors  string   `json:"mirrors"`
	Needs    string   `json:"needs"`
}

func loadManifest(t *testing.T) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Entries []corpusEntry `json:"entries"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) == 0 {
		t.Fatal("empty manifest")
	}
	return m.Entries
}

// verdict names a report's outcome: accept (no finding), warn (only
// warnings) or reject.
func verdict(rep *edi.Report) string {
	switch {
	case snip.Rejected(rep):
		return "reject"
	case len(rep.Errors) > 0:
		return "warn"
	}
	return "accept"
}

// finding renders an error as the manifest names it: "<kind> <code>
// <rule id>" for rule findings, "<kind> <code>" for syntax.
func finding(e *edi.Error) string {
	s := e.Kind.String() + " " + e.Code
	if i := strings.Index(e.Msg, " rule "); i >= 0 {
		s += " " + strings.TrimSuffix(e.Msg[i+len(" rule "):], ")")
	}
	return s
}

// TestConformanceCorpus checks every verdict of the conformance manifest.
func TestConformanceCorpus(t *testing.T) {
	entries := loadManifest(t)
	seen := map[string]bool{}
	for i, c := range entries {
		seen[c.File] = true
		name := fmt.Sprintf("%02d-%s-L%d", i, strings.TrimSuffix(c.File, ".x12"), c.Level)
		if c.Inbound {
			name += "-inbound"
		}
		t.Run(name, func(t *testing.T) {
			if c.Reason == "" {
				t.Error("entry without a reason")
			}
			b, err := os.ReadFile(filepath.Join(corpusDir, c.File))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := snip.ValidateBytes(b, snip.Options{Level: c.Level, Inbound: c.Inbound})
			if err != nil {
				t.Fatal(err)
			}
			got := verdict(rep)
			var have []string
			for _, e := range rep.Errors {
				have = append(have, finding(e))
			}
			missing := []string{}
			for _, f := range c.Findings {
				ok := false
				for _, h := range have {
					if h == f {
						ok = true
					}
				}
				if !ok {
					missing = append(missing, f)
				}
			}
			pass := got == c.Verdict && len(missing) == 0
			if c.Needs != "" {
				if pass {
					t.Skipf("passes already: drop needs=%q from the manifest", c.Needs)
				}
				t.Skipf("waits for %s: verdict %s, want %s (%s)", c.Needs, got, c.Verdict, c.Reason)
			}
			if got != c.Verdict {
				t.Errorf("verdict %s, want %s (%s); findings %q", got, c.Verdict, c.Reason, have)
			}
			if len(missing) > 0 {
				t.Errorf("findings %q lack %q (%s)", have, missing, c.Reason)
			}
		})
	}
	// Every sample in the folder is in the manifest.
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.x12"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no manifest entry", filepath.Base(f))
		}
	}
}
