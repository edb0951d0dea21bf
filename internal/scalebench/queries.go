package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// The dashboard's reads, as the API handlers call them (api/dashboard.go),
// each timed with concurrent staff of random tenants. Through the store,
// not HTTP: the figures are the queries' (with the decryption of the
// page's patient names and the audit row each list writes), without JSON
// and the network. The denials page also asks Temporal for each row's
// workflow state; that part is not measured here.

// tenantSample is what one tenant's queries filter and search by.
type tenantSample struct {
	actor            store.Actor
	payer, provider  string
	pcn, icn, member string
	first, last      string
}

func sample(ctx context.Context, s *store.Store, tenant, patientsPerTenant int) (tenantSample, error) {
	ids := store.ScaleTenant(tenant)
	x := tenantSample{actor: store.Actor{UserID: ids.BillerID, SourceIP: "192.0.2.20", RequestID: "scalebench"},
		last: "Testbakori", first: "Alpha", pcn: store.ScalePCN(tenant, 17), icn: fmt.Sprintf("ZZICN%04d%07d", tenant, 17)}
	vis := `SELECT id FROM visible_orgs($1, 'claim:read')`
	if err := s.Pool.QueryRow(ctx, `SELECT p.id::text FROM payers p WHERE p.org_id = $1 ORDER BY p.payer_id LIMIT 1`, ids.OrgID).Scan(&x.payer); err != nil {
		return x, fmt.Errorf("tenant %d payer: %w", tenant, err)
	}
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM providers WHERE org_id IN (`+vis+`) ORDER BY npi LIMIT 1`, ids.BillerID).Scan(&x.provider); err != nil {
		return x, fmt.Errorf("tenant %d provider: %w", tenant, err)
	}
	if patientsPerTenant > 0 {
		x.member = fmt.Sprintf("ZZM%04d%06d", tenant, patientsPerTenant/2)
		var pid string
		if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM patients WHERE org_id IN (`+vis+`) LIMIT 1`, ids.BillerID).Scan(&pid); err != nil {
			return x, fmt.Errorf("tenant %d patient: %w", tenant, err)
		}
		p, err := s.GetPatient(ctx, x.actor, pid)
		if err != nil {
			return x, err
		}
		x.first, x.last = p.FirstName, p.LastName
	}
	return x, nil
}

type dashQuery struct {
	name string
	run  func(ctx context.Context, s *store.Store, x tenantSample) error
}

func claimList(f func(x tenantSample) store.DashClaimFilter) func(context.Context, *store.Store, tenantSample) error {
	return func(ctx context.Context, s *store.Store, x tenantSample) error {
		_, _, err := s.DashClaims(ctx, x.actor, f(x), store.Page{})
		return err
	}
}

