package api

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestPayerEnrollmentAPI (issue 16; ground for issue 19): payer
// enrollment per provider, payer and transaction is set and listed per
// organisation; bad input is a 422 naming the field (an approval without
// its effective date, a clearinghouse this server does not know); the
// provider and payer editors' fields are validated the same way (an NPI
// whose check digit fails, a payer routed to an unknown clearinghouse);
// and another tenant can neither list nor set the first's enrollments:
// its organisation answers exactly as a made-up one.
func TestPayerEnrollmentAPI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	w.api.clearinghouses = []string{"local", "sim"}
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	path := "/v1/orgs/" + a.practice.ID + "/enrollments"
	biller := a.tokens["biller"]

	var p Problem
	one := func(want string) {
		t.Helper()
		if len(p.Errors) != 1 || p.Errors[0].Pointer != want {
			t.Errorf("problem %+v; want one error naming %s", p, want)
		}
		p = Problem{}
	}
	// The editors' field checks.
	w.mustCall(422, a.admin, "POST", "/v1/providers", map[string]any{"org_id": a.practice.ID, "npi": "1234567890", "last_name": "TESTDOC X", "taxonomy": "207Q00000X"}, &p)
	one("/npi")
	w.mustCall(422, a.admin, "PATCH", "/v1/providers/"+a.prov.ID, map[string]any{"npi": "1245319598"}, &p)
	one("/npi")
	w.mustCall(422, a.admin, "PATCH", "/v1/providers/"+a.prov.ID, map[string]any{"taxonomy": "207Q0000"}, &p)
	one("/taxonomy")
	var prov store.Provider
	w.mustCall(200, a.admin, "PATCH", "/v1/providers/"+a.prov.ID, map[string]any{"first_name": "TESTFIRST", "credentials": []string{"MD"}}, &prov)
	if prov.NPI != "1234567893" || prov.FirstName != "TESTFIRST" || !slices.Equal(prov.Credentials, []string{"MD"}) {
		t.Errorf("provider after patch: %+v", prov)
	}
	w.mustCall(422, biller, "PATCH", "/v1/payers/"+a.payer.ID, map[string]any{"clearinghouse": "nowhere", "enrollment_required": true}, &p)
	one("/clearinghouse")
	var payer store.Payer
	w.mustCall(200, biller, "PATCH", "/v1/payers/"+a.payer.ID, map[string]any{"clearinghouse": "sim", "enrollment_required": true}, &payer)
	if !payer.EnrollmentRequired || payer.Clearinghouse != "sim" {
		t.Fatalf("payer after patch: %+v", payer)
	}

	// Enrollment: validation by field.
	set := map[string]any{"provider_id": a.prov.ID, "payer_id": a.payer.ID, "transaction": "837", "status": "approved"}
	w.mustCall(422, biller, "PUT", path, set, &p)
	one("/effective_date")
	set["effective_date"], set["clearinghouse"] = "2026-01-01", "nowhere"
	w.mustCall(422, biller, "PUT", path, set, &p)
	one("/clearinghouse")
	if !strings.Contains(w.lastDetail(biller, "PUT", path, set), "local, sim") {
		t.Error("the unknown clearinghouse's problem does not list the configured ones")
	}
	set["transaction"], set["clearinghouse"] = "276", ""
	w.mustCall(422, biller, "PUT", path, set, &p)
	one("/transaction")
	// B's payer is not one A's provider bills.
	w.mustCall(422, biller, "PUT", path, map[string]any{"provider_id": a.prov.ID, "payer_id": b.payer.ID, "transaction": "837", "status": "submitted"}, &p)
	one("/payer_id")

	// Set: the clearinghouse defaults to the payer's route; a front desk
	// may read payers but not change enrollment.
	set["transaction"] = "837"
	var e rcm.Enrollment
	w.mustCall(200, biller, "PUT", path, set, &e)
	if e.Status != "approved" || e.EffectiveDate != "2026-01-01" || e.Clearinghouse != "sim" || e.ProviderNPI != "1234567893" || e.PayerCode != "ZZPAYER1" {
		t.Fatalf("enrollment = %+v", e)
	}
	w.mustCall(403, a.tokens["front_desk"], "PUT", path, set, nil)
	var list EnrollmentList
	w.mustCall(200, a.tokens["front_desk"], "GET", path, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != e.ID || !slices.Equal(list.KnownClearinghouses, []string{"local", "sim"}) {
		t.Fatalf("list = %+v", list)
	}
	list = EnrollmentList{}
	w.mustCall(200, a.admin, "GET", "/v1/orgs/"+a.root.ID+"/enrollments", nil, &list)
	if len(list.Items) != 1 {
		t.Errorf("list at A's root = %+v; want the practice's enrollment", list.Items)
	}

	// Tenant B: A's organisation answers as a made-up one, for reading and
	// for setting, whatever it names.
	ghost := "/v1/orgs/" + ghostOf(a).practice.ID + "/enrollments"
	for _, method := range []string{"GET", "PUT"} {
		var body any
		if method == "PUT" {
			body = map[string]any{"provider_id": a.prov.ID, "payer_id": a.payer.ID, "transaction": "837", "status": "rejected"}
		}
		for _, role := range []string{"admin", "biller"} {
			st, got := w.raw(b.tokens[role], method, path, body)
			stG, gotG := w.raw(b.tokens[role], method, ghost, body)
			if st != 404 || stG != 404 || !sameRefusal(got, gotG) || strings.Contains(string(got), a.prov.ID) {
				t.Errorf("tenant B's %s: %s A's enrollments = %d %s; made-up = %d %s", role, method, st, got, stG, gotG)
			}
		}
	}
	// B naming A's provider from its own organisation: "does not exist".
	w.mustCall(422, b.admin, "PUT", "/v1/orgs/"+b.practice.ID+"/enrollments",
		map[string]any{"provider_id": a.prov.ID, "payer_id": b.payer.ID, "transaction": "837", "status": "submitted"}, &p)
	one("/provider_id")
	list = EnrollmentList{}
	w.mustCall(200, b.admin, "GET", "/v1/orgs/"+b.root.ID+"/enrollments", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("tenant B lists %+v", list.Items)
	}
	list = EnrollmentList{}
	w.mustCall(200, a.admin, "GET", path, nil, &list)
	if len(list.Items) != 1 || list.Items[0].Status != "approved" {
		t.Errorf("A's enrollment after tenant B's attempts: %+v", list.Items)
	}

	// Audited by field name, with the caller as actor.
	var fields []string
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT fields FROM audit_log WHERE resource = 'payer_enrollment' AND resource_id = $1
		AND actor_id = (SELECT id FROM users WHERE lower(login) = lower($2))`, e.ID, "tenant-A-biller").Scan(&fields); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fields, []string{"status", "effective_date", "clearinghouse", "notes"}) {
		t.Errorf("audit fields = %v", fields)
	}
}

// lastDetail sends a request expected to fail and answers its field
// errors' details, joined.
func (e *env) lastDetail(tok, method, path string, body any) string {
	e.t.Helper()
	var p Problem
	e.call(tok, method, path, body, &p)
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Detail)
	}
	return strings.Join(out, "; ")
}
