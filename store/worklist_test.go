package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// oldDashClaimsSorted is DashClaimsSorted as it was before 00171 (sqlc's
// text of it): every visible claim under the filter, sorted, then the page.
// It is the oracle the per-tenant pages are checked against; its
// parameters are in oldSortedArgs' order.
const oldDashClaimsSorted = `-- name: DashClaimsSorted :many
WITH x AS (
    SELECT c.id, c.org_id, c.status, c.payer_id, p.name AS payer_name, c.provider_id,
           trim(pr.first_name || ' ' || pr.last_name)::text AS provider_name,
           c.patient_control_number, c.total_cents, c.paid_cents, c.attempt, c.created_at, c.updated_at, c.patient_id,
           c.payer_owed_cents, to_char(c.date_of_service, 'YYYY-MM-DD')::text AS date_of_service,
           (CASE $6::text
                WHEN 'dos' THEN to_char(c.date_of_service, 'YYYY-MM-DD')
                WHEN 'payer' THEN lower(p.name)
                WHEN 'balance' THEN lpad((CASE WHEN c.status = ANY ($1::text[]) THEN 0
                                               ELSE greatest(0, c.payer_owed_cents) END)::text, 20, '0')
                WHEN 'status' THEN c.status
                ELSE '' END) AS sort_key
    FROM dash_claims($7::uuid, $8::text, $9::uuid, $10::uuid,
                     $11::timestamptz, $12::timestamptz,
                     $13::bigint, $14::bigint,
                     $15::int, $16::uuid, $17::text, $18::text,
                     $19::bytea, $20::bytea, $21::bytea,
                     $22::date, $23::date,
                     $24::text, $25::bytea, $26::bytea[], $27::bytea[],
                     $28::bytea[], $29::bytea[], $30::date) AS c
    JOIN payers p ON p.id = c.payer_id
    JOIN providers pr ON pr.id = c.provider_id
    WHERE ($31::text IS NULL OR c.status = ANY (string_to_array($31::text, ',')))
)
SELECT x.id::text AS id, x.org_id::text AS org_id, x.status, x.payer_id::text AS payer_id, x.payer_name,
       x.provider_id::text AS provider_id, x.provider_name, x.patient_control_number, x.total_cents, x.paid_cents,
       x.attempt, x.created_at, x.updated_at, x.patient_id::text AS patient_id, x.date_of_service,
       (CASE WHEN x.status = ANY ($1::text[]) THEN 0
             ELSE greatest(0, x.payer_owed_cents) END)::bigint AS balance_cents,
       x.sort_key::text AS sort_key
FROM x
WHERE $2::uuid IS NULL
   OR ($3::boolean AND (x.sort_key < $4::text
                                 OR (x.sort_key = $4::text AND x.id < $2::uuid)))
   OR (NOT $3::boolean AND (x.sort_key > $4::text
                                     OR (x.sort_key = $4::text AND x.id > $2::uuid)))
ORDER BY CASE WHEN $3::boolean THEN x.sort_key END DESC,
         CASE WHEN $3::boolean THEN x.id END DESC,
         CASE WHEN NOT $3::boolean THEN x.sort_key END,
         CASE WHEN NOT $3::boolean THEN x.id END
LIMIT $5
`

func oldSortedArgs(p pgq.DashClaimsSortedParams) []any {
	return []any{p.Closed, p.AfterID, p.Descending, p.AfterKey, p.RowLimit, p.Sort, p.Actor, p.Perm, p.PayerID, p.ProviderID,
		p.CreatedFrom, p.CreatedTo, p.MinCents, p.MaxCents, p.Criteria, p.ClaimID, p.Pcn, p.PayerClaim, p.Member, p.FirstName,
		p.LastName, p.DosFrom, p.DosTo, p.Q, p.QMember, p.QLast, p.QFirst, p.QPairFirst, p.QPairLast, p.QDos, p.Statuses}
}

