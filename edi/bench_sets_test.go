package edi_test

import (
	"sync"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x835"
)

var (
	bench835Once, bench271Once sync.Once
	bench835, bench271         []byte
)

// input835 is a generated 835 of about 4 MiB: 8 transaction sets of 800
// balanced claims with three service lines each.
func input835(b *testing.B) []byte {
	b.Helper()
	bench835Once.Do(func() {
		var rs []*x835.Remittance
		for i := 0; i < 8; i++ {
			rs = append(rs, setsamples.BigRemittance(800))
		}
		ic, err := x835.Build(setsamples.Env("TESTPAYER", "CLAIMFLOW", 1), rs...)
		if err != nil {
			b.Fatal(err)
		}
		bench835 = setsamples.Bytes(ic)
	})
	return bench835
}

// input271 is a generated 271 of about 4 MiB: 8 transaction sets of 900
// subscribers with eight benefits each.
func input271(b *testing.B) []byte {
	b.Helper()
	bench271Once.Do(func() {
		var txs []*eligibility.Transaction
		for i := 0; i < 8; i++ {
			txs = append(txs, setsamples.BigResponse(900))
		}
		ic, err := eligibility.BuildResponse(setsamples.Env("TESTPAYER", "CLAIMFLOW", 1), txs...)
		if err != nil {
			b.Fatal(err)
		}
		bench271 = setsamples.Bytes(ic)
	})
	return bench271
}

func benchValidate(b *testing.B, x []byte, validate func([]byte) (*edi.Report, error)) {
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := validate(x)
		if err != nil || !rep.OK() {
			b.Fatalf("validate: %v %v", err, rep.Errors)
		}
	}
}

// BenchmarkValidate835 is the streaming parse + validate of the 835.
func BenchmarkValidate835(b *testing.B) {
	benchValidate(b, input835(b), func(x []byte) (*edi.Report, error) { return edi.ValidateBytes(x, nil) })
}

// BenchmarkValidate835Balance adds the SNIP-3 balancing (a second, in-memory
// parse of the interchange).
func BenchmarkValidate835Balance(b *testing.B) {
	benchValidate(b, input835(b), func(x []byte) (*edi.Report, error) { return x835.Validate(x, nil) })
}

// BenchmarkRead835 parses into memory and reads every remittance into the
// typed model.
func BenchmarkRead835(b *testing.B) {
	x := input835(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ics, err := edi.ParseBytes(x)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := x835.ReadAll(ics)
		if err != nil || len(rs) != 8 {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate271 is the streaming parse + validate of the 271.
func BenchmarkValidate271(b *testing.B) {
	benchValidate(b, input271(b), func(x []byte) (*edi.Report, error) { return edi.ValidateBytes(x, nil) })
}

// BenchmarkRead271 parses into memory and reads every 271 into benefits.
func BenchmarkRead271(b *testing.B) {
	x := input271(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ics, err := edi.ParseBytes(x)
		if err != nil {
			b.Fatal(err)
		}
		txs, err := eligibility.ReadAll(ics)
		if err != nil || len(txs) != 8 {
			b.Fatal(err)
		}
	}
}
