// Command gen837p writes a synthetic 837P interchange of about -size bytes
// to standard output, for benchmarks (see scripts/bench-edi.sh).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/claimflow/claimflow/edi/internal/gen837p"
)

func main() {
	size := flag.Int64("size", 1<<30, "approximate size in bytes")
	claims := flag.Int("claims", 500, "claims per transaction set")
	nl := flag.Bool("newlines", false, "write a line break after each segment")
	flag.Parse()
	if _, err := gen837p.Generate(os.Stdout, gen837p.Options{Size: *size, ClaimsPerSet: *claims, Newlines: *nl}); err != nil {
		fmt.Fprintln(os.Stderr, "gen837p:", err)
		os.Exit(1)
	}
}
