package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// listCase is one list of the worklist without a search.
type listCase struct {
	name   string
	filter store.DashClaimFilter
}

// listCases are every sort in both directions, alone and with each
// filter (one status, several, payer, provider, created range, amount).
func listCases(payer, provider string) []listCase {
	from, to := time.Now().AddDate(0, -2, 0), time.Now().AddDate(0, -1, 0)
	minC, maxC := int64(10000), int64(20000)
	filters := []listCase{
		{"", store.DashClaimFilter{}},
		{"status", store.DashClaimFilter{Status: "accepted"}},
		{"statuses", store.DashClaimFilter{Status: "needs_correction,appeal_pending,rejected,scrub_failed,appeal_lapsed"}},
		{"payer", store.DashClaimFilter{PayerID: payer}},
		{"provider", store.DashClaimFilter{ProviderID: provider}},
		{"created", store.DashClaimFilter{From: &from, To: &to}},
		{"amount", store.DashClaimFilter{MinCents: &minC, MaxCents: &maxC}},
	}
	var out []listCase
	for _, key := range rcm.ClaimSortKeys {
		for _, desc := range []bool{true, false} {
			for _, f := range filters {
				c := f
				c.filter.Sort = rcm.ClaimSort{Key: key, Desc: desc}
				c.name = fmt.Sprintf("%s desc=%v %s", key, desc, f.name)
				out = append(out, c)
			}
		}
	}
	return out
}

