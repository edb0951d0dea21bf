package guidetable

import (
	"strings"
	"testing"
	"testing/fstest"
)

const base = `{"guide": "G1", "transaction": "999", "functionalGroup": "FA",
 "root": {"loop": "HEADER", "items": [
  {"seg": "ST", "el": {"1": "R=999", "3": "R=G1"}},
  {"loop": "2000", "items": [{"seg": "AK2"}, {"seg": "CTX", "max": 10}, {"seg": "CTX", "el": {"1": "R"}}]},
  {"seg": "SE"}]}}`

func TestAmends(t *testing.T) {
	fsys := fstest.MapFS{
		"x/segments.json": {Data: []byte(`{}`)},
		"x/g1.json":       {Data: []byte(base)},
		"x/g2.json": {Data: []byte(`{"guide": "G1A2", "transaction": "999", "functionalGroup": "FA", "amends": "G1",
		  "changes": [{"loop": "2000", "seg": "CTX", "nth": 2, "el": {"2": "N"}, "usage": "R", "why": "errata"}]}`)},
	}
	files, err := Load(fsys, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[1].Name != "g2.json" {
		t.Fatalf("files = %+v", files)
	}
	g := files[1].Guide
	if got := g.Root.Items[0].El["3"]; got != "R=G1A2" {
		t.Errorf("ST03 = %q, want R=G1A2", got)
	}
	ctx := g.Root.Items[1].Items[2]
	if ctx.Usage != "R" || ctx.El["1"] != "R" || ctx.El["2"] != "N" || ctx.Why["2.usage"] != "errata" || ctx.Why["usage"] != "errata" {
		t.Errorf("changed CTX = %+v", ctx)
	}
	if first := g.Root.Items[1].Items[1]; first.Usage != "" || first.El != nil {
		t.Errorf("first CTX changed: %+v", first)
	}
	// The amended table itself is untouched.
	if b := files[0].Guide.Root.Items[1].Items[2]; b.Usage != "" || b.El["2"] != "" {
		t.Errorf("base changed: %+v", b)
	}
}

func TestAmendsErrors(t *testing.T) {
	for name, errata := range map[string]string{
		"no why":           `{"loop": "2000", "seg": "CTX", "usage": "R"}`,
		"matches nothing":  `{"loop": "2000", "seg": "REF", "usage": "R", "why": "x"}`,
		"nth past the end": `{"loop": "2000", "seg": "CTX", "nth": 3, "usage": "R", "why": "x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"x/g1.json": {Data: []byte(base)},
				"x/g2.json": {Data: []byte(`{"guide": "G2", "transaction": "999", "amends": "G1", "changes": [` + errata + `]}`)},
			}
			if _, err := Load(fsys, "x"); err == nil || !strings.Contains(err.Error(), "g2.json") {
				t.Errorf("err = %v, want an error naming g2.json", err)
			}
		})
	}
	fsys := fstest.MapFS{"x/g2.json": {Data: []byte(`{"guide": "G2", "transaction": "999", "amends": "G9"}`)}}
	if _, err := Load(fsys, "x"); err == nil {
		t.Error("amending an unknown guide loaded")
	}
}
