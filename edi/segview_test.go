package edi_test

import (
	"testing"

	"github.com/claimflow/claimflow/edi"
)

// TestSegViewMatchesSeg reads every segment of a sample through WalkSets'
// views and through the parsed Seg of the same segment: ID, Len, El, Comp
// and Comps agree, and over Walk's views too.
func TestSegViewMatchesSeg(t *testing.T) {
	x := []byte("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250101*1200*^*00501*000000001*0*P*:~" +
		"GS*HP*SENDER*RECEIVER*20250101*1200*1*X*005010X221A1~" +
		"ST*835*0001~BPR*I*10*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20250102~" +
		"TRN*1*12345*1512345678~N1*PR*PAYER~N1*PE*PAYEE*XX*1234567893~LX*1~" +
		"CLP*PCN1*1*100*80**MC*PAYERCN~SVC*HC:99213:25::59:*100*80**1*HC:99212~SVC*HC*1~SVC*:A::~SVC~" +
		"SE*12*0001~GE*1*1~IEA*1*000000001~")
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	want := ics[0].Groups[0].Sets[0].Segments
	check := func(how string, k int, v *edi.SegView) {
		t.Helper()
		if k >= len(want) {
			t.Fatalf("%s: segment %d past the set's %d", how, k, len(want))
		}
		s := want[k]
		if v.ID() != s.ID() || v.Len() != len(s)-1 {
			t.Errorf("%s %d: ID, Len = %q, %d, want %q, %d", how, k, v.ID(), v.Len(), s.ID(), len(s)-1)
		}
		for i := -1; i <= len(s)+1; i++ {
			if got, w := v.El(i), s.El(i); got != w {
				t.Errorf("%s %d: El(%d) = %q, want %q", how, k, i, got, w)
			}
			for n := 0; n <= 7; n++ {
				out := make([]string, n)
				for j := range out {
					out[j] = "stale"
				}
				v.Comps(':', i, out)
				for j := 1; j <= n; j++ {
					if w := s.Comp(':', i, j); out[j-1] != w || v.Comp(':', i, j) != w {
						t.Errorf("%s %d: Comps(%d)[%d] = %q, Comp = %q, want %q", how, k, i, j, out[j-1], v.Comp(':', i, j), w)
					}
				}
			}
		}
		if got := v.Seg(); len(got) != len(s) {
			t.Errorf("%s %d: Seg() = %q, want %q", how, k, got, s)
		}
	}
	k := 0
	err = edi.WalkSets(x, func(edi.Seg, string, edi.Delimiters) (string, func(string, *edi.SegView)) {
		return "", func(_ string, v *edi.SegView) { check("WalkSets", k, v); k++ }
	})
	if err != nil {
		t.Fatal(err)
	}
	if k != len(want) {
		t.Errorf("WalkSets: %d segments, want %d", k, len(want))
	}
	k = 0
	edi.Walk(ics[0].Groups[0].Sets[0], ics[0].Delims, "", func(_ string, v *edi.SegView) { check("Walk", k, v); k++ })
	if k != len(want) {
		t.Errorf("Walk: %d segments, want %d", k, len(want))
	}
}
