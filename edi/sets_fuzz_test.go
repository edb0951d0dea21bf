package edi_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/claimflow/claimflow/edi"
)

// FuzzTransactionSets reads every transaction set the typed packages cover
// (835, 277CA, 270/271, 276/277, 999), writes the typed value back and
// re-reads it: once the builder's defaults are filled in by the first
// write, re-reading and re-writing change nothing. Seeded with every sample
// in testdata/sets (and failures found, in testdata/fuzz).
func FuzzTransactionSets(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(setsDir, "*.x12"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(fuzzSetsBody)
}

// fuzzSetsBody is one fuzz iteration.
func fuzzSetsBody(t *testing.T, data []byte) {
	ics, err := edi.ParseBytes(data)
	if err != nil {
		return
	}
	_, _ = edi.ValidateBytes(data, nil)
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, tx := range g.Sets {
				v1, rewrite, ok, err := typed(tx, ic.Delims)
				if !ok || err != nil || rewrite == nil {
					continue
				}
				segs, err := rewrite()
				if err != nil {
					continue // the model lacks what the builder requires
				}
				// The first write fills builder defaults; from then on
				// write and read are each other's inverse.
				v2, rewrite2, _, err := typed(&edi.Transaction{Segments: segs}, ic.Delims)
				if err != nil {
					t.Fatalf("re-read: %v", err)
				}
				segs2, err := rewrite2()
				if err != nil {
					t.Fatalf("rewrite of a written set: %v", err)
				}
				if !reflect.DeepEqual(segs, segs2) {
					t.Fatalf("write -> read -> write differs\n first %v\nsecond %v", segs, segs2)
				}
				v3, _, _, _ := typed(&edi.Transaction{Segments: segs2}, ic.Delims)
				if !reflect.DeepEqual(v2, v3) {
					t.Fatalf("read -> write -> re-read differs\n first %+v\nsecond %+v", v2, v3)
				}
				_ = v1
			}
		}
	}
}