// TestScaleListGenericPlans checks the generic plan of every statement
// the worklist without a search sends (every sort, both directions, each
// filter, the first page and the page after its cursor) against a
// database scalebench generated (CLAIMFLOW_SCALE_EXPLAIN_DB, as
// TestScaleExplainAnalyze; run it on a database of few tenants and on
// one of many). A shape with a DashClaimsListed statement runs its
// generic plan (ForceGenericPlans), which must read each tenant's claims
// in the sort's order from an index of the tenant and stop after the
// page (no sort under the tenant's LIMIT), for every sort but the payer's
// (no index: the payer's name is not on the claim); the other shapes
// (a created range; a filter besides the sort's index) must send
// DashClaimsSorted. Then, on one connection, each of the bench's lists
// must have run its statement's generic plan.
func TestScaleListGenericPlans(t *testing.T) {
	ctx := context.Background()
	s, dsn, keys := openScaleExplainDB(t)
	a := store.Actor{UserID: store.ScaleTenant(0).BillerID, SourceIP: "192.0.2.1", RequestID: "scale-generic"}
	ts, log, err := s.TracedCopy(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	var payer, provider string
	if err := s.Pool.QueryRow(ctx, `SELECT c.payer_id::text, c.provider_id::text FROM claims c
		WHERE c.org_id IN (SELECT id FROM visible_orgs($1, 'claim:read')) LIMIT 1`, a.UserID).Scan(&payer, &provider); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	verbose := os.Getenv("CLAIMFLOW_SCALE_EXPLAIN_VERBOSE") != ""
	checked := 0
	for _, c := range listCases(payer, provider) {
		p := store.Page{}
		for page := 1; page <= 2; page++ {
			log.Take()
			rows, next, err := ts.DashClaims(ctx, a, c.filter, p)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var sql string
			var args []any
			sorted := false
			for _, st := range log.Take() {
				if strings.HasPrefix(st.SQL, "-- DashClaimsListed") {
					sql, args = st.SQL, st.Args
				}
				if strings.Contains(st.SQL, "name: DashClaimsSorted") {
					sorted = true
				}
			}
			f := c.filter
			// A created range of at most 93 days in the created sort, alone:
			// the range's IDs from claims_tenant_created, sorted (00181).
			createdRange := f.Sort.Key == rcm.SortCreated && f.From != nil && f.To != nil && f.To.Sub(*f.From) <= 93*24*time.Hour &&
				f.Status == "" && f.PayerID == "" && f.ProviderID == "" && f.MinCents == nil && f.MaxCents == nil
			listed := createdRange || f.From == nil && f.To == nil && f.MinCents == nil && f.MaxCents == nil &&
				(f.Sort.Key == rcm.SortCreated || (f.Status == "" && f.PayerID == "" && f.ProviderID == "") ||
					(f.Sort.Key == rcm.SortBalance && f.PayerID == "" && f.ProviderID == ""))
			if !listed {
				if sql != "" || !sorted {
					t.Errorf("%s page %d: want DashClaimsSorted's custom plan, sent DashClaimsListed %v, DashClaimsSorted %v", c.name, page, sql != "", sorted)
				}
				break
			}
			if sql == "" {
				if page == 2 && len(rows) == 0 {
					break // no claim after the cursor: nothing read
				}
				t.Fatalf("%s page %d: no DashClaimsListed sent", c.name, page)
			}
			plan := genericPlan(t, conn.Conn(), sql, args)
			pageSorted, scans := tenantPageSorted(plan)
			if verbose {
				fmt.Printf("== %s page %d: sorted under the tenant's limit %v, scans %s\n", c.name, page, pageSorted, strings.Join(scans, ", "))
			}
			if len(scans) == 0 {
				t.Errorf("%s page %d: no scan of claims in %s", c.name, page, plan)
			}
			if createdRange {
				// The range is read from the index alone and its IDs sorted;
				// only the page's claims come from the table, by primary key.
				// A plan reading the table under the sort (or the tenant's
				// claims in ID order from the table) fails.
				if len(scans) != 2 || !strings.HasPrefix(scans[0], "Index Only Scan claims_tenant_created filter") ||
					!strings.HasPrefix(scans[1], "Index Scan claims_pkey filter") {
					t.Errorf("%s page %d: want the range from claims_tenant_created alone, then the page by primary key; scans %s",
						c.name, page, strings.Join(scans, ", "))
				}
			} else if f.Sort.Key != rcm.SortPayer && pageSorted {
				t.Errorf("%s page %d: the generic plan sorts a tenant's claims (scans %s)", c.name, page, strings.Join(scans, ", "))
			}
			// The filter's condition is the index's (else how many claims
			// are read depends on how many it matches).
			for _, sc := range scans {
				if _, filter, _ := strings.Cut(sc, " filter "); strings.Contains(filter, "status") ||
					strings.Contains(filter, "payer_id") || strings.Contains(filter, "provider_id") {
					t.Errorf("%s page %d: the filter is not an index condition: %s", c.name, page, sc)
				}
			}
			checked++
			if next == "" {
				break
			}
			p.After = next
		}
	}
	t.Logf("%d generic plans checked", checked)

	// Postgres's own choice (plan_cache_mode auto): on one connection,
	// after seven requests of each list the bench runs, every
	// DashClaimsListed statement has been run with its generic plan.
	one, err := store.Open(ctx, dsn+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	one.UseKeys(keys)
	monthFrom, monthTo := time.Now().AddDate(0, -2, 0), time.Now().AddDate(0, -1, 0)
	for _, f := range []store.DashClaimFilter{{}, {Status: "accepted"}, {PayerID: payer}, {ProviderID: provider},
		{From: &monthFrom, To: &monthTo},
		{Sort: rcm.ClaimSort{Key: rcm.SortDOS, Desc: true}},
		{Status: "accepted,partially_paid", Sort: rcm.ClaimSort{Key: rcm.SortBalance, Desc: true}},
		{Status: "needs_correction,appeal_pending,rejected,scrub_failed,appeal_lapsed"}} {
		for range 7 {
			if _, _, err := one.DashClaims(ctx, a, f, store.Page{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err := one.Pool.Query(ctx, `SELECT split_part(statement, E'\n', 1), generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '-- DashClaimsListed%' ORDER BY statement`)
	if err != nil {
		t.Fatal(err)
	}
	var prepared int
	for rows.Next() {
		var name string
		var generic, custom int64
		if err := rows.Scan(&name, &generic, &custom); err != nil {
			t.Fatal(err)
		}
		prepared++
		if generic == 0 {
			t.Errorf("%s: planned with its values %d times, never generically", name, custom)
		}
		if testing.Verbose() {
			t.Logf("%s: generic %d, custom %d", name, generic, custom)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if prepared != 8 {
		t.Errorf("%d DashClaimsListed statements prepared, want 8", prepared)
	}
}

// genericPlan is the JSON plan Postgres keeps for sql after five
// executions (conn plans generically), with args as its values.
func genericPlan(t *testing.T, conn *pgx.Conn, sql string, args []any) string {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "PREPARE listed_generic AS "+sql); err != nil {
		t.Fatalf("PREPARE: %v\n%s", err, sql)
	}
	defer conn.Exec(ctx, "DEALLOCATE listed_generic") //nolint:errcheck
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = sqlLiteral(t, a)
	}
	var raw []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE listed_generic("+strings.Join(lits, ", ")+")").Scan(&raw); err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	return string(raw)
}

// sqlLiteral writes one of the worklist's arguments as SQL.
func sqlLiteral(t *testing.T, v any) string {
	t.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return quote(x)
	case *string:
		if x == nil {
			return "NULL"
		}
		return quote(*x)
	case int32:
		return strconv.Itoa(int(x))
	case *int64:
		if x == nil {
			return "NULL"
		}
		return strconv.FormatInt(*x, 10)
	case *time.Time:
		if x == nil {
			return "NULL"
		}
		return quote(x.Format(time.RFC3339Nano))
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	}
	t.Fatalf("no literal for %T", v)
	return ""
}

// tenantPageSorted walks a plan: sorted is set when a Sort lies between
// the LIMIT of a tenant's page (the innermost LIMIT above a scan of
// claims) and that scan; scans lists the scans of claims (type and index).
func tenantPageSorted(raw string) (sorted bool, scans []string) {
	var plan []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &plan); err != nil || len(plan) != 1 {
		return true, nil
	}
	var walk func(n planNode, underLimit, sortSinceLimit bool)
	walk = func(n planNode, underLimit, sortSinceLimit bool) {
		switch n.Type {
		case "Limit":
			underLimit, sortSinceLimit = true, false
		case "Sort", "Incremental Sort":
			sortSinceLimit = true
		}
		if n.Relation == "claims" {
			scans = append(scans, strings.TrimSpace(n.Type+" "+n.Index)+" filter "+n.Filter)
			if !underLimit || sortSinceLimit {
				sorted = true
			}
		}
		for _, c := range n.Plans {
			walk(c, underLimit, sortSinceLimit)
		}
	}
	walk(plan[0].Plan, false, false)
	return sorted, scans
}

// TestScaleFirstNamePlans checks the generic plan of the statement that
// reads a first name's page among its patients (store/search_pageids.go),
// newest and oldest first, the first page and the page after its cursor,
// against a database scalebench generated (as TestScaleListGenericPlans):
// each tenant's claims must be read in ID order from claims_tenant_id
// alone (the patient and organisation in the index, 00181), with no sort
// under the tenant's LIMIT (a LIMIT parameter, taken for 10% of the rows,
// made the plan read and sort the tenant's claims) and no read of the
// table for the claims it skips.
func TestScaleFirstNamePlans(t *testing.T) {
	ctx := context.Background()
	s, dsn, _ := openScaleExplainDB(t)
	a := store.Actor{UserID: store.ScaleTenant(0).BillerID, SourceIP: "192.0.2.1", RequestID: "scale-first-name"}
	ts, log, err := s.TracedCopy(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, desc := range []bool{true, false} {
		f := store.DashClaimFilter{Search: rcm.ClaimSearch{FirstName: "Alpha"}, Sort: rcm.ClaimSort{Key: rcm.SortCreated, Desc: desc}}
		p := store.Page{}
		for page := 1; page <= 2; page++ {
			log.Take()
			_, next, err := ts.DashClaims(ctx, a, f, p)
			if err != nil {
				t.Fatal(err)
			}
			var sql string
			var args []any
			for _, st := range log.Take() {
				if strings.HasPrefix(st.SQL, "-- DashClaimPageIDs") {
					sql, args = st.SQL, st.Args
				}
			}
			if sql == "" {
				t.Fatalf("desc=%v page %d: the first name's page was not read among its patients", desc, page)
			}
			// The patients: an array literal Postgres takes as the
			// statement's uuid[].
			ids, ok := args[0].([]string)
			if !ok {
				t.Fatalf("patients are %T", args[0])
			}
			args[0] = "{" + strings.Join(ids, ",") + "}"
			plan := genericPlan(t, conn.Conn(), sql, args)
			sorted, scans := tenantPageSorted(plan)
			if testing.Verbose() {
				t.Logf("desc=%v page %d (%d patients): sorted %v, scans %s", desc, page, len(ids), sorted, strings.Join(scans, ", "))
			}
			if sorted {
				t.Errorf("desc=%v page %d: the generic plan sorts a tenant's claims (scans %s)", desc, page, strings.Join(scans, ", "))
			}
			if len(scans) == 0 {
				t.Errorf("desc=%v page %d: no scan of claims in %s", desc, page, plan)
			}
			for _, sc := range scans {
				if !strings.HasPrefix(sc, "Index Only Scan claims_tenant_id filter") {
					t.Errorf("desc=%v page %d: want the tenant's claims from claims_tenant_id alone, got %s", desc, page, sc)
				}
			}
			checked++
			if next == "" {
				break
			}
			p.After = next
		}
	}
	if checked < 4 {
		t.Errorf("%d plans checked, want 4", checked)
	}
}
