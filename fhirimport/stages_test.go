package fhirimport_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// BenchmarkImportStages runs the import's activities directly (no Temporal)
// on a synthetic practice of IMPORT_PATIENTS patients (default 500) and
// prints each stage's time: fetch, validate, commit in slices, and the
// re-run's commit. For profiling (-cpuprofile) the store path alone.
func BenchmarkImportStages(b *testing.B) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("IMPORT_PATIENTS")); err == nil && v > 0 {
		n = v
	}
	s := keyedStore(b)
	ctx := context.Background()
	a := newTenant(b, s, "TEST STAGES SYSTEM A", "PAYERA1")
	dir := b.TempDir()
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: n, Providers: max(20, n/2000), PayerIDs: []string{"PAYERA1"}, Prefix: "stg"})
	if err != nil {
		b.Fatal(err)
	}
	acts := &fhirimport.Activities{Store: s}
	b.ResetTimer()
	for round := 1; round <= 2; round++ {
		run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceNDJSON, SourceName: "stages"})
		if err != nil {
			b.Fatal(err)
		}
		in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceNDJSON, Paths: []string{dir}}
		t0 := time.Now()
		if _, err := acts.ImportFetch(ctx, in); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := acts.ImportValidate(ctx, in); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		var p fhirimport.Progress
		for {
			q, err := acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 2000})
			if err != nil {
				b.Fatal(err)
			}
			moved := q.Done != p.Done
			p = q
			if q.Done >= q.Total || !moved {
				break
			}
		}
		t3 := time.Now()
		fmt.Printf("round %d (%v): fetch %v, validate %v, commit %v; %d imported, %d unchanged, %d invalid, %d failed\n", round, counts["Patient"],
			t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond), p.Imported, p.Unchanged, p.Invalid, p.Failed)
	}
	fmt.Printf("peak RSS of the process: %.0f MiB\n", peakRSS())
}
