// Command loadgen measures booking latency through the real HTTP API and
// Postgres: it creates a scratch database, starts the API in process on a
// loopback port, and has C concurrent clients book appointments (unique
// slots across a few providers) over HTTP, then prints p50/p90/p99.
// scripts/bench-booking.sh runs it; it is a measurement, not a test.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

var (
	keep     *bool
	setupSQL string
	batches  store.BookingBatches
	idemKeys bool
)

func main() {
	clients := flag.Int("clients", 100, "concurrent clients")
	requests := flag.Int("requests", 10000, "bookings in the measured run")
	warmup := flag.Int("warmup", 1000, "bookings before measuring")
	pool := flag.Int("pool", 16, "Postgres connections in the API's pool")
	providers := flag.Int("providers", 10, "providers the bookings spread over")
	keep = flag.Bool("keep", false, "keep the scratch database (for EXPLAIN) and print its name")
	rate := flag.Float64("rate", 0, "offered bookings per second across all clients (0 = each client books again as soon as it has an answer); latency is counted from each booking's scheduled time")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured run (server and clients) to this file")
	flag.IntVar(&batches.Runners, "batch-runners", 0, "booking batch transactions at once (0 = the store's default)")
	flag.IntVar(&batches.Max, "batch-max", 0, "most bookings in one transaction (0 = the store's default, 1 = no batching)")
	flag.BoolVar(&idemKeys, "idempotency-keys", false, "send a fresh Idempotency-Key with every booking (as a client that retries safely would)")
	flag.StringVar(&setupSQL, "setup-sql", "", "run this SQL in the scratch database after migrating (for experiments: drop an index, disable a trigger, and compare)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*clients, *requests, *warmup, *pool, *providers, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(clients, requests, warmup, poolSize, nprov int, rate float64) error {
	ctx := context.Background()
	base := os.Getenv("CLAIMFLOW_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	db := "cf_bench_booking_" + hex.EncodeToString(rb[:])
	dsn, err := store.WithDatabase(base, db)
	if err != nil {
		return err
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := store.Open(ctx, dsn+sep+fmt.Sprintf("pool_max_conns=%d", poolSize))
	if err != nil {
		return err
	}
	defer func() {
		s.Close()
		if *keep {
			fmt.Println("kept database", db)
			return
		}
		_ = store.DropDatabase(context.Background(), base, db)
	}()
	if _, err := s.MigrateUp(ctx); err != nil {
		return err
	}
	if setupSQL != "" {
		if _, err := s.Pool.Exec(ctx, setupSQL); err != nil {
			return fmt.Errorf("setup-sql: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "claimflow-loadgen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	k, err := keyring.OpenLocal(filepath.Join(dir, "kek.json"))
	if err != nil {
		return err
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	s.UseBookingBatches(batches)

	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "BENCH HEALTH SYSTEM"})
	if err != nil {
		return err
	}
	fac, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "BENCH FACILITY", ParentID: root.ID})
	if err != nil {
		return err
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: fac.ID, Kind: "system", Login: "bench", DisplayName: "bench"})
	if err != nil {
		return err
	}
	if err := s.Grant(ctx, store.System, u.ID, fac.ID, "scheduler_system"); err != nil {
		return err
	}
	tok, err := s.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		return err
	}
	npis := []string{"1234567893", "1245319599", "1234567802", "1234567810", "1234567828", "1234567836", "1234567844"}
	var provs, pats []string
	for i := 0; i < nprov; i++ {
		p, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: fac.ID, NPI: npis[i%len(npis)], LastName: fmt.Sprintf("BENCHDOC %d", i), Taxonomy: "207Q00000X"})
		if err != nil && i >= len(npis) {
			// NPIs repeat across more providers than sample NPIs: put them in departments.
			dep, derr := s.CreateOrg(ctx, store.System, store.Org{Kind: "department", Name: fmt.Sprintf("BENCH DEPT %d", i), ParentID: fac.ID})
			if derr != nil {
				return derr
			}
			p, err = s.CreateProvider(ctx, store.System, store.Provider{OrgID: dep.ID, NPI: npis[i%len(npis)], LastName: fmt.Sprintf("BENCHDOC %d", i), Taxonomy: "207Q00000X"})
		}
		if err != nil {
			return err
		}
		provs = append(provs, p.ID)
		pt, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: fac.ID, FirstName: "TESTPATIENT", LastName: fmt.Sprintf("BENCH%d", i), BirthDate: "1900-01-01", Sex: "U"})
		if err != nil {
			return err
		}
		pats = append(pats, pt.ID)
	}

	srv := &http.Server{Handler: api.New(api.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Records: s}), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/v1/appointments"

	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	var next atomic.Int64
	book := func(scheduled time.Time) (time.Duration, int, error) {
		n := next.Add(1)
		i := int(n) % nprov
		at := start.Add(time.Duration(n/int64(nprov)) * 30 * time.Minute)
		body := fmt.Sprintf(`{"provider_id":%q,"patient_id":%q,"visit_type":"bench","starts_at":%q,"ends_at":%q}`,
			provs[i], pats[i], at.Format(time.RFC3339), at.Add(30*time.Minute).Format(time.RFC3339))
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if idemKeys {
			req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", n))
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return time.Since(scheduled), res.StatusCode, nil
	}
	phase := func(total int) ([]time.Duration, map[int]int, time.Duration, error) {
		lat := make([]time.Duration, 0, total)
		codes := map[int]int{}
		var mu sync.Mutex
		var firstErr error
		var left atomic.Int64
		left.Store(int64(total))
		var wg sync.WaitGroup
		t0 := time.Now()
		// With a rate, a scheduler hands out booking times; a booking that
		// waits for a free client counts that wait (no coordinated omission).
		var slots chan time.Time
		if rate > 0 {
			slots = make(chan time.Time, total)
			go func() {
				interval := time.Duration(float64(time.Second) / rate)
				for i := 0; i < total; i++ {
					at := t0.Add(time.Duration(i) * interval)
					time.Sleep(time.Until(at))
					slots <- at
				}
			}()
		}
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					scheduled := time.Now()
					if slots != nil {
						scheduled = <-slots
					}
					d, code, err := book(scheduled)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					lat = append(lat, d)
					codes[code]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return lat, codes, time.Since(t0), firstErr
	}
	if _, _, _, err := phase(warmup); err != nil {
		return err
	}
	lat, codes, wall, err := phase(requests)
	if err != nil {
		return err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	var rows int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM appointments`).Scan(&rows); err != nil {
		return err
	}
	mode := "closed loop (each client books again at once)"
	if rate > 0 {
		mode = fmt.Sprintf("offered %.0f bookings/s", rate)
	}
	if idemKeys {
		mode += ", an Idempotency-Key on each"
	}
	fmt.Printf("booking through HTTP + Postgres: %d clients, %s, %d bookings (after %d warm-up), pool %d, %d providers\n", clients, mode, requests, warmup, poolSize, nprov)
	fmt.Printf("  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms   %.0f bookings/s\n", pct(.50), pct(.90), pct(.99), pct(1), float64(requests)/wall.Seconds())
	fmt.Printf("  statuses %v; appointment rows %d (target p99 <= 50 ms)\n", codes, rows)
	st := s.BookingStats()
	fmt.Printf("  %d bookings in %d transactions (largest %d; %d batch transactions retried one by one)\n", st.Bookings, st.Transactions, st.Largest, st.Fallbacks)
	return nil
}
