package guidetable

import (
	"encoding/json"
	"testing"

	"github.com/claimflow/claimflow/schemas"
)

// Index and LoadOne read each shipped table exactly as Load does.
func TestLoadOneMatchesLoad(t *testing.T) {
	files, err := Load(schemas.X12, "x12")
	if err != nil {
		t.Fatal(err)
	}
	index, err := Index(schemas.X12, "x12")
	if err != nil {
		t.Fatal(err)
	}
	if len(index) != len(files) {
		t.Fatalf("Index has %d tables, Load %d", len(index), len(files))
	}
	amended := 0
	for i, h := range index {
		f := files[i]
		if h.Name != f.Name || h.Guide != f.Guide.Guide || h.Transaction != f.Guide.Transaction {
			t.Errorf("index %d = %+v, Load has %s %s/%s", i, h, f.Name, f.Guide.Guide, f.Guide.Transaction)
		}
		if h.Amends != "" {
			amended++
		}
		g, err := LoadOne(schemas.X12, "x12", index, i)
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		a, _ := json.Marshal(g)
		b, _ := json.Marshal(f.Guide)
		if string(a) != string(b) {
			t.Errorf("%s: LoadOne and Load differ", h.Name)
		}
	}
	if amended == 0 {
		t.Error("no errata table among the shipped ones: the amendment path went untested")
	}
}
