package snip

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/claimflow/claimflow/edi"
)

func TestEmbeddedDataLoads(t *testing.T) {
	if err := Err(); err != nil {
		t.Fatal(err)
	}
	rules, err := Rules()
	if err != nil || len(rules) < 40 {
		t.Fatalf("Rules() = %d rules, %v", len(rules), err)
	}
	lists, err := ICD10CMLists()
	if err != nil || len(lists) == 0 {
		t.Fatalf("ICD10CMLists() = %d lists, %v", len(lists), err)
	}
	l := lists[len(lists)-1]
	// The CDC FY2026 file icd10cm-codes-2026.txt has 74,719 codes.
	if l.Year != 2026 || l.Len() != 74719 {
		t.Errorf("FY%d list has %d codes, want FY2026 with 74719", l.Year, l.Len())
	}
	for code, want := range map[string]bool{"J069": true, "E119": true, "QA00101": true, "M2600": true, "J0690": false, "M260": false, "J06.9": false} {
		if got := l.Has(code); got != want {
			t.Errorf("Has(%q) = %v, want %v", code, got, want)
		}
	}
	if !l.Covers(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) || !l.Covers(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)) ||
		l.Covers(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || l.Covers(time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("FY2026 covers %v to %v, want 2025-10-01 to 2026-09-30", l.From, l.To)
	}
}

func TestValidNPI(t *testing.T) {
	for npi, want := range map[string]bool{
		"1234567893":  true,  // the CMS example
		"1215954003":  true,  // from a public 837P sample
		"1245319599":  true,  // activities test fixture
		"1234567890":  false, // wrong check digit
		"123456789":   false,
		"12345678931": false,
		"123456789X":  false,
		"7876666666":  false, // must start with 1 or 2
		"":            false,
	} {
		if got := ValidNPI(npi); got != want {
			t.Errorf("ValidNPI(%q) = %v, want %v", npi, got, want)
		}
	}
}

func TestCodeShapes(t *testing.T) {
	type tc struct {
		name string
		f    func([]byte) bool
		ok   []string
		bad  []string
	}
	for _, c := range []tc{
		{"us state", func(b []byte) bool { return states[string(b)] }, []string{"NY", "DC", "PR", "AE", "GU"}, []string{"NA", "ZZ", "ny", "ON", ""}},
		{"province", func(b []byte) bool { return provinces[string(b)] }, []string{"ON", "QC", "YT"}, []string{"NY", "NA"}},
		{"us state table", func(b []byte) bool { return inPairs(&stateTable, b) }, []string{"NY", "DC", "PR", "AE", "GU", "AL", "WY"}, []string{"NA", "ZZ", "ny", "ON", "", "N", "NYC", "N@", "[A"}},
		{"province table", func(b []byte) bool { return inPairs(&provinceTable, b) }, []string{"ON", "QC", "YT", "AB"}, []string{"NY", "NA", "on"}},
		{"zip", func(b []byte) bool { return validZIP(b, false) }, []string{"10001", "100010000"}, []string{"1000", "1000100", "1000A", "10001-0000", ""}},
		{"zip9", func(b []byte) bool { return validZIP(b, true) }, []string{"100010000"}, []string{"10001"}},
		{"ca postal", validPostalCA, []string{"M5V3L9", "M5V 3L9"}, []string{"12345", "M5V3L", "5MV3L9"}},
		{"taxonomy", validTaxonomy, []string{"207Q00000X", "363LF0000X", "261QP2300X"}, []string{"203BA0200N", "207Q0000X", "207q00000X"}},
		{"hcpcs", validHCPCS, []string{"99213", "0001F", "0042T", "0001U", "J1100", "G0008", "D0120"}, []string{"9921", "9921X", "F1234", "I1234", "W1234", "J110"}},
		{"cdt", validCDT, []string{"D0120"}, []string{"0120", "D012", "J0120"}},
		{"revenue", validRevenue, []string{"0450"}, []string{"450", "04500"}},
		{"icd shape", icd10Shape, []string{"J069", "S72001A", "QA0011", "U071"}, []string{"1069", "J0", "J06.9", "J0690ABC", "j069"}},
		{"street", notPOBox, []string{"100 MAIN STREET", "1 BOXWOOD LANE"}, []string{"PO BOX 100", "P.O. Box 12", "POST OFFICE BOX 9", "LOCK BOX 7"}},
		{"pos", validPOS, []string{"11", "02", "10", "99"}, []string{"98", "1", "00"}},
	} {
		for _, v := range c.ok {
			if !c.f([]byte(v)) {
				t.Errorf("%s: %q refused", c.name, v)
			}
		}
		for _, v := range c.bad {
			if c.f([]byte(v)) {
				t.Errorf("%s: %q accepted", c.name, v)
			}
		}
	}
}

