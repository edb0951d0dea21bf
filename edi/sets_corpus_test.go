package edi_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/ackread"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/claimstatus"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
)

var updateSets = flag.Bool("update-sets", false, "rewrite testdata/sets (valid and broken samples, golden JSON)")

const setsDir = "testdata/sets"

// typed reads a transaction set into its typed model and renders the model
// back into segments (the same ST02), for read -> write -> re-read checks.
// ok is false for sets no typed package covers.
func typed(t *edi.Transaction, d edi.Delimiters) (v any, rewrite func() ([]edi.Seg, error), ok bool, err error) {
	st := t.ST()
	switch st.El(1) + "/" + st.El(3) {
	case "835/" + x835.Guide, "835/": // ST03 is not used in the 835 guide (GS08 names it)
		r, err := x835.Read(t, d)
		return r, func() ([]edi.Seg, error) { return r.Segments(d) }, true, err
	case "277/" + x277ca.Guide:
		a, err := x277ca.Read(t, d)
		return a, func() ([]edi.Seg, error) { return a.Segments(d) }, true, err
	case "270/" + eligibility.Guide, "271/" + eligibility.Guide:
		e, err := eligibility.Read(t, d)
		return e, func() ([]edi.Seg, error) { return e.Segments(d, st.El(1)) }, true, err
	case "276/" + claimstatus.Guide, "277/" + claimstatus.Guide:
		c, err := claimstatus.Read(t, d)
		return c, func() ([]edi.Seg, error) { return c.Segments(d, st.El(1)) }, true, err
	case "837/" + x837i.Guide:
		c, err := x837i.Read(t, d)
		return c, func() ([]edi.Seg, error) { return c.Segments(claim837.Institutional, d) }, true, err
	case "837/" + x837d.Guide:
		c, err := x837d.Read(t, d)
		return c, func() ([]edi.Seg, error) { return c.Segments(claim837.Dental, d) }, true, err
	case "999/" + edi.Guide999:
		a, err := ackread.Read999(t, d)
		return a, nil, true, err
	}
	return nil, nil, false, nil
}

func writeOrCompare(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(setsDir, name)
	if *updateSets {
		if err := os.MkdirAll(setsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSetsCorpus -update-sets ./edi/)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the built sample (rerun with -update-sets if intended)\n got %s\nwant %s", name, got, want)
	}
}

