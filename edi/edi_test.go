package edi

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// samples returns the testdata files whose names start with prefix.
func samples(t testing.TB, prefix string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", prefix+"*.x12"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples %s*: %v", prefix, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".x12")] = b
	}
	return out
}

func TestValidSamples(t *testing.T) {
	for _, prefix := range []string{"837p-", "999-"} {
		for name, b := range samples(t, prefix) {
			t.Run(name, func(t *testing.T) {
				rep, err := ValidateBytes(b, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range rep.Errors {
					t.Errorf("%v", e)
				}
				if len(rep.Interchanges) == 0 {
					t.Fatal("no interchange")
				}
				for _, ic := range rep.Interchanges {
					if got := ic.TA1Code(); got != "000" {
						t.Errorf("TA105 = %s, want 000", got)
					}
					for _, g := range ic.Groups {
						if got := g.Ack(); got != "A" {
							t.Errorf("AK901 = %s, want A", got)
						}
					}
				}
			})
		}
	}
}

// want is one expected error: where it is and which code it becomes.
type want struct {
	kind  Kind
	code  string
	index int // segment position in the stream
	pos   int // segment position in the transaction set
	seg   string
	loop  string
	elem  int
}

func TestBrokenSamples(t *testing.T) {
	tests := map[string][]want{
		"broken-delims-element":       {{KindTA1, "026", 1, 0, "ISA", "", 0}},
		"broken-delims-component":     {{KindTA1, "027", 1, 0, "ISA", "", 0}},
		"broken-garbage":              {{KindTA1, "022", 1, 0, "ISA", "", 0}},
		"broken-missing-iea":          {{KindTA1, "023", 30, 0, "IEA", "", 0}},
		"broken-isa-iea-control":      {{KindTA1, "001", 30, 0, "IEA", "", 2}},
		"broken-gs-ge-control":        {{KindAK9, "4", 29, 0, "GE", "", 2}},
		"broken-ge-count":             {{KindAK9, "5", 29, 0, "GE", "", 1}},
		"broken-se-count":             {{KindIK5, "4", 28, 26, "SE", "", 1}},
		"broken-st-se-control":        {{KindIK5, "3", 28, 26, "SE", "", 2}},
		"broken-missing-se":           {{KindIK5, "2", 28, 0, "GE", "", 0}},
		"broken-unknown-segment":      {{KindIK3, "1", 18, 16, "ZZZ", "2010BA", 0}},
		"broken-segment-not-in-guide": {{KindIK3, "6", 18, 16, "AK1", "2010BA", 0}},
		"broken-missing-segment":      {{KindIK3, "3", 10, 8, "N3", "2010AA", 0}},
		"broken-missing-element":      {{KindIK4, "1", 15, 13, "NM1", "2010BA", 3}},
		"broken-bad-code":             {{KindIK4, "7", 14, 12, "SBR", "2000B", 1}},
		"broken-bad-date":             {{KindIK4, "8", 24, 22, "DTP", "2400", 3}},
		"broken-too-long":             {{KindIK4, "5", 11, 9, "N4", "2010AA", 2}},
		"broken-balance":              {{KindIK4, "I12", 20, 18, "CLM", "2300", 2}},
		"broken-gs-functional-id":     {{KindIK5, "6", 3, 1, "ST", "", 1}},
		"broken-hl-child":             {{KindIK4, "I12", 13, 11, "HL", "2000B", 4}},
		"broken-paired":               {{KindIK4, "2", 6, 4, "PER", "1000A", 6}},
	}
	all := samples(t, "broken-")
	if len(all) != len(tests) {
		t.Errorf("%d broken samples, %d table entries", len(all), len(tests))
	}
	for name, wants := range tests {
		t.Run(name, func(t *testing.T) {
			b, ok := all[name]
			if !ok {
				t.Fatalf("missing testdata/%s.x12", name)
			}
			rep, err := ValidateBytes(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, e := range rep.Errors {
				got = append(got, want{e.Kind, e.Code, e.Index, e.Pos, e.SegID, e.Loop, e.Elem})
			}
			if fmt.Sprint(got) != fmt.Sprint(wants) {
				t.Errorf("errors\n got %v\nwant %v", got, wants)
				for _, e := range rep.Errors {
					t.Log(e)
				}
			}
			// The same errors come out when reading one byte at a time.
			rep2, err := Validate(iotest.OneByteReader(bytes.NewReader(b)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rep2.Errors) != fmt.Sprint(rep.Errors) {
				t.Errorf("streaming one byte at a time differs:\n%v\n%v", rep2.Errors, rep.Errors)
			}
		})
	}
}

// TestAckCodes checks the acknowledgment segments each broken variant gets.
func TestAckCodes(t *testing.T) {
	tests := map[string][]string{
		"broken-bad-code":        {"IK3*SBR*12*2000*8", "IK4*1*1138*7", "IK5*R*5", "AK9*R*1*1*0"},
		"broken-se-count":        {"IK5*R*4", "AK9*R*1*1*0"},
		"broken-missing-segment": {"IK3*N3*8*2010*3", "IK5*R*5"},
		"broken-ge-count":        {"IK5*A", "AK9*R*1*1*1*5"},
		"broken-missing-iea":     {"TA1*000000001*260101*1200*R*023"},
		"broken-delims-element":  {"TA1*000000000*", "*R*026"},
		"837p-valid":             {"IK5*A", "AK9*A*1*1*1"},
		"broken-bad-date":        {"IK3*DTP*22*2400*8~\nCTX*CLM01:PCN0001~\nIK4*3*1251*8~", "IK5*R*5"},
	}
	for name, wantSegs := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name+".x12"))
			if err != nil {
				t.Fatal(err)
			}
			rep, _ := ValidateBytes(b, nil)
			ack := Acknowledge(rep.Interchanges[0], AckOptions{Now: fixedNow, Newline: "\n"}).String()
			for _, w := range wantSegs {
				if !strings.Contains(ack, w) {
					t.Errorf("ack lacks %q:\n%s", w, ack)
				}
			}
			// Every acknowledgment we write is itself a valid 999 (and TA1).
			rep2, err := ValidateBytes([]byte(ack), nil)
			if err != nil || !rep2.OK() {
				t.Errorf("generated ack does not validate: %v %v\n%s", err, rep2.Errors, ack)
			}
		})
	}
}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

