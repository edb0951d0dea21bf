package edi_test

import (
	"testing"

	"github.com/claimflow/claimflow/edi"
)

// BenchmarkWalkSetsFloor835 is the floor under the typed readers: WalkSets
// over the 835 (tokenizer, envelope, loop recognizer) with a reader that
// keeps nothing.
func BenchmarkWalkSetsFloor835(b *testing.B) {
	x := input835(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		err := edi.WalkSets(x, func(edi.Seg, string, edi.Delimiters) (string, func(string, *edi.SegView)) {
			return "005010X221A1", func(string, *edi.SegView) { n++ }
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, len(x))
}
