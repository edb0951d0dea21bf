package edi_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/claimflow/claimflow/edi"
)

// BenchmarkJSONEncode837P streams the generated 837P to JSON (MB/s of
// X12 read).
func BenchmarkJSONEncode837P(b *testing.B) {
	x := benchInput(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := edi.EncodeJSON(io.Discard, bytes.NewReader(x), nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, len(x))
}

// BenchmarkJSONDecode837P streams the JSON form back to X12 (MB/s of X12
// written, so it compares with the encoder and the tokenizer).
func BenchmarkJSONDecode837P(b *testing.B) {
	x := benchInput(b)
	j, err := edi.MarshalX12JSON(x)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := edi.DecodeJSON(io.Discard, bytes.NewReader(j)); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, len(x))
	b.ReportMetric(float64(len(j))/float64(len(x)), "json-bytes/x12-byte")
}
