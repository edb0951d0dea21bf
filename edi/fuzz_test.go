package edi

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// seedCorpus adds every testdata sample to the fuzz corpus.
func seedCorpus(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.x12"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no samples: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzRoundTrip: read -> write -> re-read. Whatever parses must write out
// and parse again to the same segments, and writing is then a fixed point.
func FuzzRoundTrip(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ics, err := ParseBytes(b)
		if err != nil {
			return
		}
		var w1 bytes.Buffer
		if err := Write(&w1, ics...); err != nil {
			t.Fatal(err)
		}
		again, err := ParseBytes(w1.Bytes())
		if err != nil {
			t.Fatalf("re-read of written output failed: %v\n%q", err, w1.Bytes())
		}
		if fmt.Sprint(segsOf(again)) != fmt.Sprint(segsOf(ics)) {
			t.Fatalf("segments changed by write and re-read")
		}
		var w2 bytes.Buffer
		if err := Write(&w2, again...); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w1.Bytes(), w2.Bytes()) {
			t.Fatalf("write is not a fixed point")
		}
	})
}

func segsOf(ics []*Interchange) [][]Seg {
	var out [][]Seg
	for _, ic := range ics {
		s := []Seg{ic.ISA}
		s = append(s, ic.TA1...)
		for _, g := range ic.Groups {
			s = append(s, g.GS)
			for _, t := range g.Sets {
				s = append(s, t.Segments...)
			}
			s = append(s, g.GE)
		}
		s = append(s, ic.IEA)
		out = append(out, s)
	}
	return out
}

// FuzzValidate: validation and acknowledgment never panic, streaming and
// in-memory reading agree, and every interchange gets a TA1 code.
func FuzzValidate(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ValidateBytes(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep2, err := Validate(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != len(rep2.Errors) {
			t.Fatalf("bytes and stream disagree: %d vs %d errors", len(rep.Errors), len(rep2.Errors))
		}
		for _, ic := range rep.Interchanges {
			if ic.TA1Code() == "" {
				t.Fatal("empty TA1 code")
			}
			a := Acknowledge(ic, AckOptions{Now: time.Unix(0, 0).UTC()})
			_ = a.String()
		}
	})
}

// FuzzJSON: X12 -> JSON -> X12 gives the same bytes as X12 -> X12.
func FuzzJSON(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ics, err := ParseBytes(b)
		if err != nil {
			return
		}
		var direct bytes.Buffer
		if err := Write(&direct, ics...); err != nil {
			t.Fatal(err)
		}
		j, err := MarshalX12JSON(b)
		if err != nil {
			t.Fatalf("json: %v", err)
		}
		back, err := UnmarshalX12JSON(j)
		if err != nil {
			t.Fatalf("from json: %v", err)
		}
		var via bytes.Buffer
		if err := Write(&via, back...); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(direct.Bytes(), via.Bytes()) {
			t.Fatalf("JSON round trip differs")
		}
	})
}