func TestTolerate(t *testing.T) {
	b, err := os.ReadFile("testdata/broken-balance.x12")
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := ValidateBytes(b, &Options{Tolerate: []string{"IK4 I12"}})
	if len(rep.Errors) != 1 {
		t.Fatalf("errors %v", rep.Errors)
	}
	g := rep.Interchanges[0].Groups[0]
	if g.Sets[0].Ack() != "E" || g.Ack() != "E" {
		t.Errorf("IK501 %s AK901 %s, want E E", g.Sets[0].Ack(), g.Ack())
	}
	ack := Acknowledge(rep.Interchanges[0], AckOptions{Now: fixedNow}).String()
	for _, w := range []string{"IK3*CLM*18*2300*8~", "IK4*2*782*I12~", "IK5*E*5~", "AK9*E*1*1*1~"} {
		if !strings.Contains(ack, w) {
			t.Errorf("ack lacks %q:\n%s", w, ack)
		}
	}
}

func TestTagConstants(t *testing.T) {
	for id, tag := range map[string]uint32{"ISA": tagISA, "IEA": tagIEA, "GS": tagGS, "GE": tagGE, "ST": tagST, "SE": tagSE, "TA1": tagTA1, "HL": tagHL} {
		if Tag(id) != tag {
			t.Errorf("Tag(%s) mismatch", id)
		}
	}
}

// TestGolden compares, for every sample, the validation report, the
// acknowledgment and (for parseable samples) the JSON form with golden
// files. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	for name, b := range samples(t, "") {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			rep, err := ValidateBytes(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range rep.Errors {
				fmt.Fprintln(&out, e)
			}
			for _, ic := range rep.Interchanges {
				out.WriteString(Acknowledge(ic, AckOptions{Now: fixedNow, Newline: "\n"}).String())
			}
			golden(t, name+".ack", out.Bytes())
			if j, err := MarshalX12JSON(b); err == nil {
				golden(t, name+".json", j)
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test -update and review the diff)\n%s", name, got)
	}
}

