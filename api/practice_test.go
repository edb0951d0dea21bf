package api

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

func validSetup(name string) map[string]any {
	return map[string]any{"name": name, "npi": "1245319599", "tax_id": "12-3456789", "taxonomy": "207Q00000X",
		"address_line1": "1 TEST WAY", "city": "TESTVILLE", "state": "NY", "zip": "100010001",
		"submitter_id": "ZZSUBMIT1", "contact_name": "TEST BILLING OFFICE", "contact_phone": "5550100000"}
}

func pointers(p Problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Pointer)
	}
	return out
}

// TestPracticeBillingProfileAPI (issue 16, item 2): there was no way to
// set a billing profile; now GET/PUT per organisation validate each field
// by name, a child practice shows "missing" (claims held) until it has its
// own profile or explicitly inherits its parent's, shown with the parent's
// name, and another tenant sees and changes nothing.
func TestPracticeBillingProfileAPI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)

	bad := validSetup("TEST TENANT A BILLING")
	bad["npi"], bad["tax_id"], bad["zip"], bad["state"] = "1234567890", "12-34", "10001", "New York"
	var p Problem
	w.mustCall(422, a.admin, "PUT", "/v1/orgs/"+a.root.ID+"/billing-profile", bad, &p)
	for _, want := range []string{"/npi", "/tax_id", "/zip", "/state"} {
		if !slices.Contains(pointers(p), want) {
			t.Errorf("problem %v does not name %s", pointers(p), want)
		}
	}
	var pb rcm.PracticeBilling
	w.mustCall(200, a.admin, "PUT", "/v1/orgs/"+a.root.ID+"/billing-profile", validSetup("TEST TENANT A BILLING"), &pb)
	if pb.Mode != rcm.ProfileOwn || pb.Profile == nil || pb.Profile.TaxID != "123456789" {
		t.Fatalf("root after put: %+v", pb)
	}

	// The child practice does not silently bill as its parent.
	pb = rcm.PracticeBilling{}
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/orgs/"+a.practice.ID+"/billing-profile", nil, &pb)
	if pb.Mode != rcm.ProfileMissing || pb.Profile != nil || !strings.Contains(pb.HoldReason, "no billing profile of its own") {
		t.Fatalf("child practice: %+v; want missing with a hold reason", pb)
	}
	// Inheriting takes no profile fields.
	w.mustCall(422, a.admin, "PUT", "/v1/orgs/"+a.practice.ID+"/billing-profile", map[string]any{"inherit_from_parent": true, "npi": "1245319599"}, &p)
	pb = rcm.PracticeBilling{}
	w.mustCall(200, a.admin, "PUT", "/v1/orgs/"+a.practice.ID+"/billing-profile", map[string]any{"inherit_from_parent": true}, &pb)
	if pb.Mode != rcm.ProfileInherited || pb.InheritedFrom == nil || pb.InheritedFrom.Name != "TEST TENANT A" || pb.Profile == nil {
		t.Fatalf("child after inherit: %+v", pb)
	}
	// A biller may read but not change it.
	w.mustCall(403, a.tokens["biller"], "PUT", "/v1/orgs/"+a.practice.ID+"/billing-profile", validSetup("X"), nil)

	// Tenant B: A's organisation answers as a made-up one, and stays as it was.
	ghost := "/v1/orgs/" + ghostOf(a).practice.ID + "/billing-profile"
	for _, method := range []string{"GET", "PUT"} {
		var body any
		if method == "PUT" {
			body = validSetup("TEST TENANT B BILLING")
		}
		st, got := w.raw(b.admin, method, "/v1/orgs/"+a.practice.ID+"/billing-profile", body)
		stG, gotG := w.raw(b.admin, method, ghost, body)
		if st != 404 || stG != 404 || !sameRefusal(got, gotG) {
			t.Errorf("tenant B %s A's billing profile = %d %s; made-up = %d %s", method, st, got, stG, gotG)
		}
	}
	pb = rcm.PracticeBilling{}
	w.mustCall(200, a.admin, "GET", "/v1/orgs/"+a.practice.ID+"/billing-profile", nil, &pb)
	if pb.Mode != rcm.ProfileInherited {
		t.Errorf("tenant B changed A's setup: %+v", pb)
	}
	// Audited, with the caller as actor.
	var n int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'billing_profile' AND resource_id = $1 AND actor_id = (SELECT id FROM users WHERE lower(login) = lower($2))`,
		a.practice.ID, "tenant-A-root-admin").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("audit rows of A's admin for the practice's billing profile = %d, want 1", n)
	}
}

// TestPayerRoutedToUnknownClearinghouse (issue 16, item 4): a payer routed
// to a clearinghouse the installation does not know was accepted and its
// claims sat in "ready" with no warning. Now create and patch refuse it,
// naming the field and the known clearinghouses, and ready claims of a
// payer whose routing became unknown are listed as warnings, per tenant.
func TestPayerRoutedToUnknownClearinghouse(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	w.api.clearinghouses = []string{"local", "sim"}
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)

	var p Problem
	w.mustCall(422, a.admin, "POST", "/v1/payers", map[string]any{"org_id": a.root.ID, "payer_id": "ZZPAYER7", "name": "TEST PAYER 7", "clearinghouse": "nowhere"}, &p)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/clearinghouse" || !strings.Contains(p.Errors[0].Detail, "local, sim") {
		t.Errorf("create with unknown clearinghouse: %+v", p)
	}
	w.mustCall(422, a.admin, "PATCH", "/v1/payers/"+a.payer.ID, map[string]any{"clearinghouse": "nowhere"}, &p)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/clearinghouse" {
		t.Errorf("patch to unknown clearinghouse: %+v", p)
	}
	w.mustCall(200, a.admin, "PATCH", "/v1/payers/"+a.payer.ID, map[string]any{"clearinghouse": "sim"}, nil)
	w.mustCall(200, a.admin, "PATCH", "/v1/payers/"+a.payer.ID, map[string]any{"clearinghouse": "local"}, nil)

	// A ready claim of A's payer; then the installation drops "local".
	ctx := context.Background()
	for i, st := range []string{"scrubbing", "ready"} {
		if err := w.store.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: a.recs.claim.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var rw RoutingWarnings
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/routing-warnings", nil, &rw)
	if len(rw.Items) != 0 {
		t.Fatalf("warnings while local is configured: %+v", rw.Items)
	}
	w.api.clearinghouses = []string{"sim"}
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/routing-warnings", nil, &rw)
	if len(rw.Items) != 1 || rw.Items[0].PayerID != a.payer.ID || rw.Items[0].ReadyClaims != 1 || rw.Items[0].Clearinghouse != "local" ||
		!strings.Contains(rw.Items[0].Message, "not configured") {
		t.Fatalf("warnings = %+v; want A's payer with its one ready claim", rw.Items)
	}
	w.mustCall(200, b.tokens["biller"], "GET", "/v1/dashboard/routing-warnings", nil, &rw)
	if len(rw.Items) != 0 {
		t.Errorf("tenant B sees A's routing warnings: %+v", rw.Items)
	}
}

type fakeRuns struct {
	mu        sync.Mutex
	triggered []string
}

func (f *fakeRuns) Trigger(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggered = append(f.triggered, id)
	return nil
}

func (f *fakeRuns) SubmitFor(_ context.Context, ch, org string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "batch/" + ch + "/org/" + org + "/now"
	f.triggered = append(f.triggered, id)
	return id, nil
}

// TestSubmitNowAndCheckStatusNow (issue 16, item 3): running a batch or a
// status poll took the Temporal CLI. Now claim:write holders start the
// schedules of the clearinghouses their payers are routed to, and only
// those.
func TestSubmitNowAndCheckStatusNow(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	w.api.clearinghouses = []string{"local", "sim"}
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	var p Problem
	w.api.runs = nil // a server without a Temporal client
	w.mustCall(503, a.tokens["biller"], "POST", "/v1/dashboard/runs/submit", nil, &p)

	runs := &fakeRuns{}
	w.api.runs = runs
	var rs RunsStarted
	w.mustCall(202, a.tokens["biller"], "POST", "/v1/dashboard/runs/submit", nil, &rs)
	w.mustCall(202, a.tokens["biller"], "POST", "/v1/dashboard/runs/check-status", map[string]any{"clearinghouse": "local"}, &rs)
	if rs.Kind != "check-status" || len(rs.Runs) != 1 || rs.Runs[0].Schedule != "inbound/local" || rs.Scope == "" {
		t.Errorf("check status = %+v", rs)
	}
	// No payer of A's is routed to sim.
	w.mustCall(422, a.tokens["biller"], "POST", "/v1/dashboard/runs/submit", map[string]any{"clearinghouse": "sim"}, &p)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/clearinghouse" {
		t.Errorf("submit to another clearinghouse: %+v", p)
	}
	w.mustCall(403, a.tokens["front_desk"], "POST", "/v1/dashboard/runs/submit", nil, nil)
	// A tenant without payers has nothing to run.
	c := newTenantWithoutPayer(w)
	w.mustCall(409, c, "POST", "/v1/dashboard/runs/submit", nil, nil)

	// One practice: only its claims (a run started for it); another
	// tenant naming it gets the made-up ID's answer.
	w.mustCall(202, a.tokens["biller"], "POST", "/v1/dashboard/runs/submit", map[string]any{"org_id": a.practice.ID}, &rs)
	if len(rs.Runs) != 1 || rs.Runs[0].WorkflowID != "batch/local/org/"+a.practice.ID+"/now" || !strings.Contains(rs.Scope, "no other organisation's") {
		t.Errorf("submit now for the practice = %+v", rs)
	}
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	st, body := w.raw(b.tokens["biller"], "POST", "/v1/dashboard/runs/submit", map[string]any{"org_id": a.practice.ID})
	stG, bodyG := w.raw(b.tokens["biller"], "POST", "/v1/dashboard/runs/submit", map[string]any{"org_id": ghostOf(a).practice.ID})
	if st != 404 || stG != 404 || !sameRefusal(body, bodyG) {
		t.Errorf("tenant B submits for A's practice: %d %s; made-up: %d %s", st, body, stG, bodyG)
	}
	w.mustCall(422, a.tokens["biller"], "POST", "/v1/dashboard/runs/check-status", map[string]any{"org_id": a.practice.ID}, &p)

	want := []string{"batch/local", "inbound/local", "batch/local/org/" + a.practice.ID + "/now"}
	if !slices.Equal(runs.triggered, want) {
		t.Errorf("triggered %v, want %v", runs.triggered, want)
	}
	// They are the schedules the worker creates.
	ids := workflows.ScheduleIDs(workflows.ScheduleSpec{Clearinghouses: []string{"local"}})
	for _, id := range want[:2] {
		if !slices.Contains(ids, id) {
			t.Errorf("%s is not one of the worker's schedules %v", id, ids)
		}
	}
}

// newTenantWithoutPayer is a health system whose biller sees no payer.
func newTenantWithoutPayer(w *world) string {
	w.t.Helper()
	org, err := w.store.CreateOrg(context.Background(), store.System, store.Org{Kind: "health_system", Name: "TEST TENANT C"})
	if err != nil {
		w.t.Fatal(err)
	}
	return w.token(org.ID, "tenant-c-biller", "biller")
}
