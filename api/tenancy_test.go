package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// Two tenants: separate organisation trees (A and B), each with a
// practice, a provider, a payer with the same external payer ID (payer IDs
// are shared by every practice billing that payer) and one patient's
// records.

type tenant struct {
	name     string
	root     store.Org
	practice store.Org
	admin    string // token of an admin at the root
	prov     store.Provider
	payer    store.Payer
	recs     records
	tokens   map[string]string // role -> token of a user holding it at the root
	users    map[string]string // role -> user ID

	// Set by the tests that make them.
	remittance, workItem, tokenID string
	statement                     string
	deposit                       string
	savedFilter                   string
	authorization                 string
	importRun                     string
	importSync, syncFlag          string
}

var tenantRoles = []string{"admin", "front_desk", "clinician", "biller", "compliance", "scheduler_system"}

func newTenant(w *world, name, npi, member string, day int) *tenant {
	w.t.Helper()
	ctx := context.Background()
	tn := &tenant{name: name, tokens: map[string]string{}, users: map[string]string{}}
	var err error
	if tn.root, err = w.store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST TENANT " + name}); err != nil {
		w.t.Fatal(err)
	}
	tn.admin = w.token(tn.root.ID, "tenant-"+name+"-root-admin", "admin")
	w.mustCall(201, tn.admin, "POST", "/v1/orgs", map[string]any{"parent_id": tn.root.ID, "kind": "practice", "name": "TEST PRACTICE " + name}, &tn.practice)
	w.mustCall(201, tn.admin, "POST", "/v1/providers", map[string]any{"org_id": tn.practice.ID, "npi": npi, "last_name": "TESTDOC " + name, "taxonomy": "207Q00000X"}, &tn.prov)
	w.mustCall(201, tn.admin, "POST", "/v1/payers", map[string]any{"org_id": tn.root.ID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "local"}, &tn.payer)
	tn.recs = w.makeRecordsWith(tn.admin, tn.payer, tn.practice, tn.prov, "TENANT"+name, member, day)
	for _, role := range tenantRoles {
		login := "tenant-" + name + "-" + role
		tn.tokens[role] = w.token(tn.root.ID, login, role)
		var uid string
		if err := w.store.Pool.QueryRow(ctx, "SELECT id::text FROM users WHERE lower(login) = lower($1)", login).Scan(&uid); err != nil {
			w.t.Fatal(err)
		}
		tn.users[role] = uid
	}
	return tn
}

// raw sends a request and answers the status and the body.
func (e *env) raw(tok, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// sameRefusal compares two problem answers without their request-specific
// members (the path asked for and the request ID).
func sameRefusal(a, b []byte) bool {
	norm := func(raw []byte) string {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			return string(raw)
		}
		delete(m, "instance")
		delete(m, "request_id")
		out, _ := json.Marshal(m)
		return string(out)
	}
	return norm(a) == norm(b)
}