func dashQueries() []dashQuery {
	month := func() (*time.Time, *time.Time) {
		a, b := time.Now().AddDate(0, -2, 0), time.Now().AddDate(0, -1, 0)
		return &a, &b
	}
	dos := time.Now().AddDate(0, 0, -40).Format(time.DateOnly)
	search := func(q rcm.ClaimSearch) store.DashClaimFilter { return store.DashClaimFilter{Search: q} }
	return []dashQuery{
		{"worklist (newest first)", claimList(func(tenantSample) store.DashClaimFilter { return store.DashClaimFilter{} })},
		{"worklist summary (counts)", func(ctx context.Context, s *store.Store, x tenantSample) error {
			_, _, err := s.DashStatusCounts(ctx, x.actor, store.DashClaimFilter{})
			return err
		}},
		{"worklist status=accepted", claimList(func(tenantSample) store.DashClaimFilter { return store.DashClaimFilter{Status: "accepted"} })},
		{"worklist payer", claimList(func(x tenantSample) store.DashClaimFilter { return store.DashClaimFilter{PayerID: x.payer} })},
		{"worklist provider", claimList(func(x tenantSample) store.DashClaimFilter { return store.DashClaimFilter{ProviderID: x.provider} })},
		{"worklist created month", claimList(func(tenantSample) store.DashClaimFilter {
			a, b := month()
			return store.DashClaimFilter{From: a, To: b}
		})},
		{"worklist sort by DOS", claimList(func(tenantSample) store.DashClaimFilter {
			return store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortDOS, Desc: true}}
		})},
		{"worklist open sort by balance", claimList(func(tenantSample) store.DashClaimFilter {
			return store.DashClaimFilter{Status: "accepted,partially_paid", Sort: rcm.ClaimSort{Key: rcm.SortBalance, Desc: true}}
		})},
		{"search box: last name", claimList(func(x tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{Q: x.last}) })},
		{"search box: first last", claimList(func(x tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{Q: x.first + " " + x.last}) })},
		{"search box: control number", claimList(func(x tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{Q: x.pcn}) })},
		{"search box: date of service", claimList(func(tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{Q: dos}) })},
		{"search: payer claim number", claimList(func(x tenantSample) store.DashClaimFilter {
			return search(rcm.ClaimSearch{PayerClaimNumber: x.icn})
		})},
		{"search: member ID", claimList(func(x tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{MemberID: x.member}) })},
		{"search: first name", claimList(func(x tenantSample) store.DashClaimFilter { return search(rcm.ClaimSearch{FirstName: x.first}) })},
		{"denials queue", claimList(func(tenantSample) store.DashClaimFilter {
			return store.DashClaimFilter{Status: "needs_correction,appeal_pending,rejected,scrub_failed,appeal_lapsed"}
		})},
		{"remittance view", func(ctx context.Context, s *store.Store, x tenantSample) error {
			if _, _, err := s.DashRemittances(ctx, x.actor, store.Page{}); err != nil {
				return err
			}
			_, err := s.DashWorkQueue(ctx, x.actor)
			return err
		}},
		{"remittance version poll", func(ctx context.Context, s *store.Store, x tenantSample) error {
			_, err := s.DashRemittanceVersion(ctx, x.actor)
			return err
		}},
		{"A/R aging + analytics", func(ctx context.Context, s *store.Store, x tenantSample) error {
			_, err := s.DashReceivables(ctx, x.actor)
			return err
		}},
	}
}

// onlyQueries (-only) picks the dashboard queries by name (a substring).
var onlyQueries string

// thinkTime (-think), when set, runs the queries a second time with each
// staff member pausing that long on average (exponentially distributed, so
// the arrivals are not in step) between an answer and the next request. The
// first run has no pause: each client sends the next request the moment the
// last one answers, so 20 clients keep 20 requests in flight all the time,
// a harder load than 20 people at screens make.
var thinkTime time.Duration

type latency struct{ p50, p99 time.Duration }

// measure runs q with clients at once, n requests (or as many as fit in
// budget, at least one per client), and returns its percentiles.
func measure(ctx context.Context, s *store.Store, samples []tenantSample, q dashQuery, clients, n int, budget, think time.Duration) (latency, int, error) {
	var (
		mu    sync.Mutex
		took  []time.Duration
		next  atomic.Int64
		wg    sync.WaitGroup
		first error
	)
	deadline := time.Now().Add(budget)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			for {
				i := next.Add(1)
				if int(i) > n || (int(i) > clients && time.Now().After(deadline)) {
					return
				}
				x := samples[r.IntN(len(samples))]
				if think > 0 {
					select {
					case <-time.After(time.Duration(r.ExpFloat64() * float64(think))):
					case <-ctx.Done():
						return
					}
				}
				t0 := time.Now()
				err := q.run(ctx, s, x)
				d := time.Since(t0)
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("%s: %w", q.name, err)
				}
				took = append(took, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return latency{}, 0, first
	}
	slices.Sort(took)
	pct := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
	return latency{pct(0.50), pct(0.99)}, len(took), nil
}

