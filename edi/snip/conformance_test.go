package snip_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
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
	// Source names a public file's repository, commit, path and licence;
	// Pyx12 is pyx12 3.1's verdict on it (README.md's table).
	Source string `json:"source"`
	Pyx12  string `json:"pyx12"`
}

// publicDir holds the public sample files, one folder per project with
// its licence and SOURCES.md.
const publicDir = "public"

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
	checkPublic(t, entries, seen)
}

// checkPublic checks that every public sample file is in the manifest and
// that its entries name the source and pyx12's verdict, and that each
// project folder keeps its licence and the file's line in SOURCES.md.
func checkPublic(t *testing.T, entries []corpusEntry, seen map[string]bool) {
	t.Helper()
	srcs, err := os.ReadFile(filepath.Join(corpusDir, publicDir, "SOURCES.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(filepath.Join(corpusDir, publicDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, p)
		rel = filepath.ToSlash(rel)
		base := d.Name()
		if base == "SOURCES.md" || strings.HasPrefix(base, "LICENSE") || strings.HasPrefix(base, "NOTICE") {
			return nil
		}
		n++
		if !seen[rel] {
			t.Errorf("%s has no manifest entry", rel)
		}
		if !strings.Contains(string(srcs), "| `"+strings.TrimPrefix(rel, publicDir+"/")+"` |") {
			t.Errorf("%s is not listed in SOURCES.md", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no public sample files")
	}
	for _, c := range entries {
		if !strings.HasPrefix(c.File, publicDir+"/") {
			continue
		}
		if c.Source == "" || c.Pyx12 == "" {
			t.Errorf("%s: a public file's entry names its source and pyx12's verdict", c.File)
		}
		project := strings.Split(c.File, "/")[1]
		lic, _ := filepath.Glob(filepath.Join(corpusDir, publicDir, project, "LICENSE*"))
		if len(lic) == 0 {
			t.Errorf("%s: no licence file in %s", c.File, project)
		}
	}
}
