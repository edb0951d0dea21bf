package fhirimport_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// peakRSS is this process's peak resident set (VmHWM), in MiB.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkImportSynthetic imports a generated practice of IMPORT_PATIENTS
// patients (default 500) in one workflow run with a failure injected
// mid-commit, reconciles every count source vs claimflow, and re-runs it
// (nothing may change). make bench runs it with 50,000 (scripts/bench-import.sh).
func BenchmarkImportSynthetic(b *testing.B) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("IMPORT_PATIENTS")); err == nil && v > 0 {
		n = v
	}
	s := keyedStore(b)
	ctx := context.Background()
	a := newTenant(b, s, "TEST BENCH SYSTEM A", "PAYERA1")
	bt := newTenant(b, s, "TEST BENCH SYSTEM B", "PAYERB1")
	dir := b.TempDir()
	start := time.Now()
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: n, Providers: max(20, n/2000), PayerIDs: []string{"PAYERA1"}, Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	fmt.Printf("generated %d resources (%v) in %v\n", total, map[string]int(counts), time.Since(start).Round(time.Millisecond))

	srv := testenv.DevServer(b)
	c := srv.Client()
	flaky := &flakyStore{Store: s, failAfter: int64(counts["Encounter"] * 2 / 5)}
	w := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.RegisterWorkflows(w)
	w.RegisterActivity(&fhirimport.Activities{Store: flaky})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	in := fhirimport.Input{OrgID: a.org.ID, Source: rcm.ImportSourceNDJSON, Paths: []string{dir}}

	b.ResetTimer()
	start = time.Now()
	run, err := workflows.StartImport(ctx, c, workflows.DefaultTaskQueue, s, a.admin, in, "bench")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var p fhirimport.Progress
		done <- c.GetWorkflow(ctx, workflows.ImportIDPrefix+run.ID, "").Get(ctx, &p)
	}()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("import workflow: %v", err)
			}
			finished = true
		case <-tick.C:
			// The progress query, as the dashboard and CLI would read it.
			v, err := c.QueryWorkflow(ctx, workflows.ImportIDPrefix+run.ID, "", workflows.QueryImportProgress)
			var p fhirimport.Progress
			if err == nil && v.Get(&p) == nil {
				fmt.Printf("  progress %s %d/%d (%.0f s)\n", p.Stage, p.Done, p.Total, time.Since(start).Seconds())
			}
		}
	}
	took := time.Since(start)
	b.StopTimer()
	run, err = s.GetImportRun(ctx, a.admin, run.ID)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("import: %d records in %v (%.0f records/s): %d imported, %d unchanged, %d invalid, %d failed; crash injected: %v\n",
		run.Total, took.Round(time.Millisecond), float64(run.Total)/took.Seconds(), run.Imported, run.Unchanged, run.Invalid, run.Failed, flaky.failed.Load())
	if run.Stage != rcm.ImportStageDone || run.Total != total || run.Imported != total || !flaky.failed.Load() {
		b.Fatalf("import not reconciled: %+v", run)
	}
	reconcile := func(when string) {
		for _, ck := range []struct{ table, typ string }{{"patients", "Patient"}, {"coverages", "Coverage"}, {"providers", "Practitioner"},
			{"appointments", "Appointment"}, {"encounters", "Encounter"}} {
			if got := count(b, s, `SELECT count(*)::int FROM `+ck.table+` WHERE org_id = $1`, a.org.ID); got != counts[ck.typ] {
				b.Fatalf("%s: %d %s in claimflow; the source has %d", when, got, ck.table, counts[ck.typ])
			}
			if got := count(b, s, `SELECT count(*)::int FROM `+ck.table+` WHERE org_id = $1`, bt.org.ID); got != 0 {
				b.Fatalf("%s: tenant B has %d %s", when, got, ck.table)
			}
		}
		charges := count(b, s, `SELECT count(*)::int FROM charges ch JOIN encounters e ON e.id = ch.encounter_id WHERE e.org_id = $1`, a.org.ID)
		audits := count(b, s, `SELECT count(*)::int FROM audit_log WHERE org_id = $1 AND action = 'create' AND resource = 'patient'`, a.org.ID)
		if charges != counts["ChargeItem"] || audits != counts["Patient"] {
			b.Fatalf("%s: %d charges, %d patient audits; want %d and %d", when, charges, audits, counts["ChargeItem"], counts["Patient"])
		}
		fmt.Printf("reconciled %s: patients %d, coverages %d, providers %d, appointments %d, encounters %d, charges %d, patient create audits %d; tenant B: none\n",
			when, counts["Patient"], counts["Coverage"], counts["Practitioner"], counts["Appointment"], counts["Encounter"], charges, audits)
	}
	reconcile("after the import")
	start = time.Now()
	again, _ := runImport(b, c, s, a.admin, in)
	fmt.Printf("re-run: %d records in %v: %d unchanged, %d imported (payer and location references), %d invalid, %d failed\n",
		again.Total, time.Since(start).Round(time.Millisecond), again.Unchanged, again.Imported, again.Invalid, again.Failed)
	if again.Unchanged+again.Imported != total || again.Failed != 0 || again.Invalid != 0 {
		b.Fatalf("re-run: %+v", again)
	}
	reconcile("after the re-run")
	fmt.Printf("peak RSS of the worker process: %.0f MiB\n", peakRSS())
	b.ReportMetric(float64(run.Total)/took.Seconds(), "records/s")
	b.ReportMetric(peakRSS(), "peak-MiB")
}
