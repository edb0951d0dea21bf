// Command readprobe writes the typed readers' benchmark inputs (the same
// generated files as edi's BenchmarkReadTyped) and reads one of them a
// given number of times, for counting instructions under valgrind's
// callgrind, where a go test benchmark's own work would blur the count:
//
//	readprobe gen DIR
//	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind readprobe 835 DIR/835 3
//
// The difference between the counts of N and N-1 reads is one read. With
// GOGC=off the count is the readers' own work and repeats exactly; with
// the collector on it moves with GC timing from run to run.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/internal/gen837p"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
	"github.com/claimflow/claimflow/edi/x837p"
)

// readers read every set of a file with a typed ReadBytes.
var readers = map[string]func([]byte) error{
	"835":   func(x []byte) error { _, err := x835.ReadBytes(x); return err },
	"271":   func(x []byte) error { _, err := eligibility.ReadBytes(x); return err },
	"277CA": func(x []byte) error { _, err := x277ca.ReadBytes(x); return err },
	"837P":  func(x []byte) error { _, err := x837p.ReadBytes(x); return err },
	"837I":  func(x []byte) error { _, err := x837i.ReadBytes(x); return err },
	"837D":  func(x []byte) error { _, err := x837d.ReadBytes(x); return err },
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "readprobe:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 2 && args[0] == "gen" {
		return gen(args[1])
	}
	if len(args) != 3 {
		return fmt.Errorf("usage: readprobe gen DIR | readprobe KIND FILE N (KIND 835, 271, 277CA, 837P, 837I, 837D)")
	}
	read, ok := readers[args[0]]
	if !ok {
		return fmt.Errorf("unknown kind %q", args[0])
	}
	n, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	x, err := os.ReadFile(args[1]) //nolint:gosec // G703: a developer tool reading the file named on its command line
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := read(x); err != nil {
			return err
		}
	}
	return nil
}

// gen writes the inputs BenchmarkReadTyped builds, one file per kind.
func gen(dir string) error {
	env := setsamples.Env("TESTPAYER", "CLAIMFLOW", 1)
	var rs []*x835.Remittance
	var txs []*eligibility.Transaction
	var acks []*x277ca.Acknowledgment
	for i := 0; i < 8; i++ {
		rs = append(rs, setsamples.BigRemittance(800))
		txs = append(txs, setsamples.BigResponse(900))
		a := setsamples.ClaimAck()
		p := &a.Receivers[0].Providers[0]
		one := p.Claims
		for len(p.Claims) < 1000 {
			p.Claims = append(p.Claims, one...)
		}
		acks = append(acks, a)
	}
	big837 := func(tx func() *claim837.Transaction) []*claim837.Transaction {
		var out []*claim837.Transaction
		for i := 0; i < 8; i++ {
			t := tx()
			bp := &t.Billing[0]
			one := bp.Subscriber
			for len(bp.Subscriber) < 400 {
				bp.Subscriber = append(bp.Subscriber, one...)
			}
			out = append(out, t)
		}
		return out
	}
	var p837 bytes.Buffer
	if _, err := gen837p.Generate(&p837, gen837p.Options{Size: 1 << 20, ClaimsPerSet: 200}); err != nil {
		return err
	}
	files := []struct {
		name  string
		build func() (*edi.Interchange, error)
	}{
		{"835", func() (*edi.Interchange, error) { return x835.Build(env, rs...) }},
		{"271", func() (*edi.Interchange, error) { return eligibility.BuildResponse(env, txs...) }},
		{"277CA", func() (*edi.Interchange, error) { return x277ca.Build(env, acks...) }},
		{"837I", func() (*edi.Interchange, error) { return x837i.Build(env, big837(setsamples.Institutional)...) }},
		{"837D", func() (*edi.Interchange, error) { return x837d.Build(env, big837(setsamples.Dental)...) }},
	}
	for _, f := range files {
		ic, err := f.build()
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), setsamples.Bytes(ic), 0o600); err != nil { //nolint:gosec // G703: the folder named on the command line
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "837P"), p837.Bytes(), 0o600) //nolint:gosec // G703: the folder named on the command line
}