func TestSetKind(t *testing.T) {
	for _, c := range [][3]string{
		{"005010X222A1", "837", Set837P}, {"005010X222A2", "837", Set837P}, {"005010X223A3", "837", Set837I},
		{"005010X224A2", "837", Set837D}, {"005010X221A1", "835", Set835}, {"005010X279A1", "271", Set271},
		{"005010X212", "276", Set276}, {"005010X214", "277", Set277CA}, {"005010X231A1", "999", Set999},
		{"005010X220A1", "834", ""},
	} {
		if got := SetKind(c[0], c[1]); got != c[2] {
			t.Errorf("SetKind(%s, %s) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestFindingsCarryNoValues checks a finding names positions, codes and the
// rule, never the value it judged.
func TestFindingsCarryNoValues(t *testing.T) {
	b, err := os.ReadFile("../testdata/conformance/837p-npi-check-digit.x12")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ValidateBytes(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) == 0 {
		t.Fatal("no finding")
	}
	for _, e := range rep.Errors {
		if s := e.Error(); strings.Contains(s, "1234567890") || strings.Contains(s, "CLAIMFLOW TEST CLINIC") {
			t.Errorf("finding shows a value: %s", s)
		}
		if e.Index == 0 || e.Pos == 0 || e.Elem == 0 || e.Loop != "2010AA" {
			t.Errorf("finding without its position: %+v", e)
		}
	}
}

// TestLevelsAndDirection checks the same faults under each level and
// direction: level 3 ignores them, level 5 rejects, inbound warns (and the
// 999 says E).
func TestLevelsAndDirection(t *testing.T) {
	b, err := os.ReadFile("../testdata/conformance/835-payer-state-na.x12")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o        Options
		rejected bool
		findings int
		ack      string
	}{
		{Options{Level: 3}, false, 0, "A"},
		{Options{Level: 4}, false, 0, "A"},
		{Options{Level: 5}, true, 1, "R"},
		{Options{}, true, 1, "R"},
		{Options{Inbound: true}, false, 1, "E"},
	} {
		rep, err := ValidateBytes(b, c.o)
		if err != nil {
			t.Fatal(err)
		}
		if got := Rejected(rep); got != c.rejected || len(rep.Errors) != c.findings {
			t.Errorf("%+v: rejected %v with %d findings, want %v with %d", c.o, got, len(rep.Errors), c.rejected, c.findings)
		}
		if got := rep.Interchanges[0].Groups[0].Sets[0].Ack(); got != c.ack {
			t.Errorf("%+v: IK501 %s, want %s", c.o, got, c.ack)
		}
		errs, warns := Split(rep)
		if c.o.Inbound && (len(errs) != 0 || len(warns) != c.findings) {
			t.Errorf("inbound: %d errors, %d warnings", len(errs), len(warns))
		}
	}
}

// TestInboundToleratesSyntax checks a syntax deviation that keeps the
// meaning (an element too long) is a warning inbound and an error outbound.
func TestInboundToleratesSyntax(t *testing.T) {
	b, err := os.ReadFile("../testdata/conformance/835-clean.x12")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Replace(string(b), "N1*PR*TEST PAYER~", "N1*PR*TEST PAYER "+strings.Repeat("X", 70)+"~", 1)
	if long == string(b) {
		t.Fatal("fixture changed: no N1*PR*TEST PAYER")
	}
	out, _ := ValidateBytes([]byte(long), Options{})
	in, _ := ValidateBytes([]byte(long), Options{Inbound: true})
	if !Rejected(out) || Rejected(in) || len(in.Errors) == 0 || !in.Errors[0].Warning || in.Errors[0].Code != "5" {
		t.Errorf("outbound rejected %v, inbound rejected %v with %v", Rejected(out), Rejected(in), in.Errors)
	}
}

// TestEveryRuleHasACorpusCase checks each rule of rules.json fails at
// least one conformance sample, so none is dead.
func TestEveryRuleHasACorpusCase(t *testing.T) {
	b, err := os.ReadFile("../testdata/conformance/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Entries []struct {
			Findings []string `json:"findings"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, e := range m.Entries {
		for _, f := range e.Findings {
			if p := strings.Fields(f); len(p) == 3 {
				used[p[2]] = true
			}
		}
	}
	// No RARC in the curated list has a stop date yet, so the RARC rules
	// cannot fail on a listed code (unknown codes pass: the list is partial).
	noCase := map[string]bool{"lq-rarc": true, "moa-rarc": true, "mia-rarc": true}
	rules, _ := Rules()
	for _, r := range rules {
		if !used[r.ID] && !noCase[r.ID] {
			t.Errorf("rule %s has no failing sample in the conformance manifest", r.ID)
		}
	}
}

// TestRuleTableErrors checks the compiler refuses broken rule tables.
func TestRuleTableErrors(t *testing.T) {
	for name, table := range map[string]string{
		"unknown check": `{"elements": [{"id": "x", "level": 5, "seg": "N4", "els": [2], "check": "nope", "code": "IK4 7"}]}`,
		"bad code":      `{"elements": [{"id": "x", "level": 5, "seg": "N4", "els": [2], "check": "zip", "code": "IK4 Z9"}]}`,
		"bad level":     `{"elements": [{"id": "x", "level": 3, "seg": "N4", "els": [2], "check": "zip", "code": "IK4 7"}]}`,
		"duplicate id":  `{"elements": [{"id": "x", "level": 5, "seg": "N4", "els": [3], "check": "zip", "code": "IK4 7"}, {"id": "x", "level": 5, "seg": "N4", "els": [3], "check": "zip", "code": "IK4 7"}]}`,
		"unknown set":   `{"elements": [{"id": "x", "level": 5, "sets": ["834"], "seg": "N4", "els": [3], "check": "zip", "code": "IK4 7"}]}`,
		"loop rule":     `{"loops": [{"id": "x", "level": 4, "loop": "2300", "if": {"seg": "CLM"}, "code": "IK3 I6"}]}`,
	} {
		fsys := fstest.MapFS{"r.json": &fstest.MapFile{Data: []byte(table)}}
		if _, _, err := compileRules(fsys, "r.json"); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
}

var _ edi.Checker = (*Checker)(nil)

// TestInboundToleratesMissingST03 checks the one required element an
// inbound file may lack: ST03 of a 271 (its guide is found by GS08) is a
// warning inbound and an error outbound, while another missing required
// element (TRN02 of the subscriber trace) still rejects the 271 inbound.
func TestInboundToleratesMissingST03(t *testing.T) {
	b, err := os.ReadFile("../testdata/conformance/271-clean.x12")
	if err != nil {
		t.Fatal(err)
	}
	noST03 := strings.Replace(string(b), "ST*271*0001*005010X279A1~", "ST*271*0001~", 1)
	noTRN02 := strings.Replace(string(b), "TRN*2*TRACE1000*", "TRN*2**", 1)
	if noST03 == string(b) || noTRN02 == string(b) {
		t.Fatal("fixture changed")
	}
	out, _ := ValidateBytes([]byte(noST03), Options{})
	in, _ := ValidateBytes([]byte(noST03), Options{Inbound: true})
	if !Rejected(out) || Rejected(in) || len(in.Errors) != 1 || !in.Errors[0].Warning ||
		in.Errors[0].Code != "1" || in.Errors[0].SegID != "ST" || in.Errors[0].Elem != 3 {
		t.Errorf("without ST03: outbound rejected %v, inbound rejected %v with %v", Rejected(out), Rejected(in), in.Errors)
	}
	in, _ = ValidateBytes([]byte(noTRN02), Options{Inbound: true})
	if !Rejected(in) {
		t.Errorf("without TRN02: inbound accepted with %v", in.Errors)
	}
}
