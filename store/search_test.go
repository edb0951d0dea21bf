package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// searchWorld is two tenants' claims to search: tenant 1 (the fixture's
// health system, facilities A and B) and tenant 2, whose patient has the
// same name and member ID as one of tenant 1's.
type searchWorld struct {
	f                  *fixture
	w                  *arWorld
	c1, c2, c3, c4, c5 store.Claim
	admin2, billerA    store.Actor
	payer2             store.Payer
	dos                map[string]string // claim ID -> date of service
	balance            map[string]int64  // claim ID -> what the payer owes, by hand
	payerName          map[string]string
}

func newSearchWorld(t *testing.T) *searchWorld {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	sw := &searchWorld{f: f, w: &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
	sw.payer2 = must[store.Payer](t)(f.s.CreatePayer(ctx, f.admin, store.Payer{OrgID: f.root.ID, PayerID: "ZZPAYER2", Name: "ANOTHER TEST PAYER", Clearinghouse: "local"}))
	pat := func(a store.Actor, org, first, last string) store.Patient {
		return must[store.Patient](t)(f.s.CreatePatient(ctx, a, store.Patient{OrgID: org, FirstName: first, LastName: last, BirthDate: "1970-01-01", Sex: "U"}))
	}
	cov := func(a store.Actor, p store.Patient, payer store.Payer, member string) {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, a, store.Coverage{PatientID: p.ID, PayerID: payer.ID, MemberID: member, Relationship: "self", Priority: 1}))
	}
	p1 := pat(f.admin, f.facA.ID, "Alphafirst", "Testpatient")
	p2 := pat(f.admin, f.facB.ID, "Bravofirst", "Testpatient")
	p3 := pat(f.admin, f.facA.ID, "Alphafirst", "Othername")
	cov(f.admin, p1, f.payerA, "ZZM-0001")
	cov(f.admin, p2, sw.payer2, "ZZM-0002")
	cov(f.admin, p3, f.payerA, "ZZM-0003")
	co := func(reason string, cents int64) [3]any { return [3]any{"CO", reason, cents} }
	sent := []string{"scrubbing", "ready", "submitted"}
	// c1 $100: paid 60, CO-45 10 → the payer owes 30.
	sw.c1 = sw.w.claim(f.admin, p1, f.provA, "2030-01-10", 10000, "partially_paid", sent, arPayment{"1", 10000, 6000, 0, [][3]any{co("45", 1000)}})
	// c2 $300, accepted, nothing paid → 300.
	sw.c2 = sw.w.claim(f.admin, p2, f.provB, "2030-01-20", 30000, "accepted", sent)
	// c3 $200 denied (CO-16 is not a write-off) → 200.
	sw.c3 = sw.w.claim(f.admin, p3, f.provA, "2030-02-01", 20000, "needs_correction", sent, arPayment{"4", 20000, 0, 0, [][3]any{co("16", 20000)}})
	// c4 $50 paid → 0.
	sw.c4 = sw.w.claim(f.admin, p1, f.provA, "2030-02-15", 5000, "paid", sent, arPayment{"1", 5000, 5000, 0, nil})
	if _, err := f.s.Pool.Exec(ctx, `UPDATE claim_payments SET payer_claim_number = 'ZZICN0001' WHERE claim_id = $1`, sw.c1.ID); err != nil {
		t.Fatal(err)
	}
	// Tenant 2: the same patient name and member ID, and a payer claim
	// number of the same text.
	root2 := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST TENANT 2"}))
	sw.admin2 = userWithRole(t, f.s, root2.ID, "admin-2", "admin")
	prov2 := must[store.Provider](t)(f.s.CreateProvider(ctx, sw.admin2, store.Provider{OrgID: root2.ID, NPI: "1234567893", LastName: "TESTDOC T2", Taxonomy: "207Q00000X"}))
	payerT2 := must[store.Payer](t)(f.s.CreatePayer(ctx, sw.admin2, store.Payer{OrgID: root2.ID, PayerID: "ZZPAYER9", Name: "TEST PAYER T2", Clearinghouse: "local"}))
	p5 := pat(sw.admin2, root2.ID, "Alphafirst", "Testpatient")
	cov(sw.admin2, p5, payerT2, "ZZM-0001")
	sw.c5 = sw.w.claim(sw.admin2, p5, prov2, "2030-01-10", 7000, "submitted", sent)
	sw.billerA = userWithRole(t, f.s, f.facA.ID, "biller-search", "biller")
	sw.dos = map[string]string{sw.c1.ID: "2030-01-10", sw.c2.ID: "2030-01-20", sw.c3.ID: "2030-02-01", sw.c4.ID: "2030-02-15", sw.c5.ID: "2030-01-10"}
	sw.balance = map[string]int64{sw.c1.ID: 3000, sw.c2.ID: 30000, sw.c3.ID: 20000, sw.c4.ID: 0, sw.c5.ID: 7000}
	sw.payerName = map[string]string{sw.c1.ID: "TEST PAYER", sw.c2.ID: "ANOTHER TEST PAYER", sw.c3.ID: "TEST PAYER", sw.c4.ID: "TEST PAYER", sw.c5.ID: "TEST PAYER T2"}
	return sw
}

