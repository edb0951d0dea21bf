package edi_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/gen837p"
	moovfile "github.com/moov-io/x12/pkg/file"
	moov837p "github.com/moov-io/x12/rule_5010_837p"
)

var (
	benchOnce sync.Once
	benchFile []byte
)

// benchInput is a generated 837P of about 1 MiB, the same bytes for every
// benchmark in the run.
func benchInput(b *testing.B) []byte {
	b.Helper()
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := gen837p.Generate(&buf, gen837p.Options{Size: 1 << 20, ClaimsPerSet: 200}); err != nil {
			b.Fatal(err)
		}
		benchFile = buf.Bytes()
	})
	return benchFile
}

// reportCPU adds MB per CPU-second for n bytes per op since start.
func reportCPU(b *testing.B, start time.Duration, n int) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkTokenizer measures the streaming tokenizer alone.
func BenchmarkTokenizer(b *testing.B) {
	x := benchInput(b)
	r := bytes.NewReader(x)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { reportCPU(b, cpu0, len(x)) }()
	for i := 0; i < b.N; i++ {
		r.Reset(x)
		rd := edi.NewReader(r)
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no segments")
		}
	}
}

// BenchmarkTokenizerBytes measures the tokenizer over an in-memory buffer
// (no copy into the read buffer).
func BenchmarkTokenizerBytes(b *testing.B) {
	x := benchInput(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { reportCPU(b, cpu0, len(x)) }()
	for i := 0; i < b.N; i++ {
		rd := edi.NewBytesReader(x)
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func validateOnce(b *testing.B, x []byte) {
	rep, err := edi.Validate(bytes.NewReader(x), nil)
	if err != nil || !rep.OK() {
		b.Fatalf("validate: %v %v", err, rep.Errors)
	}
}

// BenchmarkValidate837P measures streaming parse + validate (SNIP 1-2 and
// balancing) of the generated 837P.
func BenchmarkValidate837P(b *testing.B) {
	x := benchInput(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		validateOnce(b, x)
	}
	reportCPU(b, cpu0, len(x))
}

func moovOnce(b *testing.B, x []byte) {
	ic := moovfile.NewInterchange(&moov837p.InterchangeRule)
	raw := string(x)
	n, err := ic.Parse(raw, ":")
	if err != nil || n != len(raw) {
		b.Fatalf("moov parse: %v (%d of %d bytes)", err, n, len(raw))
	}
	if err := ic.Validate(nil); err != nil {
		b.Fatalf("moov validate: %v", err)
	}
}

// BenchmarkMoov837P measures moov-io/x12 v0.1.0 parse + validate of the same
// generated 837P.
func BenchmarkMoov837P(b *testing.B) {
	x := benchInput(b)
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		moovOnce(b, x)
	}
}

// BenchmarkValidate837PVsMoov runs both engines on the same input in the
// same benchmark and reports each one's MB/s and the speed-up ratio.
func BenchmarkValidate837PVsMoov(b *testing.B) {
	x := benchInput(b)
	b.SetBytes(int64(len(x)))
	validateOnce(b, x) // warm: guide tables compiled
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		validateOnce(b, x)
	}
	ours, oursCPU := time.Since(start)/time.Duration(b.N), (cpuTime()-cpu0)/time.Duration(b.N)
	b.StopTimer()
	const moovRuns = 2
	start, cpu0 = time.Now(), cpuTime()
	for i := 0; i < moovRuns; i++ {
		moovOnce(b, x)
	}
	moov, moovCPU := time.Since(start)/moovRuns, (cpuTime()-cpu0)/moovRuns
	mb := float64(len(x)) / 1e6
	b.ReportMetric(mb/ours.Seconds(), "claimflow-MB/s")
	b.ReportMetric(mb/moov.Seconds(), "moov-MB/s")
	b.ReportMetric(moov.Seconds()/ours.Seconds(), "speedup-x")
	if oursCPU > 0 && moovCPU > 0 {
		b.ReportMetric(mb/oursCPU.Seconds(), "claimflow-MB/cpu-s")
		b.ReportMetric(mb/moovCPU.Seconds(), "moov-MB/cpu-s")
		b.ReportMetric(moovCPU.Seconds()/oursCPU.Seconds(), "speedup-cpu-x")
	}
	b.StartTimer()
}

// TestBenchInputValid keeps the benchmark input honest: both engines accept it.
func TestBenchInputValid(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen837p.Generate(&buf, gen837p.Options{Size: 64 << 10, ClaimsPerSet: 20}); err != nil {
		t.Fatal(err)
	}
	rep, err := edi.ValidateBytes(buf.Bytes(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("validate: %v %v", err, rep.Errors)
	}
	ic := moovfile.NewInterchange(&moov837p.InterchangeRule)
	raw := strings.TrimSpace(buf.String())
	if n, err := ic.Parse(raw, ":"); err != nil || n != len(raw) {
		t.Fatalf("moov parse: %v (%d of %d)", err, n, len(raw))
	}
	if err := ic.Validate(nil); err != nil {
		t.Fatalf("moov validate: %v", err)
	}
}