// benchQueries measures every dashboard query with clients at once: back to
// back, then, when thinkTime is set, with each client pausing that long on
// average between requests. empty, when not nil, is measured the same way
// for the ratio. The tenants are sampled once for both passes.
func benchQueries(ctx context.Context, big, empty *store.Store, size store.ScaleSize, clients, n int) error {
	var bigSamples []tenantSample
	for i := 0; i < size.Tenants; i++ {
		x, err := sample(ctx, big, i, size.PatientsPerTenant)
		if err != nil {
			return err
		}
		bigSamples = append(bigSamples, x)
	}
	var emptySamples []tenantSample
	if empty != nil {
		e, err := sample(ctx, empty, 0, 0)
		if err != nil {
			return err
		}
		emptySamples = []tenantSample{e}
	}
	passes := []time.Duration{0}
	if thinkTime > 0 {
		passes = append(passes, thinkTime)
	}
	for _, think := range passes {
		if err := benchPass(ctx, big, empty, bigSamples, emptySamples, size, clients, n, think); err != nil {
			return err
		}
	}
	return nil
}

// benchPass is one pass of benchQueries, each client pausing think on
// average between requests (0: back to back).
func benchPass(ctx context.Context, big, empty *store.Store, bigSamples, emptySamples []tenantSample, size store.ScaleSize, clients, n int, think time.Duration) error {
	pace := "each sending the next request when the last one answers"
	if think > 0 {
		pace = fmt.Sprintf("each pausing %s on average (exponential) between an answer and the next request", think)
	}
	fmt.Printf("\ndashboard queries: %d concurrent staff, %s, each request a random tenant's biller (%d claims per tenant); target p99 ≤ 100 ms\n",
		clients, pace, size.ClaimsPerTenant)
	// With think time a client's requests take n/clients pauses more.
	budget := 15*time.Second + 2*time.Duration(n/max(clients, 1))*think
	fmt.Printf("%-32s %9s %9s %6s %8s %8s   %9s %9s   %8s  %s\n", "query", "p50", "p99", "n", "go CPU", "pg CPU", "empty p50", "empty p99", "p99 ×", "target")
	fmt.Printf("(go CPU, pg CPU: CPU time per request in this process and in the Postgres backends)\n")
	if think == 0 {
		// -query-cpuprofile profiles the back-to-back pass only: the paused
		// pass would write over it with a profile mostly of waiting.
		stop, err := startQueryProfile()
		if err != nil {
			return err
		}
		defer stop()
	}
	missed, ran := 0, 0
	for _, q := range dashQueries() {
		if !strings.Contains(q.name, onlyQueries) {
			continue
		}
		ran++
		// One unmeasured pass warms the plan caches of the pool.
		for _, x := range bigSamples[:min(len(bigSamples), 2)] {
			if err := q.run(ctx, big, x); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
		}
		pg0, go0 := backendCPU(ctx, big), processCPU()
		got, count, err := measure(ctx, big, bigSamples, q, clients, n, budget, think)
		if err != nil {
			return err
		}
		goCPU, pg1 := processCPU()-go0, backendCPU(ctx, big)
		pgText := "?"
		if pgCPU, ok := cpuSpent(pg0, pg1); ok {
			pgText = ms(pgCPU / time.Duration(count))
		}
		var base latency
		if empty != nil {
			if base, _, err = measure(ctx, empty, emptySamples, q, clients, n, budget-10*time.Second, think); err != nil {
				return err
			}
		}
		verdict := "ok (≤ 100 ms)"
		if got.p99 > 100*time.Millisecond {
			verdict = "MISSED (> 100 ms)"
			missed++
		}
		// -no-empty: no empty database measured, so no ratio (not a
		// division by nothing).
		baseP50, baseP99, ratio := "-", "-", "-"
		if empty != nil {
			baseP50, baseP99 = ms(base.p50), ms(base.p99)
			ratio = fmt.Sprintf("%.1f×", float64(got.p99)/float64(max(base.p99, time.Microsecond)))
		}
		fmt.Printf("%-32s %9s %9s %6d %8s %8s   %9s %9s   %8s  %s\n", q.name, ms(got.p50), ms(got.p99), count,
			ms(goCPU/time.Duration(count)), pgText, baseP50, baseP99, ratio, verdict)
	}
	fmt.Printf("queries at target: %d of %d (load average now %s)\n", ran-missed, ran, loadavg())
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