// sortedBothWays runs one page of the worklist the old way and the new way
// (in a transaction planned as the store plans it) and fails unless the
// rows are equal; it returns them.
func sortedBothWays(t *testing.T, s *store.Store, what string, p pgq.DashClaimsSortedParams) []pgq.DashClaimsSortedRow {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool.Query(ctx, oldDashClaimsSorted, oldSortedArgs(p)...)
	if err != nil {
		t.Fatal(err)
	}
	old, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgq.DashClaimsSortedRow, error) {
		var i pgq.DashClaimsSortedRow
		err := r.Scan(&i.ID, &i.OrgID, &i.Status, &i.PayerID, &i.PayerName, &i.ProviderID, &i.ProviderName, &i.PatientControlNumber,
			&i.TotalCents, &i.PaidCents, &i.Attempt, &i.CreatedAt, &i.UpdatedAt, &i.PatientID, &i.DateOfService, &i.BalanceCents, &i.SortKey)
		return i, err
	})
	if err != nil {
		t.Fatal(err)
	}
	var kept []pgq.DashClaimsSortedRow
	if err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := pgq.New(tx).ForceCustomPlans(ctx); err != nil {
			return err
		}
		kept, err = pgq.New(tx).DashClaimsSorted(ctx, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(old) == 0 {
		old = nil
	}
	if len(kept) == 0 {
		kept = nil
	}
	if !reflect.DeepEqual(old, kept) {
		t.Errorf("%s: %d rows, the old query %d; first difference at %d", what, len(kept), len(old), firstDiff(old, kept))
	}
	return kept
}

func firstDiff(a, b []pgq.DashClaimsSortedRow) int {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return i
		}
	}
	return min(len(a), len(b))
}

// countsBothWays compares the worklist summary read from the kept counts
// (DashStatusCountsKept) with the old count of every visible claim
// (DashStatusCounts without a filter), and the latest change with the
// largest of its per-status latest.
func countsBothWays(t *testing.T, s *store.Store, what string, a store.Actor) int {
	t.Helper()
	ctx := context.Background()
	db := pgq.New(s.Pool)
	old, err := db.DashStatusCounts(ctx, pgq.DashStatusCountsParams{Actor: &a.UserID, Perm: store.PermClaimRead})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := db.DashStatusCountsKept(ctx, pgq.DashStatusCountsKeptParams{Actor: &a.UserID, Perm: store.PermClaimRead})
	if err != nil {
		t.Fatal(err)
	}
	var oldLatest time.Time
	want, got := map[string]int64{}, map[string]int64{}
	total := 0
	for _, r := range old {
		want[r.Status] = r.Claims
		total += int(r.Claims)
		if r.Latest.After(oldLatest) {
			oldLatest = r.Latest
		}
	}
	for _, r := range kept {
		got[r.Status] = r.Claims
		if !r.Latest.Equal(oldLatest) {
			t.Errorf("%s: latest %v, the old query's %v", what, r.Latest, oldLatest)
		}
	}
	if !reflect.DeepEqual(want, got) || len(old) != len(kept) {
		t.Errorf("%s: kept counts %v, counted %v", what, got, want)
	}
	for i := range kept {
		if i < len(old) && kept[i].Status != old[i].Status {
			t.Errorf("%s: status order %s, the old query's %s", what, kept[i].Status, old[i].Status)
		}
	}
	return total
}

// worklistKeptAgree fails unless every claim's tenant is the root of its
// organisation and the kept counts equal a count of the claims per
// organisation and status (00171).
func worklistKeptAgree(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	var badTenant, claims int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE c.tenant_id IS DISTINCT FROM org_tenant(c.org_id)), count(*)
		FROM claims c`).Scan(&badTenant, &claims); err != nil {
		t.Fatal(err)
	}
	if badTenant != 0 || claims == 0 {
		t.Errorf("%d of %d claims have a tenant other than their organisation's root", badTenant, claims)
	}
	var badCounts int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)
		FROM (SELECT org_id, status, sum(claims) AS claims FROM claim_status_counts GROUP BY org_id, status HAVING sum(claims) <> 0) k
		FULL JOIN (SELECT org_id, status, count(*) AS n FROM claims GROUP BY org_id, status) c USING (org_id, status)
		WHERE k.claims IS DISTINCT FROM c.n`).Scan(&badCounts); err != nil {
		t.Fatal(err)
	}
	if badCounts != 0 {
		t.Errorf("%d (organisation, status) counts differ from the claims", badCounts)
	}
}

