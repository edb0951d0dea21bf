package snip

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/codes"
	"github.com/claimflow/claimflow/edi/snip/internal/icdpack"
	"github.com/claimflow/claimflow/schemas"
)

// TestPackedICDListsMatchTheText proves the embedded packed lists
// (icd10cm-<year>.bin) are the shipped source lists
// (schemas/snip/icd10cm-<year>.txt.gz): one packed list per source list
// and year, holding the same codes in the same order, each of ICD-10-CM
// shape, and byte for byte what go generate writes today.
func TestPackedICDListsMatchTheText(t *testing.T) {
	sources, err := fs.Glob(schemas.SNIP, "snip/icd10cm-*.txt.gz")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no source lists: %v", err)
	}
	packed, err := fs.Glob(icdPacked, "icd10cm-*.bin")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, name := range sources {
		want[strings.TrimSuffix(path.Base(name), ".txt.gz")+".bin"] = true
	}
	for _, name := range packed {
		if !want[name] {
			t.Errorf("%s has no source list in schemas/snip", name)
		}
	}
	for _, name := range sources {
		gz, err := fs.ReadFile(schemas.SNIP, name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		codes, err := icdpack.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		bin := strings.TrimSuffix(path.Base(name), ".txt.gz") + ".bin"
		b, err := fs.ReadFile(icdPacked, bin)
		if err != nil {
			t.Errorf("%s: no packed list (run go generate in edi/snip): %v", name, err)
			continue
		}
		i := 0
		if err := icdpack.Decode(b, func(code []byte) {
			switch {
			case i >= len(codes):
				t.Errorf("%s: code %d past the %d of the source", bin, i+1, len(codes))
			case !bytes.Equal(code, codes[i]):
				t.Errorf("%s: code %d is %q, the source has %q", bin, i+1, code, codes[i])
			case !icd10Shape(code):
				t.Errorf("%s: code %d (%q) is not of ICD-10-CM shape", bin, i+1, code)
			}
			// loadICD takes icdpack's packed codes as packICD's.
			if k, ok := packICD(code); !ok || k != icdpack.Pack(code) {
				t.Errorf("%s: code %d (%q) packs to %#x, icdpack.Pack to %#x", bin, i+1, code, k, icdpack.Pack(code))
			}
			i++
		}); err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		if i != len(codes) {
			t.Errorf("%s: %d codes, the source has %d", bin, i, len(codes))
		}
		if !bytes.Equal(b, icdpack.Encode(codes)) {
			t.Errorf("%s differs from what go generate writes from %s", bin, name)
		}
	}
	lists, err := ICD10CMLists()
	if err != nil || len(lists) != len(sources) {
		t.Fatalf("ICD10CMLists() = %d lists, %v; %d sources", len(lists), err, len(sources))
	}
}

// TestPOSCodesMatchTheCodeList checks posCodes against the place of
// service list of package codes, which validPOS consults only for values
// that are not two digits.
func TestPOSCodesMatchTheCodeList(t *testing.T) {
	l := codes.Lookup(codes.PlaceOfService)
	if l == nil {
		t.Fatal("no place of service list")
	}
	for i := 0; i < 100; i++ {
		code := string([]byte{'0' + byte(i/10), '0' + byte(i%10)})
		if _, in := l.Describe(code); in != posTable[i] {
			t.Errorf("place of service %s: the list says %v, posCodes %v", code, in, posTable[i])
		}
	}
	for _, code := range l.Codes() {
		if !validPOS([]byte(code)) {
			t.Errorf("place of service %q of the list is not valid", code)
		}
	}
}

// TestPairTablesMatchTheSets checks the two-letter tables against the
// state and province sets for every pair of bytes.
func TestPairTablesMatchTheSets(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			code := []byte{byte(a), byte(b)}
			if got, want := inPairs(&stateTable, code), states[string(code)]; got != want {
				t.Errorf("state %q: table %v, set %v", code, got, want)
			}
			if got, want := inPairs(&provinceTable, code), provinces[string(code)]; got != want {
				t.Errorf("province %q: table %v, set %v", code, got, want)
			}
		}
	}
}

