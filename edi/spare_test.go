package edi

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/claimflow/claimflow/schemas"
)

// withGuide validates b with the real dictionary and one extra guide table
// (no real guide has two same-position siblings whose codes overlap).
func withGuide(t *testing.T, table string, b []byte) *Report {
	t.Helper()
	load()
	fsys := fstest.MapFS{"x/005010XTEST.json": {Data: []byte(table)}}
	parts, err := fs.Glob(schemas.X12, "x12/segments*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		data, err := fs.ReadFile(schemas.X12, p)
		if err != nil {
			t.Fatal(err)
		}
		fsys["x/"+p[len("x12/"):]] = &fstest.MapFile{Data: data}
	}
	_, gs, err := loadFS(fsys, "x")
	if err != nil {
		t.Fatal(err)
	}
	saved := guides
	guides = gs
	defer func() { guides = saved }()
	return validate(t, b)
}

// Repeats are counted per sibling of a position: when the sibling a
// segment qualifies for first is full, another sibling of the same
// position that takes it gets it.
func TestFullSiblingHandsOn(t *testing.T) {
	const table = `{"guide": "005010XTEST", "transaction": "835", "functionalGroup": "HP",
	 "root": {"loop": "HEADER", "items": [
	  {"seg": "ST", "el": {"3": "R=005010XTEST"}},
	  {"seg": "REF", "name": "first", "usage": "S", "q": "1", "el": {"1": "R=ZZ,YY"}},
	  {"seg": "REF", "name": "second", "usage": "S", "max": 2, "q": "1", "el": {"1": "R=ZZ"}},
	  {"seg": "SE"}]}}`
	set := func(refs string) []byte {
		return recountSE([]byte("ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *260115*1200*^*00501*000000101*0*T*:~\n" +
			"GS*HP*TESTPAYER*CLAIMFLOW*20260115*1200*101*X*005010XTEST~\nST*835*0001*005010XTEST~\n" + refs +
			"SE*0*0001~\nGE*1*101~\nIEA*1*000000101~\n"))
	}
	three := "REF*ZZ*1~\nREF*ZZ*2~\nREF*ZZ*3~\n"
	if rep := withGuide(t, table, set(three)); len(rep.Errors) > 0 {
		t.Errorf("three REF*ZZ: %v", rep.Errors)
	}
	rep := withGuide(t, table, set(three+"REF*ZZ*4~\n"))
	if got := codes(rep); len(got) != 1 || got[0] != "IK3 5 REF  0" {
		t.Errorf("four REF*ZZ: %q, want one IK3 5", got)
	}
	if rep := withGuide(t, table, set("REF*YY*1~\nREF*ZZ*2~\nREF*ZZ*3~\n")); len(rep.Errors) > 0 {
		t.Errorf("YY then two ZZ: %v", rep.Errors)
	}
}
