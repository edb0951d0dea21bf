package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Data at production size (issue 20): GenerateScale fills a migrated
// database with tenants of patients, coverages, encounters and claims over
// three years of dates of service, with each claim's status history, the
// remittances and claim payments (with their adjustments) that adjudicated
// them, denials, and remittance work items. PHI is sealed under a data key
// per record and indexed with the keyed blind indexes, as CreatePatient and
// CreateCoverage write them, and each patient and coverage has its audit
// row in a hash chain. It writes with COPY, a tenant per transaction and
// several tenants at once, so it is fast enough to be run by `make bench`.
//
// What is not generated (the dashboard's measured queries do not read it):
// charge lines, claim events (the timeline), 837 batches, claim payment
// service lines, patient statements and payments, appointments.

// ScaleSize is the shape of a generated data set. Sizes are per tenant, so
// a smaller preset keeps a tenant's size (what the tenant-scoped dashboard
// queries read) and has fewer tenants.
type ScaleSize struct {
	Tenants           int // health systems, each its own tenant
	Facilities        int // facilities per tenant (claims and patients live there)
	PatientsPerTenant int
	ClaimsPerTenant   int
	Payers            int // payers per tenant, set up at the health system
	Providers         int // providers per tenant, spread over its facilities
	Years             int // dates of service span this many years, ending yesterday
}

// Patients and Claims are the set's totals.
func (z ScaleSize) Patients() int { return z.Tenants * z.PatientsPerTenant }

// Claims is the set's claim total.
func (z ScaleSize) Claims() int { return z.Tenants * z.ClaimsPerTenant }

// ScaleFull is the production size: 200 tenants, 1,000,000
// patients, 10,000,000 claims over three years.
var ScaleFull = ScaleSize{Tenants: 200, Facilities: 3, PatientsPerTenant: 5000, ClaimsPerTenant: 50000, Payers: 8, Providers: 20, Years: 3}

// ScalePresets name the sizes GenerateScale is run at: full, its tenth and
// twentieth (fewer tenants of the same size), wide (the full size's 200
// tenants with a tenth of its claims and patients each, so a tenant is the
// same share of the tables as at full size: what the planner's estimates
// for one tenant depend on), and small sets for tests.
var ScalePresets = map[string]ScaleSize{
	"full":      ScaleFull,
	"tenth":     withTenants(ScaleFull, 20),
	"twentieth": withTenants(ScaleFull, 10),
	"fortieth":  withTenants(ScaleFull, 5),
	"wide":      withPerTenant(ScaleFull, 500, 5000),
	"tiny":      {Tenants: 6, Facilities: 2, PatientsPerTenant: 150, ClaimsPerTenant: 1500, Payers: 4, Providers: 4, Years: 3},
}

func withTenants(z ScaleSize, n int) ScaleSize { z.Tenants = n; return z }

func withPerTenant(z ScaleSize, patients, claims int) ScaleSize {
	z.PatientsPerTenant, z.ClaimsPerTenant = patients, claims
	return z
}

// ScaleOptions tune a run.
type ScaleOptions struct {
	Workers int       // tenants generated at once (default 2)
	Now     time.Time // the day the three years end (default today, UTC)
	// Progress, when set, is called after each tenant is committed.
	Progress func(tenant int, rows int64, took time.Duration)
}

// ScaleStats is what a run did.
type ScaleStats struct {
	Made, Skipped int              // tenants generated; tenants already there
	Rows          map[string]int64 // rows written per table
	Elapsed       time.Duration
}

// ScaleTenantIDs are a generated tenant's fixed IDs: its health system, a
// biller (claim:read and write there, so over the whole tenant) and the
// admin that created its patients.
type ScaleTenantIDs struct {
	OrgID, BillerID, AdminID string
	Partner                  string // its clearinghouse account
}

var scaleNS = uuid.MustParse("6f1d2a9e-3c43-4bb0-9a56-2b8c1d0e5a71")

// ScaleTenant names tenant i's IDs (the same in every generated database).
func ScaleTenant(i int) ScaleTenantIDs {
	id := func(kind string) string {
		return uuid.NewSHA1(scaleNS, fmt.Appendf(nil, "tenant/%d/%s", i, kind)).String()
	}
	return ScaleTenantIDs{OrgID: id("org"), BillerID: id("biller"), AdminID: id("admin"), Partner: fmt.Sprintf("scale-t%04d", i)}
}

// ScalePCN is the patient control number of tenant i's claim n (from 0).
func ScalePCN(tenant, n int) string { return fmt.Sprintf("ZS%04d%07d", tenant, n) }

