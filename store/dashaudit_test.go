package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// auditRow is an audit_log row as stored.
type auditRow struct {
	actor, org, patient, action, resource, resourceID string
	fields                                            []string
}

func auditRowsOf(t *testing.T, s *store.Store, requestID string) []auditRow {
	t.Helper()
	rows, err := s.Pool.Query(context.Background(), `SELECT coalesce(actor_id::text, ''), coalesce(org_id::text, ''), coalesce(patient_id::text, ''),
		action, resource, resource_id, fields FROM audit_log WHERE request_id = $1 ORDER BY id`, requestID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.actor, &r.org, &r.patient, &r.action, &r.resource, &r.resourceID, &r.fields); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func verifyAudit(t *testing.T, s *store.Store) {
	t.Helper()
	rep, err := s.VerifyAudit(context.Background())
	if err != nil || !rep.OK {
		t.Fatalf("audit chain does not verify: %v %+v", err, rep)
	}
}

// TestAuditRowsOneStatement appends several rows at once (one statement,
// InsertAuditRows) and with fields the join cannot carry (one statement a
// row): every row is stored as given, in order, and the chain verifies.
func TestAuditRowsOneStatement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		entries []store.AuditEntry
	}{
		{"page", []store.AuditEntry{
			{OrgID: f.facA.ID, PatientID: f.patientA.ID, Action: store.ActionList, Resource: "claim", ResourceID: "c-1",
				Fields: []string{"status", "total_cents", "first_name", "last_name"}},
			{OrgID: f.facB.ID, PatientID: f.patientB.ID, Action: store.ActionList, Resource: "claim", ResourceID: "c-2",
				Fields: []string{"status", "total_cents"}},
			{Action: store.ActionRead, Resource: "era", ResourceID: "e-1", Fields: nil},
			{OrgID: f.facA.ID, Action: store.ActionRead, Resource: "era", ResourceID: "e-2", Fields: []string{"claim_payment/1", "a,b"}},
		}},
		{"unjoinable", []store.AuditEntry{
			{OrgID: f.facA.ID, Action: store.ActionRead, Resource: "x", ResourceID: "1", Fields: []string{"a", ""}},
			{OrgID: f.facA.ID, Action: store.ActionRead, Resource: "x", ResourceID: "2", Fields: []string{"b\x1fc"}},
		}},
	} {
		a := f.admin
		a.RequestID = "req-audit-" + tc.name
		if err := f.s.AuditForTest(ctx, a, tc.entries...); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := auditRowsOf(t, f.s, a.RequestID)
		if len(got) != len(tc.entries) {
			t.Fatalf("%s: %d rows stored, want %d", tc.name, len(got), len(tc.entries))
		}
		for i, e := range tc.entries {
			want := auditRow{a.UserID, e.OrgID, e.PatientID, e.Action, e.Resource, e.ResourceID, e.Fields}
			if want.fields == nil {
				want.fields = []string{}
			}
			if g := got[i]; g.actor != want.actor || g.org != want.org || g.patient != want.patient || g.action != want.action ||
				g.resource != want.resource || g.resourceID != want.resourceID || !slices.Equal(g.fields, want.fields) {
				t.Errorf("%s row %d: stored %+v, want %+v", tc.name, i, g, want)
			}
		}
		verifyAudit(t, f.s)
	}
}