// TestRoundTripExact: parse then write gives back the bytes, directly and
// through JSON, for every well-formed sample.
func TestRoundTripExact(t *testing.T) {
	for _, prefix := range []string{"837p-", "999-"} {
		for name, b := range samples(t, prefix) {
			t.Run(name, func(t *testing.T) {
				ics, err := ParseBytes(b)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := Write(&buf, ics...); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), b) {
					t.Errorf("Write(Parse(x)) != x\n%s", buf.Bytes())
				}
				j, err := MarshalX12JSON(b)
				if err != nil {
					t.Fatal(err)
				}
				back, err := UnmarshalX12JSON(j)
				if err != nil {
					t.Fatal(err)
				}
				buf.Reset()
				if err := Write(&buf, back...); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), b) {
					t.Errorf("X12 -> JSON -> X12 differs\n%s", buf.Bytes())
				}
			})
		}
	}
}

func TestJSONLoops(t *testing.T) {
	b, err := os.ReadFile("testdata/837p-dependent.x12")
	if err != nil {
		t.Fatal(err)
	}
	ics, err := ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	j, err := ToJSON(ics[0])
	if err != nil {
		t.Fatal(err)
	}
	var loops []string
	var walk func(it *JSONItem, depth int)
	walk = func(it *JSONItem, depth int) {
		if it.Loop != "" {
			loops = append(loops, strings.Repeat(">", depth)+it.Loop)
		}
		for i := range it.Content {
			walk(&it.Content[i], depth+1)
		}
	}
	walk(&j.Groups[0].Transactions[0].Loop, 0)
	want := "[HEADER >1000A >1000B >2000A >>2010AA >>2000B >>>2010BA >>>2010BB >>>2000C >>>>2010CA >>>>2300 >>>>>2400 >>>>>2400]"
	if got := fmt.Sprint(loops); got != want {
		t.Errorf("loops\n got %s\nwant %s", got, want)
	}
}

func TestBuild(t *testing.T) {
	ic := &Interchange{Delims: DefaultDelimiters, Newline: "\n",
		ISA: Seg{"ISA", "00", "", "00", "", "ZZ", "SENDER", "ZZ", "RECEIVER", "260101", "1200", "", "00501", "", "0", "T", ""}}
	g := &Group{GS: Seg{"GS", "FA", "SENDER", "RECEIVER", "20260101", "1200", "", "X", Guide999}}
	for i := 0; i < 2; i++ {
		g.Sets = append(g.Sets, &Transaction{Segments: []Seg{{"ST", "999", "", Guide999}, {"AK1", "HC", "1", "005010X222A1"}, {"AK9", "A", "0", "0", "0"}}})
	}
	ic.Groups = []*Group{g}
	ctl := &Control{Interchange: 42, Group: 7, Set: 1}
	if err := Build(ic, ctl); err != nil {
		t.Fatal(err)
	}
	s := ic.String()
	for _, w := range []string{"*000000042*0*T*:~", "GS*FA*SENDER*RECEIVER*20260101*1200*7*X*", "ST*999*0001*", "SE*4*0001~", "ST*999*0002*", "SE*4*0002~", "GE*2*7~", "IEA*1*000000042~"} {
		if !strings.Contains(s, w) {
			t.Errorf("built interchange lacks %q:\n%s", w, s)
		}
	}
	if *ctl != (Control{Interchange: 43, Group: 8, Set: 3}) {
		t.Errorf("control after build = %+v", *ctl)
	}
	rep, err := ValidateBytes([]byte(s), nil)
	if err != nil || !rep.OK() {
		t.Errorf("built interchange does not validate: %v %v", err, rep.Errors)
	}
}

// TestPrefixesNeverPanic validates and parses every prefix of every sample.
func TestPrefixesNeverPanic(t *testing.T) {
	for name, b := range samples(t, "") {
		for n := 0; n <= len(b); n += 1 + n/64 {
			p := b[:n]
			if _, err := ValidateBytes(p, nil); err != nil {
				t.Fatalf("%s[:%d]: %v", name, n, err)
			}
			_, _ = ParseBytes(p)
			_, _ = MarshalX12JSON(p)
		}
	}
}

