package setkit

import (
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
)

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{{0, "0"}, {15000, "150"}, {15050, "150.5"}, {5, "0.05"}, {-125, "-1.25"}, {-50, "-0.5"}} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("Money(%d) = %q, want %q", tc.m, got, tc.want)
		}
		back, ok := ParseMoney(tc.want)
		if !ok || back != tc.m {
			t.Errorf("ParseMoney(%q) = %d, %v", tc.want, back, ok)
		}
	}
	for _, bad := range []string{"", "-", "1.2x", "abc", "1e5"} {
		if _, ok := ParseMoney(bad); ok && bad != "-" {
			t.Errorf("ParseMoney(%q) ok", bad)
		}
	}
	if m, _ := ParseMoney("1.999"); m != 199 {
		t.Errorf("ParseMoney(1.999) = %d, want 199 (truncated)", m)
	}
}

func TestSTCRoundTrip(t *testing.T) {
	d := edi.DefaultDelimiters
	want := Status{Category: "F1", Code: "65", Entity: "PR", Date: "20260101", Action: "WQ", Charge: 15050, Paid: 100,
		PaidDate: "20260102", Check: "EFT1", More: []string{"F2:88"}, Message: "TEXT"}
	w := NewWriter(d, "277", "0001", "G")
	w.STC(&want, false)
	got := ReadSTC(edi.ViewOf(w.Segs[1]), d.Component)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadSTC(STC(x)) = %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		st   Status
		want bool
	}{{Status{Category: "A2", Action: "WQ"}, false}, {Status{Category: "A1", Action: "U"}, true}, {Status{Category: "A7"}, true}, {Status{Category: "F1"}, false}} {
		if got := c.st.Rejected(); got != c.want {
			t.Errorf("%+v Rejected() = %v", c.st, got)
		}
	}
}

func TestBuildControlNumbers(t *testing.T) {
	d := edi.DefaultDelimiters
	own := NewWriter(d, "835", "4321", "G").End()
	auto := NewWriter(d, "835", "", "G").End()
	ic, err := Build(Envelope{SenderID: "A", ReceiverID: "B", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Control: edi.Control{Interchange: 42, Group: 7, Set: 9}}, "HP", "G", own, auto)
	if err != nil {
		t.Fatal(err)
	}
	g := ic.Groups[0]
	if ic.ISA[13] != "000000042" || ic.IEA[2] != "000000042" || g.GS[6] != "7" || g.GE[2] != "7" {
		t.Errorf("ISA13 %s IEA02 %s GS06 %s GE02 %s", ic.ISA[13], ic.IEA[2], g.GS[6], g.GE[2])
	}
	if a, b := g.Sets[0].Segments[0][2], g.Sets[1].Segments[0][2]; a != "4321" || b != "0009" {
		t.Errorf("ST02 = %s, %s; want 4321 (own) and 0009", a, b)
	}
	for _, s := range g.Sets {
		se := s.Segments[len(s.Segments)-1]
		if se[1] != "2" || se[2] != s.Segments[0][2] {
			t.Errorf("SE = %v", se)
		}
	}
	if _, err := Build(Envelope{}, "HP", "G"); err == nil {
		t.Error("Build without sets succeeds")
	}
}

func TestSlab(t *testing.T) {
	var a Slab[int]
	var xs, ys []int
	for i := 0; i < 300; i++ {
		xs = a.Append(xs, i)
		if i%3 == 0 {
			ys = a.Append(ys, -i) // interleaved: xs is no longer the tail
		}
	}
	if len(xs) != 300 {
		t.Fatalf("len %d, want 300", len(xs))
	}
	for i, v := range xs {
		if v != i {
			t.Fatalf("xs[%d] = %d, want %d", i, v, i)
		}
	}
	for i, v := range ys {
		if v != -3*i {
			t.Fatalf("ys[%d] = %d, want %d", i, v, -3*i)
		}
	}
	// A caller's append never writes into the slab.
	zs := a.Append(nil, 7)
	_ = append(zs, 8)
	ws := a.Append(nil, 9)
	if zs[0] != 7 || ws[0] != 9 || cap(zs) != 1 || cap(ws) != 1 {
		t.Fatalf("zs %v ws %v", zs, ws)
	}
	p, q := a.Alloc(1), a.Alloc(2)
	if *p != 1 || *q != 2 || p == q {
		t.Fatalf("Alloc: %d %d", *p, *q)
	}
	if n := testing.AllocsPerRun(10, func() {
		var b Slab[int]
		var s []int
		for i := 0; i < 100; i++ {
			s = b.Append(s, i)
		}
	}); n > 1 {
		t.Fatalf("%v allocations for 100 appends, want 1", n)
	}
}

func TestSlabMake(t *testing.T) {
	var a Slab[int]
	var got [][]int
	for n := 0; n < 80; n++ {
		s := a.Make(n % 40)
		if len(s) != n%40 || cap(s) != len(s) {
			t.Fatalf("Make(%d): len %d cap %d", n%40, len(s), cap(s))
		}
		for i := range s {
			if s[i] != 0 {
				t.Fatalf("Make(%d)[%d] = %d, want 0", n%40, i, s[i])
			}
			s[i] = n
		}
		got = append(got, s)
		// An Append after Make starts a new slice next to it and leaves
		// it alone.
		if t0 := a.Append(nil, -1); t0[0] != -1 {
			t.Fatalf("Append after Make: %v", t0)
		}
	}
	for n, s := range got {
		for i, v := range s {
			if v != n {
				t.Fatalf("slice %d [%d] = %d, want %d (overwritten)", n, i, v, n)
			}
		}
	}
	if n := testing.AllocsPerRun(10, func() {
		var b Slab[string]
		for i := 0; i < 20; i++ {
			_ = b.Make(6)
		}
	}); n > 1 {
		t.Fatalf("%v allocations for 20 Makes of 6, want 1", n)
	}
}

// TestGrow checks Grow appends a zero element, keeps what was there, even
// over stale data left past the length by a truncation, and doubles the
// capacity of a full slice.
func TestGrow(t *testing.T) {
	type big struct {
		A, B string
		N    int
	}
	var s []big
	for i := 0; i < 1000; i++ {
		c := cap(s)
		s = Grow(s)
		if len(s) != i+1 {
			t.Fatalf("len = %d, want %d", len(s), i+1)
		}
		if i == c && c > 0 && cap(s) != 2*c {
			t.Fatalf("cap after a full slice of %d = %d, want %d", c, cap(s), 2*c)
		}
		if s[i] != (big{}) {
			t.Fatalf("s[%d] = %+v, want zero", i, s[i])
		}
		s[i] = big{A: "a", N: i}
	}
	for i := range s {
		if s[i].N != i || s[i].A != "a" {
			t.Fatalf("s[%d] = %+v, lost", i, s[i])
		}
	}
	s = s[:10] // stale elements 10.. stay in the backing array
	s = Grow(s)
	if s[10] != (big{}) {
		t.Fatalf("s[10] = %+v after truncation, want zero", s[10])
	}
}
