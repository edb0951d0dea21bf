package edi

import (
	"bytes"
	"encoding/json"
	"errors"
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

// FuzzJSON: X12 -> JSON -> X12 (the streaming pair) gives back every
// byte of whatever converts, indented or compact, and converts exactly
// what Parse accepts but for layouts the JSON refuses (ErrJSONLayout).
func FuzzJSON(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, perr := ParseBytes(b)
		var j bytes.Buffer
		err := EncodeJSON(&j, bytes.NewReader(b), &JSONOptions{Compact: len(b)%2 == 1})
		if err != nil {
			if perr == nil && !errors.Is(err, ErrJSONLayout) {
				t.Fatalf("Parse accepts the input, EncodeJSON fails: %v", err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("Parse fails (%v), EncodeJSON accepts", perr)
		}
		if !json.Valid(j.Bytes()) {
			t.Fatalf("EncodeJSON wrote invalid JSON")
		}
		back, err := X12JSONToBytes(j.Bytes())
		if err != nil {
			t.Fatalf("from json: %v", err)
		}
		if !bytes.Equal(back, b) {
			t.Fatalf("X12 -> JSON -> X12 differs:\n%q\nwant\n%q", back, b)
		}
	})
}

// FuzzJSONDecode: any JSON DecodeJSON accepts gives X12 that, when it
// converts to JSON, comes back byte for byte; no JSON makes it panic. Seeds
// are the compact JSON forms of every sample (the indented ones are the
// same tokens with more white space, and slow the fuzzer down).
func FuzzJSONDecode(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.x12"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no samples: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var j bytes.Buffer
		if EncodeJSON(&j, bytes.NewReader(b), &JSONOptions{Compact: true}) == nil {
			f.Add(j.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, j []byte) {
		var x bytes.Buffer
		if err := DecodeJSON(&x, bytes.NewReader(j)); err != nil {
			return
		}
		var j2 bytes.Buffer
		if err := EncodeJSON(&j2, bytes.NewReader(x.Bytes()), nil); err != nil {
			return
		}
		back, err := X12JSONToBytes(j2.Bytes())
		if err != nil {
			t.Fatalf("from json (second time): %v", err)
		}
		if !bytes.Equal(back, x.Bytes()) {
			t.Fatalf("X12 from JSON does not survive a second round trip:\n%q\nwant\n%q", back, x.Bytes())
		}
	})
}
