//go:build unix

package x12cli_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi/internal/gen837p"
	"github.com/claimflow/claimflow/edi/x12cli"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCLI837P runs the x12 command line on a generated 837P of 8 MiB
// in a file, as the process does (validate, json to a discarded output,
// from-json), and reports MB of X12 per second and per CPU-second.
func BenchmarkCLI837P(b *testing.B) {
	var x bytes.Buffer
	if _, err := gen837p.Generate(&x, gen837p.Options{Size: 8 << 20, ClaimsPerSet: 500}); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "837p.x12")
	if err := os.WriteFile(path, x.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	var j bytes.Buffer
	if code := x12cli.Main([]string{"json", "--compact", path}, nil, &j, io.Discard); code != 0 {
		b.Fatalf("json: exit %d", code)
	}
	jpath := filepath.Join(dir, "837p.json")
	if err := os.WriteFile(jpath, j.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, c := range [][]string{{"validate", path}, {"json", path}, {"json", "--compact", path}, {"from-json", jpath}} {
		b.Run(c[0]+map[bool]string{true: "-compact"}[len(c) == 3], func(b *testing.B) {
			b.SetBytes(int64(x.Len()))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if code := x12cli.Main(c, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("%v: exit %d", c, code)
				}
			}
			if d := cpuTime() - cpu0; d > 0 {
				b.ReportMetric(float64(x.Len())*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
			}
		})
	}
}
