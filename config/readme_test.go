package config

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the configuration table in README.md")

const (
	startMark = "<!-- config:start -->\n"
	endMark   = "<!-- config:end -->"
)

// TestREADMEConfigTable keeps README.md's configuration table equal to the
// code's. Run `go test ./config -update` after adding a setting.
func TestREADMEConfigTable(t *testing.T) {
	const path = "../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, startMark), strings.Index(readme, endMark)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", startMark, endMark)
	}
	var want bytes.Buffer
	Markdown(&want)
	got := readme[i+len(startMark) : j]
	if got == want.String() {
		return
	}
	if *update {
		out := readme[:i+len(startMark)] + want.String() + readme[j:]
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's configuration table is stale; run: go test ./config -update\ngot:\n%s\nwant:\n%s", got, want.String())
}