// GenerateScale generates the tenants of size that are not there yet: a
// tenant is written in one transaction, so a run that stops part-way is
// resumed by running it again (idempotent per tenant). It needs a
// superuser connection: it sets session_replication_role to replica for
// its transactions, so foreign keys are not re-checked row by row (the
// generator writes them consistent) and the claims' workflow-start
// trigger does not queue workflows for historical claims.
func (s *Store) GenerateScale(ctx context.Context, size ScaleSize, opt ScaleOptions) (ScaleStats, error) {
	if s.keys == nil {
		return ScaleStats{}, errors.New("store: GenerateScale needs keys (UseKeys)")
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	opt.Now = opt.Now.UTC().Truncate(24 * time.Hour)
	start := time.Now()
	st := ScaleStats{Rows: map[string]int64{}}
	var mu sync.Mutex
	next := atomic.Int64{}
	var wg sync.WaitGroup
	errs := make(chan error, opt.Workers)
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= size.Tenants || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				rows, made, err := s.generateTenant(ctx, size, opt.Now, i)
				if err != nil {
					errs <- fmt.Errorf("tenant %d: %w", i, err)
					return
				}
				mu.Lock()
				var n int64
				if made {
					st.Made++
					for k, v := range rows {
						st.Rows[k] += v
						n += v
					}
				} else {
					st.Skipped++
				}
				mu.Unlock()
				if opt.Progress != nil && made {
					opt.Progress(i, n, time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	st.Elapsed = time.Since(start)
	if err := <-errs; err != nil {
		return st, err
	}
	return st, ctx.Err()
}

func (s *Store) generateTenant(ctx context.Context, size ScaleSize, now time.Time, i int) (map[string]int64, bool, error) {
	ids := ScaleTenant(i)
	var exists bool
	if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orgs WHERE id = $1)`, ids.OrgID).Scan(&exists); err != nil {
		return nil, false, err
	}
	if exists {
		return nil, false, nil
	}
	g := &tenantGen{s: s, size: size, now: now, i: i, ids: ids, rng: rand.New(rand.NewPCG(uint64(i)+1, 0x5ca1e)), tables: map[string]*copyTable{}}
	if err := g.build(ctx); err != nil {
		return nil, false, err
	}
	rows := map[string]int64{}
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return fmt.Errorf("session_replication_role (the generator needs a superuser): %w", err)
		}
		// Another run may have written this tenant since the check.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, ids.OrgID); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orgs WHERE id = $1)`, ids.OrgID).Scan(&exists); err != nil || exists {
			return err
		}
		for _, name := range copyOrder {
			t := g.tables[name]
			if t == nil || len(t.rows) == 0 {
				continue
			}
			if name == "orgs" {
				// A handful of rows, and ltree has no binary COPY format pgx writes.
				for _, r := range t.rows {
					if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, parent_id, kind, name, path, created_at)
						VALUES ($1, $2, $3, $4, text2ltree($5), $6)`, r...); err != nil {
						return fmt.Errorf("insert org: %w", err)
					}
				}
				rows[name] = int64(len(t.rows))
				continue
			}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{name}, t.cols, pgx.CopyFromRows(t.rows))
			if err != nil {
				return fmt.Errorf("copy %s: %w", name, err)
			}
			rows[name] = n
		}
		// The worklist's counts per organisation and status (00171), which
		// claim_status_counts' triggers keep and COPY here does not fire.
		if _, err := tx.Exec(ctx, `INSERT INTO claim_status_counts (org_id, status, claims)
			SELECT c.org_id, c.status, count(*) FROM claims c WHERE c.tenant_id = $1 GROUP BY c.org_id, c.status`, ids.OrgID); err != nil {
			return fmt.Errorf("claim status counts: %w", err)
		}
		// The A/R aggregates (00172), which the claims' trigger keeps and
		// which do not run under COPY here: the migration's backfill, for
		// the tenant's organisations.
		if _, err := tx.Exec(ctx, `SELECT ar_aging_add_claims(array(SELECT o.id FROM orgs o
			WHERE o.path <@ (SELECT t.path FROM orgs t WHERE t.id = $1)))`, ids.OrgID); err != nil {
			return fmt.Errorf("A/R aggregates: %w", err)
		}
		n, err := g.audit(ctx, tx)
		rows["audit_log"] = n
		return err
	})
	return rows, err == nil, err
}

// copyOrder is the order tables are written in (parents first).
var copyOrder = []string{"orgs", "users", "role_grants", "trading_partner_orgs", "payers", "providers", "patients", "coverages",
	"encounters", "claim_batches", "claims", "batch_claims", "claim_status_history", "remittances", "claim_payments", "claim_adjustments", "claim_denials", "remit_work_queue"}

type copyTable struct {
	cols []string
	rows [][]any
}

func (g *tenantGen) add(table string, cols []string, row ...any) {
	t := g.tables[table]
	if t == nil {
		t = &copyTable{cols: cols}
		g.tables[table] = t
	}
	t.rows = append(t.rows, row)
}

// v7 is a UUIDv7 for a record created at t (IDs sort by creation, as
// newID's do).
func v7(t time.Time, r *rand.Rand) [16]byte {
	var u [16]byte
	ms := uint64(t.UnixMilli())
	for k := 0; k < 6; k++ {
		u[k] = byte(ms >> (40 - 8*k))
	}
	a, b := r.Uint64(), r.Uint64()
	for k := 6; k < 16; k++ {
		if k < 14 {
			u[k] = byte(a >> (8 * (k - 6)))
		} else {
			u[k] = byte(b >> (8 * (k - 14)))
		}
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u
}

func mustUUID(s string) [16]byte { return uuid.MustParse(s) }