func TestErrorTextHasNoValues(t *testing.T) {
	b, err := os.ReadFile("testdata/broken-missing-element.x12")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("N3*1 TEST LANE"), []byte("N3*1 TEST LANE*SECRETVALUE*EXTRA"), 1)
	rep, _ := ValidateBytes(b, nil)
	if len(rep.Errors) == 0 {
		t.Fatal("want errors")
	}
	for _, e := range rep.Errors {
		s := e.Error()
		for _, phi := range []string{"JANE", "SECRETVALUE", "ZZ0000001", "TEST LANE", "edi."} {
			if strings.Contains(s, phi) {
				t.Errorf("error text %q contains %q", s, phi)
			}
		}
	}
}

func TestMask(t *testing.T) {
	b, err := os.ReadFile("testdata/837p-dependent.x12")
	if err != nil {
		t.Fatal(err)
	}
	ics, err := ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	Mask(ics[0])
	s := ics[0].String()
	for _, phi := range []string{"JANE", "JOHN", "ZZ0000001", "TEST LANE", "19800101", "100010000", "J069"} {
		if strings.Contains(s, phi) {
			t.Errorf("masked output contains %q", phi)
		}
	}
	for _, keep := range []string{"NM1*IL*1*", "CLM*XXXX*150*", "SV1*HC:XXXX*100*UN*1"} {
		if !strings.Contains(s, keep) {
			t.Errorf("masked output lacks %q", keep)
		}
	}
}

func TestTokenizerOffsets(t *testing.T) {
	b, err := os.ReadFile("testdata/837p-crlf.x12")
	if err != nil {
		t.Fatal(err)
	}
	rd := NewReader(iotest.HalfReader(bytes.NewReader(b)))
	for i := 1; ; i++ {
		s, err := rd.Next()
		if err != nil {
			break
		}
		if s.Index != i {
			t.Fatalf("index %d, want %d", s.Index, i)
		}
		if !bytes.HasPrefix(b[s.Offset:], s.Data) {
			t.Fatalf("segment %d: offset %d does not point at its bytes", i, s.Offset)
		}
	}
	if rd.Newline != "\r\n" {
		t.Errorf("newline %q", rd.Newline)
	}
}

func TestMaxSegment(t *testing.T) {
	b, _ := os.ReadFile("testdata/837p-valid.x12")
	b = bytes.Replace(b, []byte("N3*100 MAIN STREET"), []byte("N3*"+strings.Repeat("A", 5000)), 1)
	rep, err := ValidateBytes(b, &Options{MaxSegment: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("want an error for a too long segment")
	}
}

func ExampleValidate() {
	x := "ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000001*0*T*:~" +
		"GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1~" +
		"ST*837*0001*005010X222A1~BHT*0019*00*B1*20260101*1200*CH~SE*3*0001~GE*1*1~IEA*1*000000001~"
	rep, _ := Validate(strings.NewReader(x), nil)
	for _, e := range rep.Errors {
		fmt.Println(e.Kind, e.Code, e.SegID, e.Pos)
	}
	// Output:
	// IK3 3 NM1 3
	// IK3 3 NM1 3
	// IK3 3 HL 3
}

func TestStreamingResults(t *testing.T) {
	b, err := os.ReadFile("testdata/837p-multi.x12")
	if err != nil {
		t.Fatal(err)
	}
	var got []*InterchangeResult
	rep, err := ValidateBytes(b, &Options{DropAccepted: true, OnInterchange: func(ic *InterchangeResult) { got = append(got, ic) }})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep.Errors)
	}
	if len(rep.Interchanges) != 0 || len(got) != 2 {
		t.Fatalf("kept %d, delivered %d interchanges", len(rep.Interchanges), len(got))
	}
	g := got[0].Groups[0]
	if len(g.Sets) != 0 || g.Received != 2 || g.Accepted() != 2 || g.Ack() != "A" {
		t.Errorf("group: %d sets kept, %d received, %d accepted, %s", len(g.Sets), g.Received, g.Accepted(), g.Ack())
	}
	ack := Acknowledge(got[0], AckOptions{Now: fixedNow}).String()
	if !strings.Contains(ack, "AK9*A*2*2*2~") || strings.Contains(ack, "AK2") {
		t.Errorf("ack of a dropped-accepted group:\n%s", ack)
	}
}

