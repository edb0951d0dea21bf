package edi

import (
	"encoding/json"
	"io/fs"
	"path"
	"testing"

	"github.com/claimflow/claimflow/schemas"
)

// rawString and rawInt must decode every field as json.Unmarshal does:
// the dictionary's own rows and the forms their fast paths leave to it.
func TestRawFieldsMatchUnmarshal(t *testing.T) {
	fields := []string{`""`, `"AN"`, `"a b"`, `"\u0041"`, `"\""`, `"é"`, `"a\\b"`, `null`, `1`, `-1`,
		`0`, `12`, `-0`, `123456789`, `1234567890`, `1.5`, `1e2`, `true`, `"12"`, `[1]`, `{}`}
	entries, err := fs.ReadDir(schemas.X12, "x12")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, e := range entries {
		if !isDictFile(e.Name()) {
			continue
		}
		b, err := fs.ReadFile(schemas.X12, path.Join("x12", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var d rawDict
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		for _, m := range []map[string]rawDictSeg{d.Segments, d.Composites} {
			for _, s := range m {
				for _, r := range append(s.Elements, s.Components...) {
					rows++
					for _, f := range r {
						fields = append(fields, string(f))
					}
				}
			}
		}
	}
	if rows < 100 {
		t.Fatalf("only %d element rows in the dictionary", rows)
	}
	for _, f := range fields {
		ws, gs := "x", "x"
		werr, gerr := json.Unmarshal([]byte(f), &ws), rawString(json.RawMessage(f), &gs)
		if ws != gs || (werr == nil) != (gerr == nil) {
			t.Errorf("rawString(%s) = %q, %v; json.Unmarshal %q, %v", f, gs, gerr, ws, werr)
		}
		wi, gi := 7, 7
		werr, gerr = json.Unmarshal([]byte(f), &wi), rawInt(json.RawMessage(f), &gi)
		if wi != gi || (werr == nil) != (gerr == nil) {
			t.Errorf("rawInt(%s) = %d, %v; json.Unmarshal %d, %v", f, gi, gerr, wi, werr)
		}
	}
}
