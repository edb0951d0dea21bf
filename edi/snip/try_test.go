package snip

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTryAll(t *testing.T) {
	files, _ := filepath.Glob("../testdata/sets/*.x12")
	more, _ := filepath.Glob("../testdata/*.x12")
	for _, f := range append(files, more...) {
		b, _ := os.ReadFile(f)
		rep, err := ValidateBytes(b, Options{})
		if err != nil {
			t.Logf("%s: %v", f, err)
			continue
		}
		for _, e := range rep.Errors {
			if e.Kind >= 4 && (e.Code[0] == 'I' || e.Code == "7") {
				t.Logf("%s: %v", filepath.Base(f), e)
			}
		}
	}
}