// TestSetsCorpus builds every sample, compares it with testdata/sets, checks
// it validates cleanly (with the 835 balancing), that its loop-structured
// JSON matches the golden file and round-trips exactly, and that the typed
// reader and builder reproduce it byte for byte.
func TestSetsCorpus(t *testing.T) {
	for _, s := range setsamples.All() {
		t.Run(s.Name, func(t *testing.T) {
			ic, err := s.Build()
			if err != nil {
				t.Fatal(err)
			}
			x := setsamples.Bytes(ic)
			writeOrCompare(t, s.Name+".x12", x)
			rep, err := x835.Validate(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range rep.Errors {
				t.Errorf("validate: %v", e)
			}
			j, err := edi.MarshalX12JSON(x)
			if err != nil {
				t.Fatal(err)
			}
			writeOrCompare(t, s.Name+".json", append(j, '\n'))
			back, err := edi.UnmarshalX12JSON(j)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := edi.Write(&buf, back...); err != nil || !bytes.Equal(buf.Bytes(), x) {
				t.Errorf("JSON round trip differs (%v)", err)
			}
			ics, err := edi.ParseBytes(x)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range ics[0].Groups {
				for _, tx := range g.Sets {
					_, rewrite, ok, err := typed(tx, ics[0].Delims)
					if !ok || err != nil {
						t.Fatalf("typed read: ok %v err %v", ok, err)
					}
					if rewrite == nil {
						continue
					}
					segs, err := rewrite()
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(segs, tx.Segments) {
						t.Errorf("typed read -> write differs\n got %v\nwant %v", segs, tx.Segments)
					}
				}
			}
		})
	}
}

// broken samples: an edit of a valid sample and the errors it must raise
// (kind, code, segment ID with element position).
var brokenSets = []struct {
	name, from string
	edit       func(string) string
	want       []string
}{
	{"835-broken-balance", "835-valid", func(s string) string { return strings.Replace(s, "CAS*CO*197*150~", "CAS*CO*197*140~", 1) },
		[]string{"IK4 I12 CLP03"}},
	{"835-broken-bpr", "835-valid", func(s string) string { return strings.Replace(s, "BPR*I*105.5*", "BPR*I*100*", 1) },
		[]string{"IK4 I12 BPR02"}},
	{"835-broken-svc", "835-valid", func(s string) string { return strings.Replace(s, "SVC*HC:87880*50.5*30*", "SVC*HC:87880*50.5*31*", 1) },
		[]string{"IK4 I12 SVC02"}},
	{"835-broken-cas-group", "835-valid", func(s string) string { return strings.Replace(s, "CAS*CO*197", "CAS*XX*197", 1) },
		[]string{"IK4 7 CAS01"}},
	{"835-broken-missing-payee", "835-valid", func(s string) string {
		return strings.Replace(s, "N1*PE*CLAIMFLOW TEST CLINIC*XX*1234567893~\n", "", 1)
	}, []string{"IK3 2 N3", "IK3 2 N4", "IK3 2 REF", "IK3 3 N1", "IK5 4 SE01"}},
	{"277ca-broken-stc", "277ca-valid", func(s string) string { return strings.Replace(s, "STC*A2:20*20260106*WQ", "STC*A2:20*20260106*ZZ", 1) },
		[]string{"IK4 7 STC03"}},
	{"277ca-broken-missing-trn", "277ca-valid", func(s string) string { return strings.Replace(s, "TRN*2*PCN0001~\n", "", 1) },
		[]string{"IK3 2 STC", "IK3 2 REF", "IK3 2 REF", "IK3 2 DTP", "IK3 3 TRN", "IK5 4 SE01"}},
	{"271-broken-eb", "271-valid", func(s string) string { return strings.Replace(s, "EB*C*IND", "EB*ZZ*IND", 1) },
		[]string{"IK4 7 EB01"}},
	{"271-broken-hl", "271-valid", func(s string) string { return strings.Replace(s, "HL*3*2*22", "HL*4*2*22", 1) },
		[]string{"IK4 I12 HL01"}},
	{"270-broken-eq", "270-valid", func(s string) string { return strings.Replace(s, "EQ*30~", "EQ*30*****X~", 1) },
		[]string{"IK4 3 EQ06"}},
	{"276-broken-date", "276-valid", func(s string) string { return strings.Replace(s, "DTP*472*D8*20260101", "DTP*472*D8*20261301", 1) },
		[]string{"IK4 8 DTP03"}},
	{"277-broken-missing-stc", "277-valid", func(s string) string {
		return strings.Replace(s, "STC*F1:65*20260115**150.5*100*", "XTC*F1:65*20260115**150.5*100*", 1)
	}, []string{"IK3 1 XTC", "IK3 3 STC"}},
	{"999-broken-ak9", "999-ta1-valid", func(s string) string { return strings.Replace(s, "AK9*A*1*1*1~", "AK9*Q*1*1*1~", 1) },
		[]string{"IK4 7 AK901"}},
	{"999-broken-missing-ik5", "999-ta1-valid", func(s string) string { return strings.Replace(s, "IK5*A~\n", "", 1) },
		[]string{"IK3 3 IK5", "IK5 4 SE01"}},
	{"837i-broken-sv2", "837i-valid", func(s string) string {
		return strings.Replace(s, "SV2*0300*HC:80053*120.5*", "SV2*0300*HC:80053*130.5*", 1)
	},
		[]string{"IK4 I12 CLM02"}},
	{"837i-broken-missing-statement", "837i-valid", func(s string) string { return strings.Replace(s, "DTP*434*RD8*20260105-20260105~\n", "", 1) },
		[]string{"IK3 3 DTP", "IK5 4 SE01"}},
	{"837d-broken-too", "837d-valid", func(s string) string { return strings.Replace(s, "TOO*JP*30*M:O~", "TOO*JP*30*M:Q~", 1) },
		[]string{"IK4 7 TOO03"}},
	{"837d-broken-clm05", "837d-valid", func(s string) string { return strings.Replace(s, "*11:B:1*Y*A*Y*Y~", "*11:A:1*Y*A*Y*Y~", 1) },
		[]string{"IK4 7 CLM05"}},
}

func TestSetsBroken(t *testing.T) {
	for _, tc := range brokenSets {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(setsDir, tc.name+".x12")
			if *updateSets {
				src, err := os.ReadFile(filepath.Join(setsDir, tc.from+".x12"))
				if err != nil {
					t.Fatal(err)
				}
				out := tc.edit(string(src))
				if out == string(src) {
					t.Fatal("edit changed nothing")
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			x, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := x835.Validate(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range rep.Errors {
				s := e.Kind.String() + " " + e.Code + " " + e.SegID
				if e.Elem > 0 {
					s += pad2(e.Elem)
				}
				got = append(got, s)
				if strings.Contains(e.Error(), "DOE") || strings.Contains(e.Error(), "ZZ0000001") {
					t.Errorf("error text carries a value: %v", e)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors = %q, want %q", got, tc.want)
			}
			if rep.OK() {
				t.Error("broken sample validates")
			}
		})
	}
}

func pad2(i int) string {
	if i < 10 {
		return "0" + string(rune('0'+i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// TestSetsMask checks edi.Mask hides the samples' names, member IDs, birth
// dates, addresses and patient control numbers in every new set.
func TestSetsMask(t *testing.T) {
	for _, s := range setsamples.All() {
		t.Run(s.Name, func(t *testing.T) {
			ic, err := s.Build()
			if err != nil {
				t.Fatal(err)
			}
			edi.Mask(ic)
			out := string(setsamples.Bytes(ic))
			for _, phi := range []string{"DOE", "ROE", "JANE", "BABY", "ZZ000000", "19800101", "20200101", "TEST LANE", "PCN000", "PCNI000", "PCND000"} {
				if strings.Contains(out, phi) {
					t.Errorf("masked output contains %q", phi)
				}
			}
		})
	}
}