func TestMixedDelimitersInOneStream(t *testing.T) {
	a, _ := os.ReadFile("testdata/837p-valid.x12")
	b, _ := os.ReadFile("testdata/837p-delims-pipe.x12")
	c, _ := os.ReadFile("testdata/837p-delims-newline.x12")
	all := append(append(append([]byte{}, a...), b...), c...)
	rep, err := Validate(iotest.HalfReader(bytes.NewReader(all)), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep.Errors)
	}
	if len(rep.Interchanges) != 3 {
		t.Fatalf("%d interchanges, want 3", len(rep.Interchanges))
	}
	want := []Delimiters{DefaultDelimiters, {'|', '!', '^', '~'}, {'!', '|', '^', '\n'}}
	for i, ic := range rep.Interchanges {
		if ic.Delims != want[i] {
			t.Errorf("interchange %d delimiters %q, want %q", i, ic.Delims, want[i])
		}
	}
}

func TestTokenizerAllocsPerSegment(t *testing.T) {
	b, _ := os.ReadFile("testdata/837p-multi.x12")
	rd := NewReader(bytes.NewReader(nil))
	allocs := testing.AllocsPerRun(20, func() {
		rd = NewBytesReader(b)
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
	})
	// NewBytesReader itself allocates the reader and its index array; the
	// 114 segments add nothing.
	if allocs > 3 {
		t.Errorf("%.0f allocations for 114 segments", allocs)
	}
}

// TestScanFlags compares the word-at-a-time scan with a byte loop.
func TestScanFlags(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := DefaultDelimiters
	for n := 0; n < 20000; n++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			switch rng.IntN(8) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = []byte{d.Component, d.Repetition, 0x7F, 0x1F, 0x20, 0x00, 0x80}[rng.IntN(7)]
			default:
				b[i] = 'A' + byte(rng.IntN(26))
			}
		}
		var want uint8 = flagScanned
		for _, c := range b {
			switch {
			case c == d.Component:
				want |= flagComps
			case c == d.Repetition:
				want |= flagReps
			case c < 0x20 || c >= 0x7F:
				want |= flagCtrl
			}
		}
		s := &Segment{Data: b, Delims: d}
		if got := s.scanFlags(); got != want {
			t.Fatalf("%q: flags %b, want %b", b, got, want)
		}
	}
}

