package edi

import "testing"

// The shipped tables are compiled on first use; Guides compiles them all,
// so a table that fails to compile fails here even when no other test
// names its guide.
func TestShippedGuidesCompile(t *testing.T) {
	gs, err := Guides()
	if err != nil {
		t.Fatal(err)
	}
	load()
	for _, h := range lazy.index {
		g := gs[h.Guide+"/"+h.Transaction]
		if g == nil {
			t.Errorf("%s: guide %s/%s not compiled", h.Name, h.Guide, h.Transaction)
			continue
		}
		if gs[h.Guide] == nil {
			t.Errorf("%s: no entry under the guide ID %s", h.Name, h.Guide)
		}
	}
	// The same tables as compiling everything at once.
	_, all, err := loadFS(lazy.fsys, lazy.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(gs) {
		t.Errorf("Guides has %d entries, loadFS %d", len(gs), len(all))
	}
	for k, g := range all {
		if o := gs[k]; o == nil || o.ID != g.ID || o.Transaction != g.Transaction || o.Name != g.Name {
			t.Errorf("%s: Guides and loadFS differ", k)
		}
	}
}