// post835 posts, through the store's posting path, one 835 transaction
// received through the clearinghouse account "local": CLP 1 pays the
// claim, CLP 2 matches no claim. No EFT deposit is recorded, so the
// remittance waits in the work queue for reconciliation too.
func post835(t *testing.T, w *world, trace, pcn string) string {
	t.Helper()
	ctx := context.Background()
	rid, _, err := w.store.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: trace, FileKey: "test",
		PaidCents: 9000, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.PostClaimPayment(ctx, rid, store.ClaimPaymentRecord{Seq: 1, PatientControl: pcn, StatusCode: "1",
		ChargeCents: 12500, PaidCents: 9000, PayerClaimNumber: "ZZCLM" + trace,
		Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.PostClaimPayment(ctx, rid, store.ClaimPaymentRecord{Seq: 2, PatientControl: "ZZNOSUCH" + trace, StatusCode: "1",
		ChargeCents: 100, PaidCents: 0, PayerClaimNumber: "ZZCLMX" + trace}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.ReconcileEFT(ctx, rid); err != nil {
		t.Fatal(err)
	}
	return rid
}

// sendClaims batches the tenant's claim through the clearinghouse account
// "local", as the claim batch workflow does: the tenant now bills through
// that account.
func sendClaims(t *testing.T, w *world, tn *tenant) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.store.Pool.Exec(ctx, "UPDATE claims SET status = 'ready' WHERE id = $1", tn.recs.claim.ID); err != nil {
		t.Fatal(err)
	}
	b, err := w.store.ReserveBatches(ctx, "local", "run-"+tn.name, 10)
	if err != nil || len(b) != 1 {
		t.Fatalf("batches for tenant %s = %+v (%v), want one", tn.name, b, err)
	}
}

// TestRemittancesStayInTheirTenant (issue 14, finding 1): tenant A's 835
// (a claim payment, an unmatched payment, a remittance waiting for its
// deposit) is A's alone. Tenant B, whose payer has the same external payer
// ID, never lists A's remittance or work items in any role, cannot resolve
// A's item (the answer is the one for an ID that does not exist), and A's
// resolution is audited in A's organisation. Work item IDs are opaque.
func TestRemittancesStayInTheirTenant(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	rid := post835(t, w, "ZZEFTA1", a.recs.claim.PatientControlNumber)

	// A sees its remittance, its payment's adjustments and its work items.
	var remA Remittances
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/remittances", nil, &remA)
	if len(remA.Items) != 1 || remA.Items[0].ID != rid || remA.Items[0].Payments != nil ||
		remA.Items[0].Totals != (rcm.RemittanceTotals{ClaimPayments: 2, ChargeCents: 12600, PaidCents: 9000, AdjustedCents: 3500}) {
		t.Fatalf("tenant A's remittances = %+v, want its remittance with the totals of both payments", remA.Items)
	}
	var queueA struct {
		Items []map[string]any `json:"items"`
	}
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/remittances/work-queue", nil, &queueA)
	if len(queueA.Items) != 2 {
		t.Fatalf("tenant A's work queue = %+v, want the unmatched payment and the unreconciled deposit", queueA.Items)
	}
	var itemIDs []string
	for _, it := range queueA.Items {
		id, _ := it["id"].(string)
		if len(id) != 36 || uuid.Validate(id) != nil {
			t.Errorf("work item ID %v is not an opaque UUID", it["id"])
		}
		itemIDs = append(itemIDs, string(mustJSON(t, it["id"])))
	}

	// B, in every role, lists none of it.
	for _, role := range tenantRoles {
		var rem Remittances
		if st := w.call(b.tokens[role], "GET", "/v1/dashboard/remittances", nil, &rem); st == 200 {
			for _, r := range rem.Items {
				if r.ID == rid || r.TraceNumber == "ZZEFTA1" {
					t.Errorf("tenant B's %s lists tenant A's remittance %s (paid %d, totals %+v)", role, r.ID, r.PaidCents, r.Totals)
				}
			}
			if len(rem.WorkQueue) != 0 {
				t.Errorf("tenant B's %s sees work items %+v", role, rem.WorkQueue)
			}
		}
		var q struct {
			Items []map[string]any `json:"items"`
		}
		if st := w.call(b.tokens[role], "GET", "/v1/dashboard/remittances/work-queue", nil, &q); st == 200 && len(q.Items) != 0 {
			t.Errorf("tenant B's %s lists work items %+v", role, q.Items)
		}
		var sum RemittanceSummary
		if st := w.call(b.tokens[role], "GET", "/v1/dashboard/remittances/summary", nil, &sum); st == 200 && (sum.Remittances != 0 || sum.OpenWorkItems != 0) {
			t.Errorf("tenant B's %s summary counts A's remittance: %+v", role, sum)
		}
	}

	// B cannot resolve A's item: the answer is the one for a made-up ID.
	for _, id := range itemIDs {
		path := "/v1/dashboard/remittances/work-queue/" + unquote(id) + "/resolve"
		st, body := w.raw(b.tokens["biller"], "POST", path, map[string]any{"resolution": "not_ours"})
		stMade, bodyMade := w.raw(b.tokens["biller"], "POST", "/v1/dashboard/remittances/work-queue/"+madeUpID(id)+"/resolve", map[string]any{"resolution": "not_ours"})
		if st != stMade || st != 404 || !sameRefusal(body, bodyMade) {
			t.Errorf("tenant B resolving A's item = %d %s; a made-up ID = %d %s; want the same 404", st, body, stMade, bodyMade)
		}
	}
	var open int
	if err := w.store.Pool.QueryRow(context.Background(), "SELECT count(*) FROM remit_work_queue WHERE remittance_id = $1 AND status = 'open'", rid).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open != 2 {
		t.Errorf("tenant A has %d open work items after B's attempts, want 2", open)
	}

	// A resolves its item; the audit row is in A's tree.
	first := unquote(itemIDs[0])
	w.mustCall(200, a.tokens["biller"], "POST", "/v1/dashboard/remittances/work-queue/"+first+"/resolve", map[string]any{"resolution": "not_ours"}, nil)
	var inA bool
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT bool_and(o.path <@ r.path) FROM audit_log l JOIN orgs o ON o.id = l.org_id, orgs r
		WHERE r.id = $1 AND l.resource = 'remit_work_item' AND l.resource_id = $2`, a.root.ID, first).Scan(&inA); err != nil {
		t.Fatal(err)
	}
	if !inA {
		t.Errorf("the audit row of A's resolution is not in tenant A's organisations")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unquote turns a JSON string or number back into its text.
func unquote(j string) string {
	var s string
	if json.Unmarshal([]byte(j), &s) == nil {
		return s
	}
	return j
}

// madeUpID is an ID of the same shape that names nothing.
func madeUpID(j string) string {
	if s := unquote(j); s != j {
		return uuid.NewString()
	}
	return "999999999"
}

// TestCrossTenantGrantsAreRefusedLikeMadeUpUsers (issue 14, finding 4):
// B's admin cannot grant a role to A's user, at B's organisation or at
// A's, and every access-management call on A's user (read, grant, revoke,
// disable, enable, unlock, tokens) answers exactly what it answers for a
// user ID that does not exist, so it reveals nothing. A's user then still
// cannot read B's patient.
func TestCrossTenantGrantsAreRefusedLikeMadeUpUsers(t *testing.T) {
	w := newWorld(t)
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	victim := a.users["clinician"]
	var tok store.IssuedToken
	w.mustCall(201, a.admin, "POST", "/v1/users/"+a.users["scheduler_system"]+"/tokens", nil, &tok)
	type call struct {
		method, path string
		body         any
	}
	calls := func(user, tokenID string) []call {
		return []call{
			{"GET", "/v1/users/" + user, nil},
			{"POST", "/v1/users/" + user + "/grants", map[string]any{"org_id": b.root.ID, "role": "biller"}},
			{"POST", "/v1/users/" + user + "/grants", map[string]any{"org_id": b.practice.ID, "role": "admin"}},
			{"POST", "/v1/users/" + user + "/grants", map[string]any{"org_id": a.root.ID, "role": "admin"}},
			{"POST", "/v1/users/" + user + "/grants/revoke", map[string]any{"org_id": a.root.ID, "role": "clinician"}},
			{"POST", "/v1/users/" + user + "/disable", nil},
			{"POST", "/v1/users/" + user + "/enable", nil},
			{"POST", "/v1/users/" + user + "/unlock", nil},
			{"GET", "/v1/users/" + user + "/tokens", nil},
			{"POST", "/v1/users/" + user + "/tokens", nil},
			{"POST", "/v1/users/" + user + "/tokens/" + tokenID + "/revoke", nil},
		}
	}
	realCalls := calls(victim, tok.ID)
	realSys := calls(a.users["scheduler_system"], tok.ID)
	madeUp := calls(uuid.NewString(), uuid.NewString())
	for i := range realCalls {
		for _, target := range [][]call{realCalls, realSys} {
			st, body := w.raw(b.admin, target[i].method, target[i].path, target[i].body)
			stM, bodyM := w.raw(b.admin, madeUp[i].method, madeUp[i].path, madeUp[i].body)
			if st != stM || st < 400 || !sameRefusal(body, bodyM) {
				t.Errorf("B's admin: %s %s on A's user = %d %s; on a made-up user = %d %s; want the same refusal",
					target[i].method, target[i].path, st, body, stM, bodyM)
			}
		}
	}
	// Nothing changed for A's user: no grant in B, still enabled, token live.
	var u store.UserDetail
	w.mustCall(200, a.admin, "GET", "/v1/users/"+victim, nil, &u)
	if u.Disabled || len(u.Grants) != 1 || u.Grants[0].OrgID != a.root.ID || u.Grants[0].Role != "clinician" {
		t.Errorf("A's user after B's attempts = %+v, want only clinician at A, enabled", u)
	}
	var toks List[store.APIToken]
	w.mustCall(200, a.admin, "GET", "/v1/users/"+a.users["scheduler_system"]+"/tokens", nil, &toks)
	for _, x := range toks.Items {
		if x.RevokedAt != nil {
			t.Errorf("A's token %s was revoked by B", x.ID)
		}
	}
	if st := w.call(a.tokens["clinician"], "GET", "/v1/patients/"+b.recs.patient.ID, nil, nil); st != 404 {
		t.Errorf("A's clinician reading B's patient = %d, want 404", st)
	}
	// B's admin can still grant to B's own users (the test is not vacuous).
	w.mustCall(201, b.admin, "POST", "/v1/users/"+b.users["clinician"]+"/grants", map[string]any{"org_id": b.practice.ID, "role": "biller"}, nil)
}

// TestDeniedCrossTenantAttemptsAreAudited (issue 14, finding 8, denials):
// B's reads and writes of A's records are refused exactly like made-up
// IDs, and each refusal is audited in B's organisation (the actor's),
// never in A's, naming the route but not whether the record exists.
func TestDeniedCrossTenantAttemptsAreAudited(t *testing.T) {
	w := newWorld(t)
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	ctx := context.Background()
	count := func(actor, rootID string) int {
		t.Helper()
		var n int
		if err := w.store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log l JOIN orgs o ON o.id = l.org_id, orgs r
			WHERE r.id = $2 AND o.path <@ r.path AND l.actor_id = $1 AND l.action = 'deny'`, actor, rootID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/patients/" + a.recs.patient.ID},
		{"PATCH", "/v1/patients/" + a.recs.patient.ID},
		{"GET", "/v1/claims/" + a.recs.claim.ID},
	} {
		before := count(b.users["admin"], b.root.ID)
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"phone": "555-0199"}
		}
		st, got := w.raw(b.tokens["admin"], c.method, c.path, body)
		made := c.path[:len(c.path)-36] + uuid.NewString()
		stM, gotM := w.raw(b.tokens["admin"], c.method, made, body)
		if st != 404 || stM != 404 || !sameRefusal(got, gotM) {
			t.Errorf("%s %s: A's record = %d %s, made-up = %d %s; want the same 404", c.method, c.path, st, got, stM, gotM)
		}
		// One row for A's record and one for the made-up ID: audited alike.
		if after := count(b.users["admin"], b.root.ID); after != before+2 {
			t.Errorf("%s %s on A's record and on a made-up ID: %d new denial audit rows in B's organisations, want 2", c.method, c.path, after-before)
		}
		if n := count(b.users["admin"], a.root.ID); n != 0 {
			t.Errorf("%s %s: %d denial rows landed in A's organisations", c.method, c.path, n)
		}
	}
	// A's compliance officer does not see B's denials; B's does.
	var la, lb List[store.AuditEntry]
	w.mustCall(200, a.tokens["compliance"], "GET", "/v1/audit", nil, &la)
	w.mustCall(200, b.tokens["compliance"], "GET", "/v1/audit", nil, &lb)
	for _, e := range la.Items {
		if e.ActorID == b.users["admin"] {
			t.Errorf("A's audit log shows B's actor: %+v", e)
		}
	}
	found := false
	for _, e := range lb.Items {
		found = found || e.Action == "deny" && e.ActorID == b.users["admin"]
	}
	if !found {
		t.Errorf("B's audit log has no denial of B's admin: %+v", lb.Items)
	}
}