// TestCompiledConditionsMatchHolds checks compileCond's closure against
// cond.holds for every condition of the shipped rules (and a few more)
// over segments whose elements take each code, its neighbours, and empty
// and missing values.
func TestCompiledConditionsMatchHolds(t *testing.T) {
	if _, err := loadRules(); err != nil {
		t.Fatal(err)
	}
	conds := []*cond{
		{El: 1, In: []string{"ABCD"}}, {El: 2, In: []string{"X", "YY", "ZZZ", "WWWW"}}, {El: 3, Empty: true}, {El: 3},
	}
	for _, r := range allRules.Elements {
		for i := range r.When {
			conds = append(conds, &r.When[i])
		}
	}
	for _, r := range allRules.Loops {
		conds = append(conds, &r.If.cond)
		if r.Require != nil {
			conds = append(conds, &r.Require.cond)
		}
		if r.Forbid != nil {
			conds = append(conds, &r.Forbid.cond)
		}
	}
	for _, r := range allRules.Order {
		conds = append(conds, &r.First.cond, &r.Second.cond)
	}
	// Values: every code of every condition, each with its last byte
	// changed, cut and extended, and empty.
	values := []string{"", "A", "ZZ"}
	for _, c := range conds {
		for _, code := range c.In {
			values = append(values, code, code[:len(code)-1], code+"0", code[:len(code)-1]+"#", "#"+code[1:])
		}
	}
	isa := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	n := 0
	for _, v := range values {
		for _, seg := range []string{"N4*" + strings.Repeat(v+"*", 12) + v, "N4*" + v + ":" + v + ":" + v, "N4", "N4*" + v} {
			rd := edi.NewBytesReader([]byte(isa + seg + "~"))
			if _, err := rd.Next(); err != nil {
				t.Fatal(err)
			}
			s, err := rd.Next()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range conds {
				if c.El == 0 {
					continue // a segMatch without a condition
				}
				fn := compileCond(c)
				if got, want := fn(s), c.holds(s); got != want {
					t.Errorf("condition %+v on %q: compiled %v, holds %v", *c, seg, got, want)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d cases", n)
	}
}

// TestCompiledRulesMatchApply checks each shipped element rule's run
// (compileRun) against apply: the same findings, component included, and
// the same elements marked reported, over segments of the rule's tag
// whose elements take values that pass and fail each check, with and
// without the element already reported.
func TestCompiledRulesMatchApply(t *testing.T) {
	if _, err := loadRules(); err != nil {
		t.Fatal(err)
	}
	values := []string{"", "XX", "1234567893", "1234567890", "NY", "NA", "ON", "100010000", "1000", "K1A 0B1",
		"HC:99213:25", "HC:9921:ZZZ", "AD:D0120", "NU:0450", "HC:99213:25:59:XX:7", "20260101", "20990101",
		"20260101-20260102", "20260102-20260101", "207Q00000X", "11", "98", "1:2", "1:13", "X:1", "PO BOX 1",
		"0", "0.00", "16", "N130", "ABK:J069"}
	isa := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	type finding struct {
		e    edi.Error
		done uint32
	}
	run := func(r *elemRule, f func(*setCheck, *edi.Segment, *edi.Place, func(*edi.Error)), seg string, done uint32) []finding {
		rd := edi.NewBytesReader([]byte(isa + seg + "~"))
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
		s, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		c := &setCheck{k: &Checker{Level: 5}, created: "20260101", claim: claim{dxCount: 2}, done: done}
		var out []finding
		f(c, s, &edi.Place{Pos: 3, Loop: "2300", Depth: 2, Node: 1}, func(e *edi.Error) { out = append(out, finding{*e, c.done}) })
		return append(out, finding{done: c.done})
	}
	n := 0
	for _, r := range allRules.Elements {
		if r.kind == kindDiagnosis {
			continue
		}
		maxEl := 0
		for _, el := range r.Els {
			maxEl = max(maxEl, el)
		}
		for i, v := range values {
			// every element v, or each its own value of the list
			var all, mixed []string
			for el := 1; el <= maxEl; el++ {
				all = append(all, v)
				mixed = append(mixed, values[(i+el)%len(values)])
			}
			for _, seg := range []string{r.Seg + "*" + strings.Join(all, "*"), r.Seg + "*" + strings.Join(mixed, "*")} {
				for _, done := range []uint32{0, 1 << r.Els[0]} {
					got, want := run(r, r.run, seg, done), run(r, r.apply, seg, done)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("rule %s on %q (done %b): run %+v, apply %+v", r.ID, seg, done, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d cases", n)
	}
}
