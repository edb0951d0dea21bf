package guidetable

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

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
		if h.Name != f.Name || h.Guide != f.Guide.Guide || h.Transaction != f.Guide.Transaction || h.Amends != f.Guide.Amends {
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

// Index reads only a table's header: a table whose header members follow
// its items is refused, not read as one without an amendment.
func TestIndexNeedsTheHeaderFirst(t *testing.T) {
	fsys := fstest.MapFS{
		"x/a.json": {Data: []byte(`{"comment": "c", "guide": "G1", "transaction": "837", "amends": "G0", "changes": []}`)},
		"x/b.json": {Data: []byte(`{"guide": "G2", "root": {"loop": "ST"}, "transaction": "835"}`)},
	}
	if _, err := Index(fsys, "x"); err == nil || !strings.Contains(err.Error(), "b.json") {
		t.Fatalf("Index = %v, want b.json refused", err)
	}
	delete(fsys, "x/b.json")
	index, err := Index(fsys, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(index) != 1 || index[0] != (Header{Name: "a.json", Guide: "G1", Transaction: "837", Amends: "G0"}) {
		t.Errorf("Index = %+v", index)
	}
}
