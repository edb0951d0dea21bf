package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// scaleTables are the tables that grow with the data (at production size,
// millions of rows): no dashboard query may read one sequentially.
var scaleTables = []string{"claims", "patients", "coverages", "encounters", "claim_status_history", "claim_payments",
	"claim_adjustments", "claim_denials", "remittances", "remittance_payment_counts", "remittance_payment_totals", "remit_work_queue", "audit_log"}

// TestScaleData generates the tiny preset (six tenants of 1,500 claims)
// through the real schema and checks what the generator promises, then
// runs EXPLAIN on every statement each dashboard query sends, with the
// planner statistics of ANALYZE and sequential scans allowed, and fails on
// a sequential scan of a table that grows with the data.
func TestScaleData(t *testing.T) {
	ctx := context.Background()
	s, dsn := newStore(t)
	size := store.ScalePresets["tiny"]
	st, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Made != size.Tenants || st.Rows["claims"] != int64(size.Claims()) || st.Rows["patients"] != int64(size.Patients()) {
		t.Fatalf("made %d tenants, %d claims, %d patients; want %d, %d, %d", st.Made, st.Rows["claims"], st.Rows["patients"],
			size.Tenants, size.Claims(), size.Patients())
	}
	if st.Rows["claim_status_history"] < 3*int64(size.Claims()) || st.Rows["claim_payments"] < int64(size.Claims())/2 ||
		st.Rows["remit_work_queue"] == 0 || st.Rows["claim_denials"] == 0 || st.Rows["audit_log"] != 2*int64(size.Patients()) {
		t.Errorf("rows: %v", st.Rows)
	}
	t.Run("idempotent per tenant", func(t *testing.T) {
		again, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if again.Made != 0 || again.Skipped != size.Tenants {
			t.Errorf("second run made %d, skipped %d", again.Made, again.Skipped)
		}
		var n int64
		if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM claims`).Scan(&n); err != nil || n != int64(size.Claims()) {
			t.Errorf("claims after the second run = %d, %v", n, err)
		}
	})
	t.Run("the claims' read model agrees (00165, 00167, 00172)", func(t *testing.T) {
		allClaimsAgree(t, s)
		allARFactsAgree(t, s)
		arAggregatesAgree(t, s)
		var kept int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM ar_days`).Scan(&kept); err != nil || kept == 0 {
			t.Errorf("the generator wrote %d A/R aggregate rows, %v", kept, err)
		}
	})
	t.Run("the claims' tenant and the kept status counts agree (00171)", func(t *testing.T) {
		worklistKeptAgree(t, s)
	})
	t.Run("the remittances' kept payment counts agree (00176)", func(t *testing.T) {
		remittanceCountsAgree(t, s)
		var owned int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM remittance_payment_counts WHERE unmatched > 0`).Scan(&owned); err != nil || owned == 0 {
			t.Errorf("the generator left %d remittances counted with an unmatched claim payment, %v", owned, err)
		}
	})
	t.Run("audit chains verify", func(t *testing.T) {
		rep, err := s.VerifyAudit(ctx)
		if err != nil || !rep.OK || rep.Rows != 2*int64(size.Patients()) {
			t.Errorf("VerifyAudit = %+v, %v", rep, err)
		}
	})
	biller := func(i int) store.Actor {
		return store.Actor{UserID: store.ScaleTenant(i).BillerID, SourceIP: "192.0.2.1", RequestID: "scale-test"}
	}
	t.Run("the A/R from the aggregates is the per-claim query's (00172)", func(t *testing.T) {
		for i := range size.Tenants {
			for _, asOf := range []string{time.Now().UTC().Format(time.DateOnly), "2025-01-31"} {
				receivablesBothWays(t, s, fmt.Sprintf("generated, tenant %d's biller", i), biller(i), asOf)
			}
		}
	})
	t.Run("sealed, searchable, and each tenant sees its own", func(t *testing.T) {
		var sealedName []byte
		var pid string
		if err := s.Pool.QueryRow(ctx, `SELECT id::text, last_name FROM patients LIMIT 1`).Scan(&pid, &sealedName); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealedName), "Test") {
			t.Errorf("last name stored in the clear")
		}
		var orgOf string
		if err := s.Pool.QueryRow(ctx, `SELECT o.path::text FROM patients p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1`, pid).Scan(&orgOf); err != nil {
			t.Fatal(err)
		}
		owner := 0
		if !strings.HasPrefix(orgOf, strings.ReplaceAll(store.ScaleTenant(0).OrgID, "-", "_")) {
			owner = 1
		}
		p, err := s.GetPatient(ctx, biller(owner), pid)
		if err != nil || !strings.HasPrefix(p.LastName, "Test") {
			t.Fatalf("GetPatient = %q, %v", p.LastName, err)
		}
		if _, err := s.GetPatient(ctx, biller(1-owner), pid); err == nil {
			t.Errorf("the other tenant's biller read the patient")
		}
		found, _, err := s.DashClaims(ctx, biller(owner), store.DashClaimFilter{Search: rcm.ClaimSearch{LastName: p.LastName}}, store.Page{Limit: 200})
		if err != nil || len(found) == 0 {
			t.Fatalf("search by last name: %d claims, %v", len(found), err)
		}
		other, _, err := s.DashClaims(ctx, biller(1-owner), store.DashClaimFilter{Search: rcm.ClaimSearch{LastName: p.LastName}}, store.Page{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range other {
			if c.PatientID == pid {
				t.Errorf("the other tenant found claim %s of the patient", c.ID)
			}
		}
		for i := 0; i < size.Tenants; i++ {
			counts, _, err := s.DashStatusCounts(ctx, biller(i), store.DashClaimFilter{})
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, c := range counts {
				total += c.Count
			}
			if total != size.ClaimsPerTenant {
				t.Errorf("tenant %d's biller sees %d claims, want %d", i, total, size.ClaimsPerTenant)
			}
		}
	})
	t.Run("every dashboard query plans through indexes", func(t *testing.T) {
		if _, err := s.Pool.Exec(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		explainDashboard(t, s, dsn, biller(0))
	})
}

// knownSeqScans are sequential scans found and not fixed yet, each with
// why (issue 20): the test reports them, and fails when one disappears so
// that the entry is removed with the fix.
var knownSeqScans = map[string][]string{
	// (The remittance version's count of every remittance the caller owns,
	// which read remittances whole on the tiny preset, sums kept counts
	// since 00180.)
}

// dashboardStatement is one statement a dashboard query sent.
type dashboardStatement struct {
	query string // the dashboard query's name
	sql   string
	args  []any
}

// dashboardStatements runs every dashboard query as actor a (a biller of
// a generated tenant) through a traced copy of s and returns the
// statements each sent (SELECT and WITH only: the audit rows they write
// are not reads), in order.
func dashboardStatements(t *testing.T, s *store.Store, dsn string, a store.Actor) []dashboardStatement {
	t.Helper()
	ctx := context.Background()
	ts, log, err := s.TracedCopy(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	var payer, provider, pcn, icn string
	if err := s.Pool.QueryRow(ctx, `SELECT c.payer_id::text, c.provider_id::text, c.patient_control_number, cp.payer_claim_number
		FROM claims c JOIN claim_payments cp ON cp.claim_id = c.id WHERE c.org_id IN (SELECT id FROM visible_orgs($1, 'claim:read')) LIMIT 1`,
		a.UserID).Scan(&payer, &provider, &pcn, &icn); err != nil {
		t.Fatal(err)
	}
	from, to := time.Now().AddDate(0, -2, 0), time.Now().AddDate(0, -1, 0)
	minC, maxC := int64(10000), int64(20000)
	dos := time.Now().AddDate(0, 0, -40).Format(time.DateOnly)
	list := func(f store.DashClaimFilter) func() error {
		return func() error { _, _, err := ts.DashClaims(ctx, a, f, store.Page{}); return err }
	}
	counts := func(f store.DashClaimFilter) func() error {
		return func() error { _, _, err := ts.DashStatusCounts(ctx, a, f); return err }
	}
	search := func(x rcm.ClaimSearch) store.DashClaimFilter { return store.DashClaimFilter{Search: x} }
	var out []dashboardStatement
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"worklist", list(store.DashClaimFilter{})},
		{"worklist counts", counts(store.DashClaimFilter{})},
		{"worklist by status", list(store.DashClaimFilter{Status: "accepted"})},
		{"worklist by payer", list(store.DashClaimFilter{PayerID: payer})},
		{"worklist counts by payer", counts(store.DashClaimFilter{PayerID: payer})},
		{"worklist by provider", list(store.DashClaimFilter{ProviderID: provider})},
		{"worklist by created", list(store.DashClaimFilter{From: &from, To: &to})},
		{"worklist by amount", list(store.DashClaimFilter{MinCents: &minC, MaxCents: &maxC})},
		{"worklist sorted by date of service", list(store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortDOS, Desc: true}})},
		{"worklist sorted by status", list(store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortStatus}})},
		{"worklist sorted by balance", list(store.DashClaimFilter{Status: "accepted,partially_paid", Sort: rcm.ClaimSort{Key: rcm.SortBalance, Desc: true}})},
		{"search box name", list(search(rcm.ClaimSearch{Q: "Testbakori"}))},
		{"search box first last", list(search(rcm.ClaimSearch{Q: "Alpha Testbakori"}))},
		{"search box control number", list(search(rcm.ClaimSearch{Q: pcn}))},
		{"search box date", list(search(rcm.ClaimSearch{Q: dos}))},
		{"search payer claim number", list(search(rcm.ClaimSearch{PayerClaimNumber: icn}))},
		{"search member ID", list(search(rcm.ClaimSearch{MemberID: "ZZM0000000001"}))},
		{"search first name", list(search(rcm.ClaimSearch{FirstName: "Alpha"}))},
		{"search date of service", list(search(rcm.ClaimSearch{DOSFrom: dos, DOSTo: dos}))},
		{"denials queue", list(store.DashClaimFilter{Status: "needs_correction,appeal_pending,rejected,scrub_failed,appeal_lapsed"})},
		{"remittances", func() error { _, _, err := ts.DashRemittances(ctx, a, store.Page{}); return err }},
		{"work queue", func() error { _, err := ts.DashWorkQueue(ctx, a); return err }},
		{"remittance version", func() error { _, err := ts.DashRemittanceVersion(ctx, a); return err }},
		{"A/R aging and analytics", func() error { _, err := ts.DashReceivables(ctx, a); return err }},
	} {
		log.Take()
		if err := q.run(); err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		n := 0
		for _, st := range log.Take() {
			sql := strings.TrimSpace(st.SQL)
			for strings.HasPrefix(sql, "--") { // sqlc's name comment
				_, sql, _ = strings.Cut(sql, "\n")
				sql = strings.TrimSpace(sql)
			}
			if !strings.HasPrefix(sql, "SELECT") && !strings.HasPrefix(sql, "WITH") {
				continue
			}
			if strings.Contains(sql, "FROM audit_head") {
				continue // the chain head (32 rows) an audited read locks
			}
			out = append(out, dashboardStatement{query: q.name, sql: sql, args: st.Args})
			n++
		}
		if n == 0 {
			t.Errorf("%s: no statement sent", q.name)
		}
	}
	return out
}

func explainDashboard(t *testing.T, s *store.Store, dsn string, a store.Actor) {
	byQuery := map[string][]dashboardStatement{}
	var names []string
	for _, st := range dashboardStatements(t, s, dsn, a) {
		if byQuery[st.query] == nil {
			names = append(names, st.query)
		}
		byQuery[st.query] = append(byQuery[st.query], st)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, st := range byQuery[name] {
				plan := explain(t, s, "EXPLAIN "+st.sql, st.args)
				for _, table := range scaleTables {
					if !strings.Contains(plan, "Seq Scan on "+table+" ") {
						continue
					}
					seen[table] = true
					if slices.Contains(knownSeqScans[name], table) {
						t.Logf("known: scans %s sequentially:\n%s\n%s", table, st.sql, plan)
						continue
					}
					t.Errorf("scans %s sequentially:\n%s\n%s", table, st.sql, plan)
				}
			}
			for _, table := range knownSeqScans[name] {
				if !seen[table] {
					t.Errorf("no longer scans %s sequentially: remove it from knownSeqScans", table)
				}
			}
		})
	}
}

// TestScaleExplainAnalyze prints EXPLAIN (ANALYZE, BUFFERS) of every
// statement of every dashboard query, as tenant 0's biller, against a
// database scalebench generated (issue 20: where the time goes at
// production size). It runs only when CLAIMFLOW_SCALE_EXPLAIN_DB names
// that database, with CLAIMFLOW_SCALE_EXPLAIN_KEYS its key file; the
// queries write their audit rows there.
func TestScaleExplainAnalyze(t *testing.T) {
	s, dsn, _ := openScaleExplainDB(t)
	a := store.Actor{UserID: store.ScaleTenant(0).BillerID, SourceIP: "192.0.2.1", RequestID: "scale-explain"}
	only := os.Getenv("CLAIMFLOW_SCALE_EXPLAIN_ONLY")
	for _, st := range dashboardStatements(t, s, dsn, a) {
		if only != "" && !strings.Contains(st.query, only) {
			continue
		}
		fmt.Printf("== %s\n%s\n%s\n", st.query, st.sql, explainAnalyzeRolledBack(t, s, st.sql, st.args))
	}
}

// explainAnalyzeRolledBack runs EXPLAIN (ANALYZE, BUFFERS) of sql in a
// transaction it rolls back, so the statements a query writes (the audit
// row a list adds) run without staying. A write the query already made
// with the same arguments (the audit row's ID) would break its unique key
// when run again: that statement's plan is printed without ANALYZE.
func explainAnalyzeRolledBack(t *testing.T, s *store.Store, sql string, args []any) string {
	t.Helper()
	ctx := context.Background()
	run := func(prefix string) (string, error) {
		tx, err := s.Pool.Begin(ctx)
		if err != nil {
			return "", err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		return planText(ctx, tx, prefix+sql, args)
	}
	plan, err := run("EXPLAIN (ANALYZE, BUFFERS) ")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		plan, err = run("EXPLAIN ")
		plan = "(plan only: the query already wrote this row)\n" + plan
	}
	if err != nil {
		t.Fatalf("EXPLAIN ANALYZE %s: %v", sql, err)
	}
	return plan
}

func explain(t *testing.T, s *store.Store, sql string, args []any) string {
	t.Helper()
	plan, err := planText(context.Background(), s.Pool, sql, args)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return plan
}

// planText runs an EXPLAIN statement on q and returns its lines.
func planText(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string, args []any) (string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		fmt.Fprintln(&b, line)
	}
	return b.String(), rows.Err()
}

// openScaleExplainDB opens the database scalebench generated that
// CLAIMFLOW_SCALE_EXPLAIN_DB names, with the key file
// CLAIMFLOW_SCALE_EXPLAIN_KEYS, and returns the store and its DSN (closed
// when the test ends) and the database's keys; without both variables the
// test is skipped.
func openScaleExplainDB(t *testing.T) (*store.Store, string, store.Keys) {
	t.Helper()
	db, keyFile := os.Getenv("CLAIMFLOW_SCALE_EXPLAIN_DB"), os.Getenv("CLAIMFLOW_SCALE_EXPLAIN_KEYS")
	if db == "" || keyFile == "" {
		t.Skip("CLAIMFLOW_SCALE_EXPLAIN_DB and CLAIMFLOW_SCALE_EXPLAIN_KEYS not set")
	}
	base := os.Getenv("CLAIMFLOW_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dsn, err := store.WithDatabase(base, db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	k, err := keyring.OpenLocal(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	keys := store.KeysFrom[*keyring.DataKey](k)
	s.UseKeys(keys)
	return s, dsn, keys
}
