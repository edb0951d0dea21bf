package edi_test

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
	"github.com/claimflow/claimflow/edi/x837p"
)

// typedInput is a generated file for one typed reader and a function that
// reads every transaction set in it with the reader's one-pass ReadBytes,
// returning the number of claims (or subscribers for a 271) it read.
type typedInput struct {
	name string
	x    []byte
	read func([]byte) (int, error)
}

var (
	typedOnce   sync.Once
	typedInputs []typedInput
)

func typedBenchInputs(b *testing.B) []typedInput {
	b.Helper()
	typedOnce.Do(func() {
		env := setsamples.Env("TESTPAYER", "CLAIMFLOW", 1)
		must := func(ic *edi.Interchange, err error) []byte {
			if err != nil {
				b.Fatal(err)
			}
			return setsamples.Bytes(ic)
		}
		// 277CA: 8 sets of 1000 acknowledged claims.
		var acks []*x277ca.Acknowledgment
		for i := 0; i < 8; i++ {
			a := setsamples.ClaimAck()
			p := &a.Receivers[0].Providers[0]
			one := p.Claims
			for len(p.Claims) < 1000 {
				p.Claims = append(p.Claims, one...)
			}
			acks = append(acks, a)
		}
		// 837I and 837D: the samples' subscribers repeated, 8 sets.
		big837 := func(tx func() *claim837.Transaction, n int) []*claim837.Transaction {
			var out []*claim837.Transaction
			for i := 0; i < 8; i++ {
				t := tx()
				bp := &t.Billing[0]
				one := bp.Subscriber
				for len(bp.Subscriber) < n {
					bp.Subscriber = append(bp.Subscriber, one...)
				}
				out = append(out, t)
			}
			return out
		}
		typedInputs = []typedInput{
			{"835", input835(b), func(x []byte) (int, error) {
				rs, err := x835.ReadBytes(x)
				n := 0
				for _, r := range rs {
					n += len(r.Claims)
				}
				return n, err
			}},
			{"271", input271(b), func(x []byte) (int, error) {
				txs, err := eligibility.ReadBytes(x)
				n := 0
				for _, t := range txs {
					n += len(t.Subscribers)
				}
				return n, err
			}},
			{"277CA", must(x277ca.Build(env, acks...)), func(x []byte) (int, error) {
				as, err := x277ca.ReadBytes(x)
				n := 0
				for _, a := range as {
					n += len(a.Claims())
				}
				return n, err
			}},
			{"837P", benchInput(b), func(x []byte) (int, error) {
				txs, err := x837p.ReadBytes(x)
				n := 0
				for _, tx := range txs {
					for _, bp := range tx.Billing {
						for _, s := range bp.Subscriber {
							n += len(s.Claims)
							for _, p := range s.Patients {
								n += len(p.Claims)
							}
						}
					}
				}
				return n, err
			}},
			{"837I", must(x837i.Build(env, big837(setsamples.Institutional, 400)...)), func(x []byte) (int, error) {
				txs, err := x837i.ReadBytes(x)
				return claims837(txs), err
			}},
			{"837D", must(x837d.Build(env, big837(setsamples.Dental, 400)...)), func(x []byte) (int, error) {
				txs, err := x837d.ReadBytes(x)
				return claims837(txs), err
			}},
		}
	})
	return typedInputs
}

func claims837(txs []*claim837.Transaction) int {
	n := 0
	for _, t := range txs {
		for _, bp := range t.Billing {
			for _, s := range bp.Subscriber {
				n += len(s.Claims)
				for _, p := range s.Patients {
					n += len(p.Claims)
				}
			}
		}
	}
	return n
}

// tokenize runs the streaming tokenizer over x.
func tokenize(b *testing.B, x []byte) int {
	rd := edi.NewReader(bytes.NewReader(x))
	n := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReadTyped reads each generated file into its typed model with
// ReadBytes (MB/s and allocs/op of that), and in the same run
// tokenizes the same bytes between iterations (timer stopped): tok-MB/s
// and read/tok compare the two under the same machine load, in wall and
// CPU time. allocs/claim and allocs/seg come from one extra counted run.
func BenchmarkReadTyped(b *testing.B) {
	for _, in := range typedBenchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			x := in.x
			claims, err := in.read(x)
			if err != nil || claims == 0 {
				b.Fatalf("read: %v (%d claims)", err, claims)
			}
			segs := tokenize(b, x)
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			if _, err := in.read(x); err != nil {
				b.Fatal(err)
			}
			runtime.ReadMemStats(&m1)
			allocs := float64(m1.Mallocs - m0.Mallocs)

			b.SetBytes(int64(len(x)))
			b.ReportAllocs()
			b.ResetTimer()
			var readWall, tokWall, readCPU, tokCPU time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				t0, c0 := time.Now(), cpuTime()
				tokenize(b, x)
				tokWall += time.Since(t0)
				tokCPU += cpuTime() - c0
				b.StartTimer()
				t0, c0 = time.Now(), cpuTime()
				if _, err := in.read(x); err != nil {
					b.Fatal(err)
				}
				readWall += time.Since(t0)
				readCPU += cpuTime() - c0
			}
			mb := float64(len(x)) * float64(b.N) / 1e6
			b.ReportMetric(mb/tokWall.Seconds(), "tok-MB/s")
			b.ReportMetric(tokWall.Seconds()/readWall.Seconds(), "read/tok")
			if readCPU > 0 && tokCPU > 0 {
				b.ReportMetric(mb/readCPU.Seconds(), "MB/cpu-s")
				b.ReportMetric(mb/tokCPU.Seconds(), "tok-MB/cpu-s")
				b.ReportMetric(tokCPU.Seconds()/readCPU.Seconds(), "read/tok-cpu")
			}
			b.ReportMetric(allocs/float64(claims), "allocs/claim")
			b.ReportMetric(allocs/float64(segs), "allocs/seg")
		})
	}
}