// ids lists every claim of the search, all pages.
func (sw *searchWorld) ids(t *testing.T, a store.Actor, f store.DashClaimFilter) []string {
	t.Helper()
	var out []string
	p := store.Page{Limit: 2}
	for n := 0; ; n++ {
		page, next, err := sw.f.s.DashClaims(context.Background(), a, f, p)
		if err != nil {
			t.Fatalf("DashClaims(%+v): %v", f.Search, err)
		}
		for _, c := range page {
			out = append(out, c.ID)
		}
		if next == "" || n > 10 {
			return out
		}
		p.After = next
	}
}

func (sw *searchWorld) names(ids []string) []string {
	label := map[string]string{sw.c1.ID: "c1", sw.c2.ID: "c2", sw.c3.ID: "c3", sw.c4.ID: "c4", sw.c5.ID: "c5"}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = label[id]
		if out[i] == "" {
			out[i] = id
		}
	}
	return out
}

// TestDashClaimSearchPaths searches tenant 1's claims by every path, alone
// and combined, and checks that tenant 2 and a facility's biller find only
// their own claims.
func TestDashClaimSearchPaths(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	s := func(x rcm.ClaimSearch) store.DashClaimFilter {
		return store.DashClaimFilter{Search: x, Sort: rcm.ClaimSort{Key: rcm.SortDOS}}
	}
	for _, tc := range []struct {
		name   string
		actor  store.Actor
		filter store.DashClaimFilter
		want   string
	}{
		{"last name from the search box", f.admin, s(rcm.ClaimSearch{Q: "testpatient"}), "c1 c2 c4"},
		{"first name from the search box", f.admin, s(rcm.ClaimSearch{Q: "ALPHAFIRST"}), "c1 c3 c4"},
		{"first last", f.admin, s(rcm.ClaimSearch{Q: "Alphafirst Testpatient"}), "c1 c4"},
		{"last, first", f.admin, s(rcm.ClaimSearch{Q: "Testpatient, Alphafirst"}), "c1 c4"},
		{"last first (the other order)", f.admin, s(rcm.ClaimSearch{Q: "testpatient alphafirst"}), "c1 c4"},
		{"claim ID", f.admin, s(rcm.ClaimSearch{Q: strings.ToUpper(sw.c2.ID)}), "c2"},
		{"patient control number", f.admin, s(rcm.ClaimSearch{Q: sw.c3.PatientControlNumber}), "c3"},
		{"payer claim number", f.admin, s(rcm.ClaimSearch{Q: "ZZICN0001"}), "c1"},
		{"member ID (case and punctuation ignored)", f.admin, s(rcm.ClaimSearch{Q: "zzm 0002"}), "c2"},
		{"date of service", f.admin, s(rcm.ClaimSearch{Q: "2030-02-01"}), "c3"},
		{"date of service, US style", f.admin, s(rcm.ClaimSearch{Q: "02/01/2030"}), "c3"},
		{"nothing", f.admin, s(rcm.ClaimSearch{Q: "Nosuchname"}), ""},
		{"explicit first and last name", f.admin, s(rcm.ClaimSearch{FirstName: "alphafirst", LastName: "TESTPATIENT"}), "c1 c4"},
		{"explicit last name", f.admin, s(rcm.ClaimSearch{LastName: "Testpatient"}), "c1 c2 c4"},
		{"explicit first name", f.admin, s(rcm.ClaimSearch{FirstName: "Alphafirst"}), "c1 c3 c4"},
		{"explicit member ID", f.admin, s(rcm.ClaimSearch{MemberID: "ZZM-0003"}), "c3"},
		{"explicit payer claim number", f.admin, s(rcm.ClaimSearch{PayerClaimNumber: "ZZICN0001"}), "c1"},
		{"explicit patient control number", f.admin, s(rcm.ClaimSearch{PatientControlNumber: sw.c4.PatientControlNumber}), "c4"},
		{"explicit claim ID", f.admin, store.DashClaimFilter{ClaimID: sw.c1.ID}, "c1"},
		{"date of service range", f.admin, s(rcm.ClaimSearch{DOSFrom: "2030-01-15", DOSTo: "2030-02-01"}), "c2 c3"},
		{"date of service from", f.admin, s(rcm.ClaimSearch{DOSFrom: "2030-02-01"}), "c3 c4"},
		{"date of service to", f.admin, s(rcm.ClaimSearch{DOSTo: "2030-01-10"}), "c1"},
		{"search box and range together", f.admin, s(rcm.ClaimSearch{Q: "Testpatient", DOSFrom: "2030-01-01", DOSTo: "2030-01-31"}), "c1 c2"},
		{"name and member ID must both hold", f.admin, s(rcm.ClaimSearch{LastName: "Testpatient", MemberID: "ZZM-0003"}), ""},
		{"two claim IDs", f.admin, store.DashClaimFilter{ClaimID: sw.c1.ID, Search: rcm.ClaimSearch{Q: sw.c2.ID}}, ""},
		{"search and status", f.admin, store.DashClaimFilter{Status: "paid,accepted", Search: rcm.ClaimSearch{Q: "Testpatient"}, Sort: rcm.ClaimSort{Key: rcm.SortDOS}}, "c2 c4"},
		// Facility A's biller: facility B's c2 is out of scope.
		{"facility biller by name", sw.billerA, s(rcm.ClaimSearch{Q: "Testpatient"}), "c1 c4"},
		{"facility biller by member ID", sw.billerA, s(rcm.ClaimSearch{Q: "ZZM-0002"}), ""},
		// Tenant 2 finds its own claim and nothing of tenant 1.
		{"tenant 2 by name", sw.admin2, s(rcm.ClaimSearch{Q: "Alphafirst Testpatient"}), "c5"},
		{"tenant 2 by member ID", sw.admin2, s(rcm.ClaimSearch{Q: "ZZM-0001"}), "c5"},
		{"tenant 2 by tenant 1's payer claim number", sw.admin2, s(rcm.ClaimSearch{Q: "ZZICN0001"}), ""},
		{"tenant 2 by tenant 1's control number", sw.admin2, s(rcm.ClaimSearch{PatientControlNumber: sw.c1.PatientControlNumber}), ""},
		{"tenant 2 by tenant 1's claim ID", sw.admin2, s(rcm.ClaimSearch{Q: sw.c1.ID}), ""},
		{"tenant 2 by tenant 1's date of service", sw.admin2, s(rcm.ClaimSearch{Q: "2030-02-01"}), ""},
		{"front desk (no claim:read)", f.deskA, s(rcm.ClaimSearch{Q: "Testpatient"}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(sw.names(sw.ids(t, tc.actor, tc.filter)), " ")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			// The counts agree with the list.
			counts, _, err := f.s.DashStatusCounts(context.Background(), tc.actor, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range counts {
				if tc.filter.Status == "" || slices.Contains(strings.Split(tc.filter.Status, ","), c.Status) {
					n += c.Count
				}
			}
			if want := len(strings.Fields(tc.want)); n != want {
				t.Errorf("counts %+v total %d, want %d", counts, n, want)
			}
		})
	}

	if _, _, err := f.s.DashClaims(context.Background(), f.admin, s(rcm.ClaimSearch{DOSFrom: "2030-13-01"}), store.Page{}); err == nil {
		t.Error("a date of service that is no date was accepted")
	}
}

// TestDashClaimSortsPageExactly pages through tenant 1's claims two at a
// time under every sort and order, and checks the order (the sort key,
// then the claim ID) and that no claim is missed or repeated; the columns
// carry the date of service and the balance owed.
func TestDashClaimSortsPageExactly(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	all := []string{sw.c1.ID, sw.c2.ID, sw.c3.ID, sw.c4.ID}
	key := map[string]func(id string) string{
		rcm.SortCreated: func(string) string { return "" },
		rcm.SortDOS:     func(id string) string { return sw.dos[id] },
		rcm.SortPayer:   func(id string) string { return strings.ToLower(sw.payerName[id]) },
		rcm.SortBalance: func(id string) string { return fmt.Sprintf("%020d", sw.balance[id]) },
		rcm.SortStatus: func(id string) string {
			return map[string]string{sw.c1.ID: "partially_paid", sw.c2.ID: "accepted", sw.c3.ID: "needs_correction", sw.c4.ID: "paid"}[id]
		},
	}
	for _, k := range rcm.ClaimSortKeys {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(all)
			sort.Slice(want, func(i, j int) bool {
				ki, kj := key[k](want[i]), key[k](want[j])
				if ki != kj {
					return ki < kj
				}
				return want[i] < want[j]
			})
			if desc {
				slices.Reverse(want)
			}
			srt := rcm.ClaimSort{Key: k, Desc: desc}
			got := sw.ids(t, f.admin, store.DashClaimFilter{Sort: srt})
			if !slices.Equal(got, want) {
				t.Errorf("sort %s desc=%v: got %v, want %v", k, desc, sw.names(got), sw.names(want))
			}
		}
	}
	// Ties (three claims of TEST PAYER) continue exactly across pages of one.
	p := store.Page{Limit: 1}
	var got []string
	for range 10 {
		page, next, err := f.s.DashClaims(context.Background(), f.admin, store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortPayer}}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			got = append(got, c.ID)
		}
		if next == "" {
			break
		}
		p.After = next
	}
	if len(got) != 4 || got[0] != sw.c2.ID || !slices.IsSorted(got[1:]) {
		t.Errorf("payer sort, pages of one: %v", sw.names(got))
	}
	// A cursor of one sort is refused under another.
	_, next, err := f.s.DashClaims(context.Background(), f.admin, store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortDOS}}, store.Page{Limit: 1})
	if err != nil || next == "" {
		t.Fatal(next, err)
	}
	if _, _, err := f.s.DashClaims(context.Background(), f.admin, store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortBalance}}, store.Page{Limit: 1, After: next}); err == nil {
		t.Error("a date-of-service cursor was accepted under the balance sort")
	}
	// Columns: date of service, balance as the A/R defines it, names.
	page, _, err := f.s.DashClaims(context.Background(), f.admin, store.DashClaimFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page {
		if c.DateOfService != sw.dos[c.ID] || c.BalanceCents != sw.balance[c.ID] || c.PatientMasked || c.PatientName == "" {
			t.Errorf("%s: dos %s balance %d name %q masked %v; want dos %s balance %d", sw.names([]string{c.ID})[0], c.DateOfService,
				c.BalanceCents, c.PatientName, c.PatientMasked, sw.dos[c.ID], sw.balance[c.ID])
		}
	}
}

