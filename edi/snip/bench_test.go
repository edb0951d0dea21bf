package snip

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/gen837p"
)

// BenchmarkValidate837P compares the SNIP levels on one synthetic 837P:
// level 3 is edi's syntax and balancing alone, 4 and 5 add this package.
// Each level also tokenizes the same bytes between iterations (timer
// stopped), so MB/cpu-s, tok-MB/cpu-s and val/tok-cpu compare the two under
// the same machine load.
func BenchmarkValidate837P(b *testing.B) {
	var buf bytes.Buffer
	if _, err := gen837p.Generate(&buf, gen837p.Options{Size: 4 << 20, ClaimsPerSet: 500}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, lv := range []struct {
		name  string
		level int
	}{{"level3", Level3}, {"level4", Level4}, {"level5", Level5}} {
		b.Run(lv.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var valCPU, tokCPU time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c0 := cpuTime()
				tokenize(b, data)
				tokCPU += cpuTime() - c0
				b.StartTimer()
				c0 = cpuTime()
				rep, err := Validate(bytes.NewReader(data), Options{Level: lv.level, Base: editDrop()})
				valCPU += cpuTime() - c0
				if err != nil || !rep.OK() {
					b.Fatalf("%v %v", err, rep.Errors)
				}
			}
			if valCPU > 0 && tokCPU > 0 {
				mb := float64(len(data)) * float64(b.N) / 1e6
				b.ReportMetric(mb/valCPU.Seconds(), "MB/cpu-s")
				b.ReportMetric(mb/tokCPU.Seconds(), "tok-MB/cpu-s")
				b.ReportMetric(tokCPU.Seconds()/valCPU.Seconds(), "val/tok-cpu")
			}
		})
	}
}

// tokenize runs the streaming tokenizer over x.
func tokenize(b *testing.B, x []byte) {
	rd := edi.NewReader(bytes.NewReader(x))
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func editDrop() edi.Options { return edi.Options{DropAccepted: true} }
