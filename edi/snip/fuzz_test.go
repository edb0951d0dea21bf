package snip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidate runs every level and direction over mutated conformance
// samples: no panic, the same findings streamed or in memory, and an
// inbound check never rejects what the strict one accepts.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("../testdata/conformance/*.x12")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		strict, err := ValidateBytes(b, Options{})
		if err != nil {
			return
		}
		in, err := ValidateBytes(b, Options{Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		if !Rejected(strict) && Rejected(in) {
			t.Errorf("inbound rejects what strict accepts: %v", in.Errors)
		}
		if len(in.Errors) != len(strict.Errors) && in.Dropped == 0 && strict.Dropped == 0 {
			t.Errorf("inbound found %d, strict %d", len(in.Errors), len(strict.Errors))
		}
		for _, lv := range []int{Level3, Level4} {
			if _, err := Validate(bytes.NewReader(b), Options{Level: lv}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