// TestWorklistSortedOracle compares the worklist's per-tenant pages
// (00171) with the old query (oldDashClaimsSorted) on a generated data set
// of two tenants (three facilities each, dates of service, statuses and
// payer names that tie), as a tenant's biller, a facility's desk (a subset
// of the tenant's organisations) and a user granted in both tenants, for
// every filter and search, every sort in both directions, the first two
// pages and a cursor whose key no row has; and the summary from the kept
// counts with the old count.
func TestWorklistSortedOracle(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	size := store.ScaleSize{Tenants: 2, Facilities: 3, PatientsPerTenant: 60, ClaimsPerTenant: 500, Payers: 4, Providers: 5, Years: 3}
	if _, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	worklistKeptAgree(t, s)
	t0, t1 := store.ScaleTenant(0), store.ScaleTenant(1)
	facility := func(root string) string {
		var id string
		if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM orgs WHERE parent_id = $1 ORDER BY id LIMIT 1`, root).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	biller := store.Actor{UserID: t0.BillerID, SourceIP: "192.0.2.1", RequestID: "worklist-test"}
	desk := userWithRole(t, s, facility(t0.OrgID), "worklist-desk", "front_desk")
	both := userWithRole(t, s, facility(t0.OrgID), "worklist-both", "biller")
	// A grant across trees (made before issue 14's refusal; still honoured).
	if _, err := s.Pool.Exec(ctx, `INSERT INTO role_grants (user_id, org_id, role) VALUES ($1, $2, 'biller')`, both.UserID, t1.OrgID); err != nil {
		t.Fatal(err)
	}
	var payer, provider, pid, dos, claimID string
	if err := s.Pool.QueryRow(ctx, `SELECT c.payer_id::text, c.provider_id::text, c.patient_id::text, to_char(c.date_of_service, 'YYYY-MM-DD'), c.id::text
		FROM claims c WHERE c.tenant_id = $1 ORDER BY c.id OFFSET 7 LIMIT 1`, t0.OrgID).Scan(&payer, &provider, &pid, &dos, &claimID); err != nil {
		t.Fatal(err)
	}
	pat, err := s.GetPatient(ctx, biller, pid)
	if err != nil {
		t.Fatal(err)
	}
	var icn string
	if err := s.Pool.QueryRow(ctx, `SELECT cp.payer_claim_number FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
		WHERE c.tenant_id = $1 AND cp.payer_claim_number <> '' ORDER BY cp.claim_id OFFSET 3 LIMIT 1`, t0.OrgID).Scan(&icn); err != nil {
		t.Fatal(err)
	}
	from, to := time.Now().AddDate(-1, 0, 0), time.Now().AddDate(0, -3, 0)
	// A month (DashClaimsListed's created range in the created sort,
	// claims_tenant_created; the nine months above are DashClaimsSorted's).
	monthFrom, monthTo := time.Now().AddDate(0, -3, 0), time.Now().AddDate(0, -2, 0)
	minC, maxC := int64(10000), int64(40000)
	filters := []struct {
		name string
		f    store.DashClaimFilter
	}{
		{"no filter", store.DashClaimFilter{}},
		{"status", store.DashClaimFilter{Status: "accepted"}},
		{"statuses", store.DashClaimFilter{Status: "accepted,partially_paid,needs_correction"}},
		{"payer", store.DashClaimFilter{PayerID: payer}},
		{"provider", store.DashClaimFilter{ProviderID: provider}},
		{"created", store.DashClaimFilter{From: &from, To: &to}},
		{"created month", store.DashClaimFilter{From: &monthFrom, To: &monthTo}},
		{"amount", store.DashClaimFilter{MinCents: &minC, MaxCents: &maxC}},
		{"payer and status", store.DashClaimFilter{PayerID: payer, Status: "paid,partially_paid"}},
		{"search last name", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: pat.LastName}}},
		{"search first name", store.DashClaimFilter{Search: rcm.ClaimSearch{FirstName: pat.FirstName}}},
		{"search date of service", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: dos}}},
		{"search dos range", store.DashClaimFilter{Search: rcm.ClaimSearch{DOSFrom: dos, DOSTo: time.Now().Format(time.DateOnly)}}},
		{"search control number", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: store.ScalePCN(0, 17)}}},
		{"claim", store.DashClaimFilter{ClaimID: claimID}},
		// Each search criterion and the search box's meanings, alone and with
		// the filters (the page read by ID, DashClaimsByIDs).
		{"search box first last", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: pat.FirstName + " " + pat.LastName}}},
		{"search box last, first", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: pat.LastName + ", " + pat.FirstName}}},
		{"search box first name", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: pat.FirstName}}},
		{"search box payer claim number", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: icn}}},
		{"search box member ID", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: "ZZM0000000001"}}},
		{"search box claim ID", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: claimID}}},
		{"search last name", store.DashClaimFilter{Search: rcm.ClaimSearch{LastName: pat.LastName}}},
		{"search first and last name", store.DashClaimFilter{Search: rcm.ClaimSearch{FirstName: pat.FirstName, LastName: pat.LastName}}},
		{"search control number", store.DashClaimFilter{Search: rcm.ClaimSearch{PatientControlNumber: store.ScalePCN(0, 17)}}},
		{"search payer claim number", store.DashClaimFilter{Search: rcm.ClaimSearch{PayerClaimNumber: icn}}},
		{"search member ID", store.DashClaimFilter{Search: rcm.ClaimSearch{MemberID: "ZZM0000000005"}}},
		{"search dos from", store.DashClaimFilter{Search: rcm.ClaimSearch{DOSFrom: dos}}},
		{"search dos to", store.DashClaimFilter{Search: rcm.ClaimSearch{DOSTo: dos}}},
		{"search first name and dos", store.DashClaimFilter{Search: rcm.ClaimSearch{FirstName: pat.FirstName, DOSFrom: "2000-01-01", DOSTo: dos}}},
		{"search box first name and last name", store.DashClaimFilter{Search: rcm.ClaimSearch{Q: pat.FirstName, LastName: pat.LastName}}},
		{"search first name and status", store.DashClaimFilter{Status: "accepted,paid,partially_paid,denied", Search: rcm.ClaimSearch{FirstName: pat.FirstName}}},
		{"search first name and payer", store.DashClaimFilter{PayerID: payer, Search: rcm.ClaimSearch{FirstName: pat.FirstName}}},
		{"search first name and provider", store.DashClaimFilter{ProviderID: provider, Search: rcm.ClaimSearch{FirstName: pat.FirstName}}},
		{"search dos range, created and amount", store.DashClaimFilter{From: &from, MinCents: &minC,
			Search: rcm.ClaimSearch{DOSFrom: "2000-01-01", DOSTo: time.Now().Format(time.DateOnly)}}},
		{"claim and search box", store.DashClaimFilter{ClaimID: claimID, Search: rcm.ClaimSearch{Q: pat.LastName}}},
	}
	actors := []struct {
		name string
		a    store.Actor
	}{{"biller", biller}, {"facility desk", desk}, {"both tenants", both}}
	nonEmpty := 0
	pagesByID, pagesByPatients := map[int]int{}, map[int]int{}
	pagesListed := 0
	for _, a := range actors {
		countsBothWays(t, s, a.name, a.a)
		for _, fl := range filters {
			for _, key := range rcm.ClaimSortKeys {
				for _, desc := range []bool{true, false} {
					f := fl.f
					f.Sort = rcm.ClaimSort{Key: key, Desc: desc}
					what := fmt.Sprintf("%s, %s, sort %s desc=%v", a.name, fl.name, key, desc)
					page := func(p store.Page) []pgq.DashClaimsSortedRow {
						t.Helper()
						params, none, err := s.DashClaimsParamsForTest(a.a, f, p)
						if err != nil || none {
							t.Fatalf("%s: params %v, none %v", what, err, none)
						}
						rows := sortedBothWays(t, s, what, params)
						// The store's path: a search resolved to claim IDs
						// and read by ID under the default cap (else by
						// DashClaimsSorted); with a cap of 1, only where
						// each criterion matches at most one claim; with
						// no cap to speak of, every search.
						for _, limit := range []int{0, 1, 1 << 20} {
							s.SetSearchIDCapForTest(limit)
							got, path, err := s.DashClaimsRowsForTest(ctx, a.a, f, p)
							if err != nil {
								t.Fatalf("%s: %v", what, err)
							}
							byIDs := path == "ids"
							if byIDs {
								pagesByID[limit]++
							}
							if path == "patients" {
								pagesByPatients[limit]++
							}
							if path == "listed" {
								pagesListed++
							}
							if len(got) == 0 {
								got = nil
							}
							if want := rows; !reflect.DeepEqual(want, got) && (len(want) > 0 || len(got) > 0) {
								t.Errorf("%s, cap %d (by ID %v): %d rows, the old query %d; first difference at %d",
									what, limit, byIDs, len(got), len(want), firstDiff(want, got))
							}
						}
						s.SetSearchIDCapForTest(0)
						return rows
					}
					first := page(store.Page{Limit: 20})
					if len(first) == 0 {
						continue
					}
					nonEmpty++
					last := first[len(first)-1]
					cursor := func(k string) store.Page {
						return store.Page{Limit: 20, After: rcm.SortCursor{Sort: key, Order: f.Sort.Order(), Key: k, ID: last.ID}.Encode()}
					}
					page(cursor(last.SortKey))
					if len(last.SortKey) > 3 {
						page(cursor(last.SortKey[:3]))
					}
					page(cursor(last.SortKey + "~"))
				}
			}
		}
	}
	if nonEmpty < len(actors)*len(filters)*len(rcm.ClaimSortKeys) {
		t.Errorf("only %d of the pages compared had rows", nonEmpty)
	}
	// The lists without a search whose shape has a statement
	// (store/worklist_list.go) read it.
	t.Logf("pages read by DashClaimsListed: %d", pagesListed)
	if pagesListed == 0 {
		t.Error("no page read by DashClaimsListed")
	}
	// Search pages are read by ID under the default cap, fewer under a cap
	// of 1, more without a cap.
	t.Logf("pages read by ID: %d (cap of 1: %d, no cap: %d)", pagesByID[0], pagesByID[1], pagesByID[1<<20])
	if pagesByID[1] == 0 || pagesByID[1] >= pagesByID[0] || pagesByID[0] >= pagesByID[1<<20] {
		t.Errorf("pages read by ID: %d, with a cap of 1: %d, without: %d", pagesByID[0], pagesByID[1], pagesByID[1<<20])
	}
	// A first name that matches more claims than the cap is read among its
	// patients (firstNamePage): under a cap of 1, never without a cap.
	t.Logf("pages read among a first name's patients: %v", pagesByPatients)
	if pagesByPatients[1] == 0 || pagesByPatients[1<<20] != 0 {
		t.Errorf("pages read among a first name's patients: %v", pagesByPatients)
	}
}

// TestWorklistKeptByTriggers writes claims through the store and SQL (inserts,
// status changes one at a time, in a multi-row statement and concurrently,
// a move to another facility and to another tenant, an organisation moved
// to another tree, a direct write to the tenant, a delete) and checks
// after each that every claim's tenant and the kept counts agree with the
// rows, and that the summary equals the old count as the admin and a
// facility's desk; then 00171 is rolled back and applied again (its
// backfill).
func TestWorklistKeptByTriggers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, cv := range []store.Coverage{
		{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1},
		{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1},
	} {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, f.admin, cv))
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	other := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER SYSTEM"}))
	otherFac := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "TEST OTHER FACILITY", ParentID: other.ID}))
	otherAdmin := userWithRole(t, f.s, other.ID, "other-admin", "admin")
	check := func(what string) {
		t.Helper()
		worklistKeptAgree(t, f.s)
		for _, a := range []store.Actor{f.admin, f.deskA, otherAdmin} {
			countsBothWays(t, f.s, what, a)
		}
	}
	var claims []store.Claim
	for i := range 22 {
		patient, prov := f.patientA, f.provA
		if i%3 == 0 {
			patient, prov = f.patientB, f.provB
		}
		claims = append(claims, w.claim(f.admin, patient, prov, fmt.Sprintf("2030-0%d-1%d", 1+i%6, i%9), int64(1000*(i+1)), "draft", nil))
	}
	check("inserted")
	exec(`UPDATE claims SET status = 'accepted', updated_at = now() WHERE id = $1`, claims[0].ID)
	exec(`UPDATE claims SET status = 'paid' WHERE id = $1`, claims[1].ID)
	exec(`UPDATE claims SET total_cents = total_cents + 1 WHERE id = $1`, claims[2].ID)
	check("status changed one at a time")
	exec(`UPDATE claims SET status = CASE WHEN total_cents % 2000 = 0 THEN 'submitted' ELSE 'denied' END, updated_at = now()
	      WHERE id = ANY ($1::uuid[])`, []string{claims[3].ID, claims[4].ID, claims[5].ID, claims[6].ID})
	check("statuses changed in one statement")
	// Concurrent writers, each on two claims of its own, two statements a
	// transaction in either order (so the counts' keys are written in
	// different orders by concurrent transactions), some moving a claim
	// between the facilities: no increment may be lost and none may
	// deadlock (the claims' rows are not shared; only the counts are).
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := []store.Claim{claims[4+2*g], claims[5+2*g]}
			statuses := []string{"accepted", "partially_paid", "appeal_pending", "paid"}
			for i := range 20 {
				org := f.facA.ID
				if g%2 == 0 && i%2 == 1 {
					org = f.facB.ID
				}
				first, second := mine[i%2], mine[1-i%2]
				err := pgx.BeginFunc(ctx, f.s.Pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `UPDATE claims SET status = $2, org_id = $3, updated_at = now() WHERE id = $1`,
						first.ID, statuses[(g+i)%4], org); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE claims SET status = $2 WHERE id = $1`, second.ID, statuses[(g+3*i)%4])
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent status writes: %v", err)
	}
	check("concurrent status changes")
	exec(`UPDATE claims SET org_id = $2 WHERE id = $1`, claims[0].ID, f.facB.ID)
	check("claim moved to the other facility")
	exec(`UPDATE claims SET org_id = $2 WHERE id = $1`, claims[1].ID, otherFac.ID)
	check("claim moved to another tenant")
	exec(`UPDATE claims SET tenant_id = $2 WHERE id = $1`, claims[2].ID, other.ID)
	check("direct write to the tenant")
	// Facility B moved under the other health system: its claims change
	// tenant with it.
	exec(`UPDATE orgs o SET parent_id = $2, path = p.path || subpath(o.path, nlevel(o.path) - 1) FROM orgs p WHERE o.id = $1 AND p.id = $2`,
		f.facB.ID, other.ID)
	check("facility moved to another tree")
	var tenantOfB string
	if err := f.s.Pool.QueryRow(ctx, `SELECT DISTINCT tenant_id::text FROM claims WHERE org_id = $1`, f.facB.ID).Scan(&tenantOfB); err != nil || tenantOfB != other.ID {
		t.Errorf("facility B's claims' tenant = %s, %v; want %s", tenantOfB, err, other.ID)
	}
	gone := []string{claims[21].ID, claims[20].ID, claims[3].ID}
	exec(`DELETE FROM claim_status_history WHERE claim_id = ANY ($1::uuid[])`, gone)
	exec(`DELETE FROM claims WHERE id = $1`, gone[0])
	exec(`DELETE FROM claims WHERE id = ANY ($1::uuid[])`, gone[1:])
	check("claims deleted")

	// 00171 rolled back and applied again: its backfill.
	rollBackBelow(ctx, t, f.s, 171)
	var n int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'claim_status_counts'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after rolling back 00171: claim_status_counts exists (%d), %v", n, err)
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the backfill")
	exec(`UPDATE claims SET status = 'voided' WHERE id = $1`, claims[4].ID)
	w.claim(f.admin, f.patientA, f.provA, "2030-07-01", 5000, "accepted", nil)
	check("written after the backfill")
	var counted int
	if err := f.s.Pool.QueryRow(ctx, `SELECT coalesce(sum(claims), 0) FROM claim_status_counts`).Scan(&counted); err != nil || counted != 20 {
		t.Errorf("kept counts add up to %d, %v; want 20 claims", counted, err)
	}
}