// TestMixed835IsSplitByClaimOwner (issue 14, finding 1): one 835
// transaction paying a claim of A and a claim of B (both bill through the
// same account) is split by the claims' owners: each tenant sees only its
// own claim payment, its adjustments and its share of the amount, not the
// transaction's totals. A payment matching no claim belongs to the
// organisations billing through the account: both see it, and nobody
// else does.
func TestMixed835IsSplitByClaimOwner(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	c := newTenant(w, "C", "1333333338", "ZZ0000003", 3) // has sent nothing through the account
	sendClaims(t, w, a)
	sendClaims(t, w, b)
	ctx := context.Background()
	rid, _, err := w.store.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "ZZEFTMIX", FileKey: "test",
		PaidCents: 15000, ProviderAdjCents: -500, Balanced: false, BalanceProblems: []string{"TEST PROBLEM"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range []store.ClaimPaymentRecord{
		{PatientControl: a.recs.claim.PatientControlNumber, PaidCents: 9000, Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 3500}}},
		{PatientControl: b.recs.claim.PatientControlNumber, PaidCents: 6000, Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "97", AmountCents: 6500}}},
		{PatientControl: "ZZNOSUCHMIX", PaidCents: 0},
	} {
		p.Seq, p.StatusCode, p.ChargeCents = i+1, "1", 12500
		if _, _, err := w.store.PostClaimPayment(ctx, rid, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		tn       *tenant
		claimID  string
		paid     int64
		adjusted int64
		reason   string
		otherPay string
	}{{a, a.recs.claim.ID, 9000, 3500, "45", b.recs.claim.ID}, {b, b.recs.claim.ID, 6000, 6500, "97", a.recs.claim.ID}} {
		var rem Remittances
		w.mustCall(200, tc.tn.tokens["biller"], "GET", "/v1/dashboard/remittances", nil, &rem)
		if len(rem.Items) != 1 {
			t.Fatalf("tenant %s sees %d remittances, want the mixed one", tc.tn.name, len(rem.Items))
		}
		r := rem.Items[0]
		// Its own payment and the unmatched one (both bill through the
		// account), with its own adjustment alone; the export lists them.
		if want := (rcm.RemittanceTotals{ClaimPayments: 2, ChargeCents: 25000, PaidCents: tc.paid, AdjustedCents: tc.adjusted}); r.Totals != want {
			t.Errorf("tenant %s sees totals %+v, want %+v (its own payment and the unmatched one)", tc.tn.name, r.Totals, want)
		}
		items, _, err := w.store.DashRemittancesWithPayments(ctx, store.Actor{UserID: tc.tn.users["biller"]}, store.Page{})
		if err != nil || len(items) != 1 {
			t.Fatalf("tenant %s's export: %d remittances, %v", tc.tn.name, len(items), err)
		}
		var claims []string
		for _, p := range items[0].Payments {
			claims = append(claims, p.ClaimID)
			if p.ClaimID == tc.claimID && (len(p.Adjustments) != 1 || p.Adjustments[0].Reason != tc.reason) {
				t.Errorf("tenant %s's payment adjustments = %+v, want its own CO-%s", tc.tn.name, p.Adjustments, tc.reason)
			}
		}
		if ps := items[0].Payments; len(ps) != 2 || ps[0].ClaimID != tc.claimID || ps[1].ClaimID != "" {
			t.Errorf("tenant %s exports payments for claims %q, want its own and the unmatched one", tc.tn.name, claims)
		}
		if r.PaidCents != tc.paid || r.ProviderAdjCents != 0 || len(r.BalanceProblems) != 0 {
			t.Errorf("tenant %s sees paid %d, provider adjustments %d, problems %v; want its share %d and no transaction-wide figures",
				tc.tn.name, r.PaidCents, r.ProviderAdjCents, r.BalanceProblems, tc.paid)
		}
	}
	var remC Remittances
	w.mustCall(200, c.tokens["admin"], "GET", "/v1/dashboard/remittances", nil, &remC)
	if len(remC.Items) != 0 || len(remC.WorkQueue) != 0 {
		t.Errorf("tenant C (another account) sees %+v and work items %+v", remC.Items, remC.WorkQueue)
	}
}