// TestFirstNameIndexBackfill: patients written before migration 00150 have
// no first-name index until MigrateUp (with keys) fills it in; then a
// search by first name finds them.
func TestFirstNameIndexBackfill(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	ctx := context.Background()
	if _, err := f.s.Pool.Exec(ctx, `UPDATE patients SET first_name_bidx = NULL`); err != nil {
		t.Fatal(err)
	}
	q := store.DashClaimFilter{Search: rcm.ClaimSearch{FirstName: "Bravofirst"}}
	if got := sw.ids(t, f.admin, q); len(got) != 0 {
		t.Fatalf("found %v before the backfill", sw.names(got))
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	var missing int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM patients WHERE first_name_bidx IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d patients without a first-name index (%v)", missing, err)
	}
	if got := sw.ids(t, f.admin, q); !slices.Equal(got, []string{sw.c2.ID}) {
		t.Errorf("after the backfill: %v, want c2", sw.names(got))
	}
	// A renamed patient is found by the new first name only.
	p := must[store.Patient](t)(f.s.UpdatePatient(ctx, f.admin, sw.c2.PatientID, store.PatientPatch{FirstName: ptr("Charliefirst")}))
	if p.FirstName != "Charliefirst" {
		t.Fatal(p)
	}
	if got := sw.ids(t, f.admin, q); len(got) != 0 {
		t.Errorf("old first name still finds %v", sw.names(got))
	}
	if got := sw.ids(t, f.admin, store.DashClaimFilter{Search: rcm.ClaimSearch{Q: "charliefirst"}}); !slices.Equal(got, []string{sw.c2.ID}) {
		t.Errorf("new first name finds %v, want c2", sw.names(got))
	}
}