// TestClaimBalanceKeyClosedStatuses checks the balance sort's indexed key
// (claim_balance_key, 00174: its closed statuses a fixed list) against
// rcm's payer balance for every claim status and balances below, at and
// above zero, and that DashClaimsSorted's and DashClaimsByIDs's
// balance_cents (from rcm.PayerClosedStatuses) agree with it.
func TestClaimBalanceKeyClosedStatuses(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	for _, st := range append(rcm.ClaimStatuses, "no_such_status") {
		for _, owed := range []int64{-250, 0, 1, 98765, 1 << 40} {
			var key string
			var cents int64
			if err := s.Pool.QueryRow(ctx, `SELECT claim_balance_key($1, $2),
				(CASE WHEN $1 = ANY ($3::text[]) THEN 0 ELSE greatest(0, $2::bigint) END)`,
				string(st), owed, rcm.PayerClosedStatuses()).Scan(&key, &cents); err != nil {
				t.Fatal(err)
			}
			want := (rcm.ClaimFacts{Status: string(st), TotalCents: owed}).PayerBalance()
			if key != fmt.Sprintf("%020d", want) || cents != want {
				t.Errorf("%s owing %d: key %q, balance_cents %d; rcm's balance %d", st, owed, key, cents, want)
			}
		}
	}
}
