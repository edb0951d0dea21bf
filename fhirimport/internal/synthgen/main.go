// Command synthgen writes a synthetic practice as Bulk Data NDJSON files
// (fhirimport.Synthesize: clearly fake names, sequence-number MRNs and
// member IDs) and prints how many resources of each type it wrote, one
// "Type count" line each, for scripts/bench-import.sh to reconcile against.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/claimflow/claimflow/fhirimport"
)

func main() {
	patients := flag.Int("patients", 50000, "patients (each with a coverage, an appointment and an encounter with one charge)")
	providers := flag.Int("providers", 0, "practitioners (default max(20, patients/2000))")
	payers := flag.String("payers", "PAYERA1", "comma-separated payer IDs of the payer directory")
	prefix := flag.String("prefix", "bench", "source id prefix")
	out := flag.String("out", "", "directory to write the NDJSON files into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "synthgen: -out is required")
		os.Exit(2)
	}
	if *providers <= 0 {
		*providers = max(20, *patients/2000)
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		fmt.Fprintln(os.Stderr, "synthgen:", err)
		os.Exit(1)
	}
	counts, err := fhirimport.Synthesize(*out, fhirimport.SynthOptions{Patients: *patients, Providers: *providers,
		PayerIDs: strings.Split(*payers, ","), Prefix: *prefix})
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthgen:", err)
		os.Exit(1)
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		fmt.Printf("%s %d\n", t, counts[t])
	}
}
