package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// benchN reads a size from the environment (make bench sets them).
func benchN(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkClaimLifecycle measures claims per second through the whole
// lifecycle on one machine: claims created in Postgres (the API's path
// without HTTP) → outbox → claim workflow → scrub → batch 837 over SFTP →
// 999 → 277CA → 835 → posting → paid, against the simulator, with the
// dev server, S3 and Postgres real. Report: claims/s from the first claim
// created to the last one paid.
func BenchmarkClaimLifecycle(b *testing.B) {
	n := benchN("CLAIMFLOW_BENCH_CLAIMS", 200)
	e := newE2E(b, true)
	ctx := context.Background()
	prov, err := e.m.Store.CreateProvider(ctx, store.System, store.Provider{OrgID: e.org, NPI: "1234567893", FirstName: "TESTDOC", LastName: "ONE", Taxonomy: "207Q00000X"})
	if err != nil {
		b.Fatal(err)
	}
	pay, err := e.m.Store.CreatePayer(ctx, store.System, store.Payer{OrgID: e.org, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	if err != nil {
		b.Fatal(err)
	}
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		ids := make([]string, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				pat, err := e.m.Store.CreatePatient(ctx, store.System, store.Patient{OrgID: e.org, FirstName: "TESTPATIENT", LastName: fmt.Sprintf("BENCH%d", i),
					BirthDate: "1980-01-01", Sex: "F", Address: "1 TEST ST, TESTVILLE, NY 99999"})
				if err == nil {
					_, err = e.m.Store.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: pay.ID, MemberID: "ZZ0000006", Relationship: "self", Priority: 1})
				}
				var enc store.Encounter
				if err == nil {
					enc, err = e.m.Store.CreateEncounter(ctx, store.System, store.Encounter{PatientID: pat.ID, ProviderID: prov.ID, DateOfService: dos,
						PlaceOfService: "11", Diagnoses: []string{"E11.9"}, Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 15000}}})
				}
				var c store.Claim
				if err == nil {
					c, err = e.m.Store.CreateClaim(ctx, store.System, enc.ID)
				}
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = c.ID
			}()
		}
		wg.Wait()
		created := time.Since(start)
		testenv.WaitFor(b, 10*time.Minute, fmt.Sprintf("%d claims paid", n), func() bool {
			var paid int
			_ = e.m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM claims WHERE status = 'paid'").Scan(&paid)
			return paid >= n*(1+b.N)-n // claims of this round
		})
		elapsed := time.Since(start)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "claims/s")
		b.ReportMetric(created.Seconds(), "create-s")
		b.Logf("%d claims paid through the full lifecycle in %v (records created in %v)", n, elapsed.Round(time.Millisecond), created.Round(time.Millisecond))
	}
}

// trivialActivity is the ceiling benchmark's activity: no work at all.
func trivialActivity(ctx context.Context, i int) (int, error) {
	_ = activity.GetInfo(ctx)
	return i + 1, nil
}

// trivialWorkflow runs three trivial activities, as DESIGN.md's ceiling
// measurement does.
func trivialWorkflow(ctx workflow.Context, i int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for range 3 {
		if err := workflow.ExecuteActivity(ctx, trivialActivity, i).Get(ctx, &i); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// BenchmarkDevServerCeiling is the same dev server's own ceiling, in the
// same run: trivial workflows of three activities, 50 in flight, with the
// worker's pollers as claimflow sets them (8 + 8).
func BenchmarkDevServerCeiling(b *testing.B) {
	n := benchN("CLAIMFLOW_BENCH_WORKFLOWS", 1000)
	srv := testenv.DevServer(b)
	c := srv.Client()
	w := worker.New(c, "ceiling", worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8})
	w.RegisterWorkflow(trivialWorkflow)
	w.RegisterActivity(trivialActivity)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	ctx := context.Background()
	b.ResetTimer()
	for round := range b.N {
		start := time.Now()
		var next, done atomic.Int64
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(n) {
						return
					}
					run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("ceiling/%d/%d", round, i), TaskQueue: "ceiling"}, trivialWorkflow, int(i))
					if err == nil {
						err = run.Get(ctx, nil)
					}
					if err != nil {
						b.Error(err)
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "workflows/s")
		b.Logf("%d trivial workflows (3 activities each), 50 in flight, in %v", done.Load(), elapsed.Round(time.Millisecond))
	}
}

var _ = workflows.ClaimIDPrefix