func ptr[T any](v T) *T { return &v }

// TestDashClaimSearchUsesIndexes: with a few thousand patients, coverages,
// encounters, claims and claim payments (sequential scans allowed), every
// search path plans through indexes: no Seq Scan on claims, patients,
// coverages, encounters or claim_payments.
func TestDashClaimSearchUsesIndexes(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	ctx := context.Background()
	// 3,000 more patients (blind indexes of made-up names) in facility A,
	// each with a coverage, an encounter, a claim and a claim payment.
	for _, sql := range []string{
		`CREATE TEMP TABLE bulk AS SELECT i, gen_random_uuid() AS pid, gen_random_uuid() AS cid, gen_random_uuid() AS eid,
		        gen_random_uuid() AS kid, gen_random_uuid() AS rid FROM generate_series(1, 3000) i`,
		`INSERT INTO patients (id, org_id, dek, first_name, last_name, birth_date, sex, last_name_bidx, birth_date_bidx, first_name_bidx)
		 SELECT pid, $1, '\x00', '\x00', '\x00', '\x00', 'U', decode(md5('l' || (i % 700)), 'hex'), decode(md5('b' || i), 'hex'),
		        decode(md5('f' || (i % 300)), 'hex') FROM bulk`,
		`INSERT INTO coverages (id, org_id, patient_id, payer_id, dek, member_id, member_id_bidx, relationship, priority)
		 SELECT cid, $1, pid, $2, '\x00', '\x00', decode(md5('m' || i), 'hex'), 'self', 1 FROM bulk`,
		`INSERT INTO encounters (id, org_id, patient_id, provider_id, coverage_id, date_of_service, place_of_service, diagnoses)
		 SELECT eid, $1, pid, $2, cid, date '2029-01-01' + (i % 700), '11', '{}' FROM bulk`,
		`INSERT INTO claims (id, org_id, encounter_id, patient_id, coverage_id, payer_id, provider_id, patient_control_number, total_cents, status)
		 SELECT kid, $1, eid, pid, cid, $2, $3, 'ZZBULK' || i, 10000, 'submitted' FROM bulk`,
		`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
		 SELECT rid, 'ZZPAYER1', 'ZZBULKTRACE' || i, 'test', 0, 100, true FROM bulk`,
		`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, payer_claim_number)
		 SELECT rid, 1, kid, $1, 'ZZBULK' || i, '1', 10000, 100, 0, 'ZZBULKICN' || i FROM bulk`,
	} {
		args := []any{f.facA.ID, f.payerA.ID, f.provA.ID}
		if strings.HasPrefix(sql, "INSERT INTO encounters") {
			args = []any{f.facA.ID, f.provA.ID}
		}
		if _, err := f.s.Pool.Exec(ctx, sql, args[:maxArg(sql)]...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := f.s.Pool.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	// The bulk patients' names are not sealed: read as a role without
	// patient:read (names masked; the plans are the same).
	if _, err := f.s.Pool.Exec(ctx, `INSERT INTO role_permissions (role, permission) VALUES ('test_explain', 'claim:read')`); err != nil {
		t.Fatal(err)
	}
	viewer := userWithRole(t, f.s, f.root.ID, "explain-viewer", "test_explain")
	s := func(x rcm.ClaimSearch) store.DashClaimFilter { return store.DashClaimFilter{Search: x} }
	for _, tc := range []struct {
		name   string
		filter store.DashClaimFilter
	}{
		{"search box: name, control number, payer claim number, member ID", s(rcm.ClaimSearch{Q: "Testpatient"})},
		{"search box: first last", s(rcm.ClaimSearch{Q: "Alphafirst Testpatient"})},
		{"search box: date", s(rcm.ClaimSearch{Q: "2030-02-01"})},
		{"search box: claim ID", s(rcm.ClaimSearch{Q: sw.c1.ID})},
		{"first name", s(rcm.ClaimSearch{FirstName: "Alphafirst"})},
		{"last name", s(rcm.ClaimSearch{LastName: "Testpatient"})},
		{"member ID", s(rcm.ClaimSearch{MemberID: "ZZM-0001"})},
		{"patient control number", s(rcm.ClaimSearch{PatientControlNumber: "ZZBULK17"})},
		{"payer claim number", s(rcm.ClaimSearch{PayerClaimNumber: "ZZBULKICN17"})},
		{"date of service", s(rcm.ClaimSearch{DOSFrom: "2029-03-01", DOSTo: "2029-03-01"})},
		{"claim ID", store.DashClaimFilter{ClaimID: sw.c3.ID}},
		{"date of service, sorted by balance", store.DashClaimFilter{Search: rcm.ClaimSearch{DOSFrom: "2029-03-01", DOSTo: "2029-03-02"},
			Sort: rcm.ClaimSort{Key: rcm.SortBalance, Desc: true}}},
		{"no search, newest first", store.DashClaimFilter{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plans, err := f.s.ExplainDashClaims(ctx, viewer, tc.filter, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			// The list's statements (a search's: each criterion's, both
			// their custom and generic plans, then the page by ID; a list's
			// DashClaimsListed, both plans), then the counts.
			if len(plans) < 2 {
				t.Fatalf("%d plans", len(plans))
			}
			generic := 0
			for _, plan := range plans {
				if strings.Contains(plan, "$1") {
					generic++
				}
			}
			// A list without a search runs DashClaimsListed's generic plan
			// (store/worklist_list.go): both its plans, then the counts.
			if generic == 0 {
				t.Errorf("no generic plan among the %d plans", len(plans))
			}
			for i, plan := range plans {
				if strings.HasPrefix(plan, "EXPLAIN failed") {
					t.Fatal(plan)
				}
				if tc.filter.Search.Empty() && tc.filter.ClaimID == "" && i == len(plans)-1 {
					continue // the unsearched counts read every visible claim by design
				}
				for _, table := range []string{"claims", "patients", "coverages", "encounters", "claim_payments"} {
					if strings.Contains(plan, "Seq Scan on "+table+" ") {
						t.Errorf("plan %d scans %s sequentially:\n%s", i, table, plan)
					}
				}
			}
		})
	}
}

// maxArg is the highest $n in sql.
func maxArg(sql string) int {
	n := 0
	for i := 1; i <= 3; i++ {
		if strings.Contains(sql, fmt.Sprintf("$%d", i)) {
			n = i
		}
	}
	return n
}

// TestSavedFilters: a user saves, lists and deletes their own filters; a
// second user (of the same or another tenant) neither sees nor deletes
// them; bad filters are refused naming the field.
func TestSavedFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	billerA := userWithRole(t, f.s, f.facA.ID, "biller-sf-a", "biller")
	billerB := userWithRole(t, f.s, f.facB.ID, "biller-sf-b", "biller")
	root2 := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST TENANT 2"}))
	admin2 := userWithRole(t, f.s, root2.ID, "admin-sf-2", "admin")

	saved := must[rcm.SavedFilter](t)(f.s.SaveFilter(ctx, billerA, rcm.SavedFilter{Name: "  Denied this month ", Query: "?status=needs_correction&sort=balance&order=desc"}))
	if saved.Name != "Denied this month" || saved.Query != "status=needs_correction&sort=balance&order=desc" || saved.ID == "" {
		t.Fatalf("saved %+v", saved)
	}
	for _, u := range []store.Actor{billerB, admin2, f.admin} {
		got := must[[]rcm.SavedFilter](t)(f.s.SavedFilters(ctx, u))
		if len(got) != 0 {
			t.Errorf("another user sees %+v", got)
		}
		if err := f.s.DeleteSavedFilter(ctx, u, saved.ID); err != store.ErrNotFound {
			t.Errorf("another user's delete: %v", err)
		}
	}
	got := must[[]rcm.SavedFilter](t)(f.s.SavedFilters(ctx, billerA))
	if len(got) != 1 || got[0].ID != saved.ID {
		t.Fatalf("own filters %+v", got)
	}
	var orgID string
	if err := f.s.Pool.QueryRow(ctx, `SELECT org_id::text FROM saved_filters WHERE id = $1`, saved.ID).Scan(&orgID); err != nil || orgID != f.facA.ID {
		t.Errorf("saved at org %s (%v), want the user's own %s", orgID, err, f.facA.ID)
	}
	for _, tc := range []struct {
		in      rcm.SavedFilter
		pointer string
	}{
		{rcm.SavedFilter{Name: " ", Query: "q=x"}, "/name"},
		{rcm.SavedFilter{Name: strings.Repeat("n", 81), Query: "q=x"}, "/name"},
		{rcm.SavedFilter{Name: "ok", Query: "q=x&cursor=abc"}, "/query"},
		{rcm.SavedFilter{Name: "ok", Query: "nonsense=1"}, "/query"},
		{rcm.SavedFilter{Name: "ok", Query: "q=a&q=b"}, "/query"},
		{rcm.SavedFilter{Name: "ok", Query: "q=%zz"}, "/query"},
	} {
		_, err := f.s.SaveFilter(ctx, billerA, tc.in)
		ve, ok := err.(*rcm.ValidationError)
		if !ok || ve.Fields[0].Pointer != tc.pointer {
			t.Errorf("SaveFilter(%+v) = %v, want a problem at %s", tc.in, err, tc.pointer)
		}
	}
	if err := f.s.DeleteSavedFilter(ctx, billerA, saved.ID); err != nil {
		t.Fatal(err)
	}
	if got := must[[]rcm.SavedFilter](t)(f.s.SavedFilters(ctx, billerA)); len(got) != 0 {
		t.Errorf("after delete %+v", got)
	}
}