// TestDashClaimsPageNamesAndAudit lists a page of the worklist (the
// page's names read in one statement): each claim shows its own patient's
// name where the actor may read patients and is masked elsewhere, another
// tenant's names never appear, every listed claim has its audit row
// naming the claim, its patient and the fields shown, and the chain
// verifies.
func TestDashClaimsPageNamesAndAudit(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	ctx := context.Background()
	// A reader of claims across the tenant who reads patients at
	// facility A only.
	if _, err := f.s.Pool.Exec(ctx, `INSERT INTO role_permissions (role, permission) VALUES ('zz_claims_only', 'claim:read')`); err != nil {
		t.Fatal(err)
	}
	mixed := userWithRole(t, f.s, f.root.ID, "claims-only", "zz_claims_only")
	if err := f.s.Grant(ctx, store.System, mixed.UserID, f.facA.ID, "front_desk"); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{sw.c1.ID: "Alphafirst Testpatient", sw.c2.ID: "Bravofirst Testpatient", sw.c3.ID: "Alphafirst Othername",
		sw.c4.ID: "Alphafirst Testpatient", sw.c5.ID: "Alphafirst Testpatient"}
	for _, tc := range []struct {
		name   string
		actor  store.Actor
		want   []string        // claims listed
		masked map[string]bool // of them, those masked
	}{
		{"tenant 1 admin", f.admin, []string{sw.c1.ID, sw.c2.ID, sw.c3.ID, sw.c4.ID}, nil},
		{"tenant 2 admin", sw.admin2, []string{sw.c5.ID}, nil},
		{"patients at A only", mixed, []string{sw.c1.ID, sw.c2.ID, sw.c3.ID, sw.c4.ID}, map[string]bool{sw.c2.ID: true}},
	} {
		a := tc.actor
		a.RequestID = "req-page-" + strings.ReplaceAll(tc.name, " ", "-")
		page, _, err := f.s.DashClaims(ctx, a, store.DashClaimFilter{}, store.Page{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, c := range page {
			ids = append(ids, c.ID)
			switch {
			case tc.masked[c.ID]:
				if !c.PatientMasked || c.PatientName != "" {
					t.Errorf("%s: claim %s shows %q (masked %v), want it masked", tc.name, sw.names([]string{c.ID}), c.PatientName, c.PatientMasked)
				}
			case c.PatientMasked || c.PatientName != names[c.ID]:
				t.Errorf("%s: claim %s shows %q (masked %v), want %q", tc.name, sw.names([]string{c.ID}), c.PatientName, c.PatientMasked, names[c.ID])
			}
		}
		slices.Sort(ids)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("%s: listed %v, want %v", tc.name, sw.names(ids), sw.names(want))
		}
		rows := auditRowsOf(t, f.s, a.RequestID)
		if len(rows) != len(page) {
			t.Fatalf("%s: %d audit rows for a page of %d", tc.name, len(rows), len(page))
		}
		for i, c := range page {
			fields := []string{"status", "total_cents", "first_name", "last_name"}
			if tc.masked[c.ID] {
				fields = fields[:2]
			}
			want := auditRow{a.UserID, c.OrgID, c.PatientID, store.ActionList, "claim", c.ID, fields}
			if g := rows[i]; g.actor != want.actor || g.org != want.org || g.patient != want.patient || g.action != want.action ||
				g.resource != want.resource || g.resourceID != want.resourceID || !slices.Equal(g.fields, want.fields) {
				t.Errorf("%s: audit row %d is %+v, want %+v", tc.name, i, g, want)
			}
		}
	}
	verifyAudit(t, f.s)
}

// claimsReaderPatientsAtA is a reader of claims across tenant 1 who reads
// patients at facility A only.
func claimsReaderPatientsAtA(t *testing.T, sw *searchWorld) store.Actor {
	t.Helper()
	f := sw.f
	ctx := context.Background()
	if _, err := f.s.Pool.Exec(ctx, `INSERT INTO role_permissions (role, permission) VALUES ('zz_claims_only', 'claim:read') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	mixed := userWithRole(t, f.s, f.root.ID, "claims-only", "zz_claims_only")
	if err := f.s.Grant(ctx, store.System, mixed.UserID, f.facA.ID, "front_desk"); err != nil {
		t.Fatal(err)
	}
	return mixed
}

// TestDashClaimsPageRoundTrips counts the round trips of a page of the
// worklist and of a search whose claims are at two organisations: what
// follows the page's statement (the scope of its organisations, the
// names, the audit chain's head, the audit rows) is two batches,
// whatever the organisations and claims listed, and the page still shows
// and audits what TestDashClaimsPageNamesAndAudit checks.
func TestDashClaimsPageRoundTrips(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	ctx := context.Background()
	mixed := claimsReaderPatientsAtA(t, sw)
	ts, log, err := f.s.TracedCopy(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	for _, tc := range []struct {
		name   string
		filter store.DashClaimFilter
		// BEGIN, the page's statements, the two batches, COMMIT.
		trips int
	}{
		{"worklist", store.DashClaimFilter{}, 1 + 1 + 2 + 1},                                               // plan mode and DashClaimsListed, one batch
		{"search", store.DashClaimFilter{Search: rcm.ClaimSearch{LastName: "Testpatient"}}, 1 + 2 + 2 + 1}, // criterion, DashClaimsByIDs
	} {
		log.TakeTrips()
		page, _, err := ts.DashClaims(ctx, mixed, tc.filter, store.Page{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		orgs := map[string]bool{}
		masked := 0
		for _, c := range page {
			orgs[c.OrgID] = true
			if c.PatientMasked {
				masked++
			}
		}
		if len(orgs) < 2 || masked == 0 || masked == len(page) {
			t.Fatalf("%s: a page of %d claims at %d organisations, %d masked: want both kinds at two", tc.name, len(page), len(orgs), masked)
		}
		if got := log.TakeTrips(); got != tc.trips {
			t.Errorf("%s: %d round trips, want %d", tc.name, got, tc.trips)
		}
	}
	verifyAudit(t, f.s)
}

// TestPageNamesReadOnlyInScope: the batch that checks a page's scope
// sends back the sealed names of the patients at the organisations where
// the actor reads patients only (Postgres applies the scope, so the
// others are never decrypted), once per patient and organisation.
func TestPageNamesReadOnlyInScope(t *testing.T) {
	sw := newSearchWorld(t)
	f := sw.f
	ctx := context.Background()
	mixed := claimsReaderPatientsAtA(t, sw)
	var orgs, patients []string
	for _, c := range []store.Claim{sw.c1, sw.c2, sw.c3, sw.c4, sw.c5, sw.c1} {
		orgs, patients = append(orgs, c.OrgID), append(patients, c.PatientID)
	}
	for _, tc := range []struct {
		name  string
		actor store.Actor
		want  []string
	}{
		{"patients at A only", mixed, []string{sw.c1.PatientID, sw.c3.PatientID}},
		{"tenant 1 admin", f.admin, []string{sw.c1.PatientID, sw.c2.PatientID, sw.c3.PatientID}},
		{"tenant 2 admin", sw.admin2, []string{sw.c5.PatientID}},
		{"system", store.System, []string{sw.c1.PatientID, sw.c2.PatientID, sw.c3.PatientID, sw.c5.PatientID}},
	} {
		got, err := f.s.PageNamesReadForTest(ctx, tc.actor, orgs, patients)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: names read for %v, want %v", tc.name, got, want)
		}
	}
}
