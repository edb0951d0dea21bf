package snip

import (
	"testing"

	"github.com/claimflow/claimflow/edi"
)

// pointersByComponent is checkPointers as it was before it read the
// composite in one pass: each pointer looked up with Segment.Component.
// The one-pass reading must give the same answer for every input.
func pointersByComponent(c *setCheck, s *edi.Segment, el int) (bool, int) {
	for j := 1; j <= 4; j++ {
		p := s.Component(el, j)
		if len(p) == 0 {
			continue
		}
		n, ok := atoi(p)
		if !ok || n < 1 || n > 12 || n > c.claim.dxCount {
			return false, j
		}
	}
	return true, 0
}

// sv1 tokenizes one SV1 segment with the default delimiters.
func sv1(t testing.TB, sv107 string) *edi.Segment {
	t.Helper()
	isa := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	rd := edi.NewBytesReader([]byte(isa + "SV1*HC:99213*100*UN*1***" + sv107 + "~"))
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	s, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func comparePointers(t *testing.T, sv107 string, dx int) {
	s := sv1(t, sv107)
	c := &setCheck{claim: claim{dxCount: dx}}
	ok, at := checkPointers(c, s, 7, s.Element(7))
	wok, wat := pointersByComponent(c, s, 7)
	if ok != wok || at != wat {
		t.Errorf("SV107 %q with %d diagnoses: (%v, %d), want (%v, %d)", sv107, dx, ok, at, wok, wat)
	}
}

func TestCheckPointers(t *testing.T) {
	cases := []string{
		"", "1", "1:2", "1:2:3:4", "1:2:3:4:5", "1:2:3:4:x", "1::3", ":1", "::::", "0", "13", "12",
		"01", "0000001", "000001", "1a", "a", "1:13", "1:2:3:13", "2:1:0", "1:2:3:4:99:1", "-1", "1.0",
		"1:", "1::", "9:9:9:9", "12:12:12:12", "1234567",
	}
	for _, sv107 := range cases {
		for dx := 0; dx <= 13; dx++ {
			comparePointers(t, sv107, dx)
		}
	}
}

// FuzzCheckPointers compares the one-pass pointer check with the
// component-by-component one.
func FuzzCheckPointers(f *testing.F) {
	for _, s := range []string{"1:2", "1:2:3:4:5", "13", "0:1", "1::3", "000001"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, sv107 string, dx int) {
		for i := 0; i < len(sv107); i++ {
			switch c := sv107[i]; {
			case c == '~' || c == '*' || c == '^' || c < 0x20 || c >= 0x7F:
				return // not one element of one segment
			}
		}
		comparePointers(t, sv107, dx%20)
	})
}
