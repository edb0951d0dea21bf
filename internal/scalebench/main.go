// Command scalebench measures claimflow at production size (issue 20): it
// generates a database of the chosen size through the real schema
// (store.GenerateScale: sealed PHI, blind indexes, audit chains), times
// the dashboard's queries with concurrent staff against it and against an
// empty database, and posts an 835 of many claim payments through the
// posting activity. scripts/bench-scale.sh runs it under `make bench`; it
// is a measurement, not a test.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

func main() {
	preset := flag.String("preset", "fortieth", "size: "+presetNames())
	tenants := flag.Int("tenants", 0, "override the preset's tenant count (tenants keep the preset's size)")
	workers := flag.Int("workers", 2, "tenants generated at once")
	db := flag.String("db", "scale_bench", "database to fill (kept, so a later run resumes or reuses it)")
	keyFile := flag.String("key-file", ".data/scale/kek.json", "local key file the generated PHI is sealed under (kept with the database)")
	clients := flag.Int("clients", 20, "concurrent staff in the query benchmark")
	perQuery := flag.Int("requests", 200, "requests per query (spread over the clients)")
	post := flag.Int("post", 10000, "claim payments in the 835 posted (0 skips the posting benchmark)")
	genOnly := flag.Bool("generate-only", false, "generate (or resume) and stop")
	flag.StringVar(&postingProfile, "posting-cpuprofile", "", "write a CPU profile of the 835 posting (the first Post call) to this file")
	flag.StringVar(&onlyQueries, "only", "", "run only the dashboard queries whose name contains this (all when empty)")
	flag.StringVar(&queryProfile, "query-cpuprofile", "", "write a CPU profile of the dashboard queries on the large database to this file")
	flag.BoolVar(&noEmpty, "no-empty", false, "skip the same queries on the empty database")
	flag.DurationVar(&thinkTime, "think", 0, "also measure the queries with each staff member pausing this long on average between requests (0: back to back only)")
	queries := flag.Bool("queries", true, "run the dashboard query benchmark (false: generation and 835 posting only)")
	flag.Parse()
	size, ok := store.ScalePresets[*preset]
	if !ok {
		fail(fmt.Errorf("no preset %q (%s)", *preset, presetNames()))
	}
	if *tenants > 0 {
		size.Tenants = *tenants
	}
	ctx := context.Background()
	if err := run(ctx, size, *preset, *workers, *db, *keyFile, *clients, *perQuery, *post, *genOnly, *queries); err != nil {
		fail(err)
	}
}

func presetNames() string {
	return "full (200 tenants, 1M patients, 10M claims), tenth, twentieth, fortieth, wide (200 tenants of 5,000 claims), tiny"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scalebench:", err)
	os.Exit(1)
}

func baseURL() string {
	if u := os.Getenv("CLAIMFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// open opens (creating and migrating) database name with the key file's keys.
func open(ctx context.Context, name, keyFile string) (*store.Store, error) {
	dsn, err := store.WithDatabase(baseURL(), name)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := s.MigrateUp(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		s.Close()
		return nil, err
	}
	k, err := keyring.OpenLocal(keyFile)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	return s, nil
}

func run(ctx context.Context, size store.ScaleSize, preset string, workers int, db, keyFile string, clients, perQuery, post int, genOnly, queries bool) error {
	fmt.Printf("== Data at production size (issue 20) ==\n")
	fmt.Printf("machine: %d CPUs, load average %s (shared: every figure below includes waiting for the CPU)\n", runtime.NumCPU(), loadavg())
	fmt.Printf("size used: preset %s, %d tenants × %d patients × %d claims = %d patients, %d claims over %d years (full: %d patients, %d claims)\n",
		preset, size.Tenants, size.PatientsPerTenant, size.ClaimsPerTenant, size.Patients(), size.Claims(), size.Years,
		store.ScaleFull.Patients(), store.ScaleFull.Claims())
	s, err := open(ctx, db, keyFile)
	if err != nil {
		return fmt.Errorf("open %s: %w", db, err)
	}
	defer s.Close()
	st, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: workers, Progress: func(i int, rows int64, took time.Duration) {
		fmt.Fprintf(os.Stderr, "  tenant %d: %d rows in %s\n", i, rows, took.Round(time.Millisecond))
	}})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	reportGeneration(st, size)
	if st.Made > 0 {
		// VACUUM as well as ANALYZE: a production Postgres vacuums a table
		// after inserts (autovacuum's insert threshold, Postgres 13 on),
		// which sets the visibility map the index-only scans rely on. A
		// database just written by COPY has none, and autovacuum may be off
		// where this runs (the development machines run with it off): without it
		// every index-only scan reads the table too, and the planner, which
		// knows, picks other plans than production would.
		t0 := time.Now()
		if _, err := s.Pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
			return err
		}
		fmt.Printf("VACUUM (ANALYZE) took %s\n", time.Since(t0).Round(time.Millisecond))
	}
	if genOnly {
		return nil
	}
	if queries {
		empty, err := emptyDatabase(ctx, keyFile)
		if err != nil {
			return fmt.Errorf("empty database: %w", err)
		}
		defer empty.Close()
		if noEmpty {
			empty = nil
		}
		if err := benchQueries(ctx, s, empty, size, clients, perQuery); err != nil {
			return err
		}
	}
	if post > 0 {
		if err := benchPosting(ctx, s, size, post); err != nil {
			return fmt.Errorf("835 posting: %w", err)
		}
	}
	return nil
}

func reportGeneration(st store.ScaleStats, size store.ScaleSize) {
	var rows int64
	names := make([]string, 0, len(st.Rows))
	for k, v := range st.Rows {
		rows += v
		names = append(names, fmt.Sprintf("%s %d", k, v))
	}
	if st.Made == 0 {
		fmt.Printf("generation: all %d tenants were already there (reused)\n", st.Skipped)
		return
	}
	secs := st.Elapsed.Seconds()
	claims := float64(st.Rows["claims"])
	fmt.Printf("generation: %d tenants made (%d already there) in %s: %d rows (%.0f rows/s), %.0f claims/s, %.0f patients/s\n",
		st.Made, st.Skipped, st.Elapsed.Round(time.Millisecond), rows, float64(rows)/secs, claims/secs, float64(st.Rows["patients"])/secs)
	if claims > 0 {
		full := time.Duration(float64(store.ScaleFull.Claims()) / (claims / secs) * float64(time.Second))
		fmt.Printf("extrapolated to the full size (%d claims) at this rate: %s (linear in claims; index growth makes it slower)\n",
			store.ScaleFull.Claims(), full.Round(time.Second))
	}
	fmt.Printf("rows: %s\n", strings.Join(names, ", "))
}

// emptyDatabase is a migrated database with one generated tenant's set-up
// and no patients or claims: the same queries' floor.
func emptyDatabase(ctx context.Context, keyFile string) (*store.Store, error) {
	const name = "scale_empty"
	s, err := open(ctx, name, keyFile)
	if err != nil {
		return nil, err
	}
	empty := store.ScaleSize{Tenants: 1, Facilities: 3, Payers: 8, Providers: 20, Years: 3}
	if _, err := s.GenerateScale(ctx, empty, store.ScaleOptions{Workers: 1}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

var errTarget = errors.New("a figure missed its target")

// loadavg is /proc/loadavg's 1-, 5- and 15-minute figures ("?" elsewhere).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