// TestTokenizerFlags checks the scan flags the tokenizer works out while
// it finds the separators against scanFlags over the segment's bytes, for
// segments of every length at every alignment, in memory and streamed in
// small reads (so that some bytes go through the byte loop before a fill).
func TestTokenizerFlags(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	isa := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	var in []byte
	in = append(in, isa...)
	for n := 0; n < 3000; n++ {
		b := []byte("ZZ")
		long := rng.IntN(8) == 0 // up to 160 bytes, many separators
		for k := rng.IntN(40 + 120*boolInt(long)); k > 0; k-- {
			switch rng.IntN(10 - 7*boolInt(long)) {
			case 0:
				b = append(b, []byte{':', '^', 0x7F, 0x1F, 0x20, 0x00, 0x80, 0xFF, 0x7D, '\r', '\n'}[rng.IntN(11)])
			case 1:
				b = append(b, '*')
			default:
				b = append(b, 'A'+byte(rng.IntN(26)))
			}
		}
		in = append(in, b...)
		in = append(in, '~')
		if rng.IntN(4) == 0 {
			in = append(in, '\r', '\n')
		}
	}
	for _, rd := range []*Reader{NewBytesReader(in), NewReader(iotest.OneByteReader(bytes.NewReader(in))), NewReader(iotest.HalfReader(bytes.NewReader(in)))} {
		segs := 0
		for {
			s, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			segs++
			if s.Tag() == tagISA {
				continue // ISA11 and ISA16 hold the separators themselves
			}
			got := s.flags
			s.flags = 0
			if want := s.scanFlags(); got != 0 && got != want {
				t.Fatalf("segment %d %q: tokenizer flags %b, scanFlags %b", s.Index, s.Data, got, want)
			}
			if got == 0 {
				t.Fatalf("segment %d %q: no tokenizer flags", s.Index, s.Data)
			}
			var seps []int32
			for i, c := range s.Data {
				if c == '*' {
					seps = append(seps, int32(i))
				}
			}
			seps = append(seps, int32(len(s.Data)))
			if !slices.Equal(seps, s.seps) {
				t.Fatalf("segment %d %q: separators %v, want %v", s.Index, s.Data, s.seps, seps)
			}
		}
		if segs != 3001 {
			t.Fatalf("%d segments", segs)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTokenizerRoom checks that the tokenizer writes separator positions
// only within the capacity of the slice it is given (the parallel reader
// hands it the free part of a batch's array, whose next part is not its
// own): the array past the capacity keeps its values.
func TestTokenizerRoom(t *testing.T) {
	isa := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	seg := "ZZ" + strings.Repeat("*A", 60)
	in := []byte(isa + seg + "~" + seg + "~")
	for c := 1; c <= 40; c++ {
		rd := NewBytesReader(in)
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
		backing := make([]int32, c+64)
		for i := range backing {
			backing[i] = -7
		}
		rd.seg.seps = backing[:0:c]
		s, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if len(s.seps) != 61 || s.seps[0] != 2 || s.seps[59] != 120 {
			t.Fatalf("cap %d: separators %v", c, s.seps)
		}
		for i := c; i < len(backing); i++ {
			if backing[i] != -7 {
				t.Fatalf("cap %d: position %d past the capacity written", c, i)
			}
		}
	}
}

// TestPackCode compares packCode with the byte loop it replaced.
func TestPackCode(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 9; n++ {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			want, wok := uint64(len(b))<<56, len(b) <= 7
			for i, c := range b {
				want |= uint64(c) << (8 * i)
			}
			if !wok {
				want = 0
			}
			if k, ok := packCode(b); k != want || ok != wok {
				t.Fatalf("%x: %x %v, want %x %v", b, k, ok, want, wok)
			}
		}
	}
}

// TestFrameFields guards recognizer.push, which resets a reused frame
// field by field: a new field must be reset there too.
func TestFrameFields(t *testing.T) {
	if n := reflect.TypeOf(frame{}).NumField(); n != 16 {
		t.Fatalf("frame has %d fields: reset the new ones in recognizer.push, then update this test", n)
	}
	// A frame reused after a loop with every field set is the same as a
	// fresh one.
	var r recognizer
	n := &node{Children: []*node{{}, {}}}
	r.push(n)
	f := &r.stack[0]
	*f = frame{n: n, idx: 1, counts: f.counts, hl: 2, hlChild: '1', hlSaw: true, hlIdx: 3, hlOff: 4, hlPos: 5,
		id: 6, total: 7, sum: 8, totalOK: true, totalIdx: 9, totalOff: 10, totalPos: 11}
	f.counts[1] = 5
	r.stack = r.stack[:0]
	r.push(n)
	want := frame{n: n, counts: []uint16{1, 0}, id: 2}
	if !reflect.DeepEqual(r.stack[0], want) {
		t.Fatalf("reused frame %+v, want %+v", r.stack[0], want)
	}
}

// TestNth compares nth with bytes.Split.
func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		b := make([]byte, rng.IntN(30))
		for i := range b {
			b[i] = []byte{':', 'A', 'B', 0x3B, 0x39, 0x00}[rng.IntN(6)]
		}
		parts := bytes.Split(b, []byte{':'})
		for j := -1; j <= len(parts)+1; j++ {
			var want []byte
			if j >= 1 && j <= len(parts) {
				want = parts[j-1]
			}
			if got := nth(b, ':', j); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("nth(%q, %d) = %q, want %q", b, j, got, want)
			}
		}
	}
}
