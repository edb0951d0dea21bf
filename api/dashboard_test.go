package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// fakeClaimWorkflows stands in for Temporal in this API test (scope,
// problems and the spec); the browser test in cmd/claimflow drives the
// real workflows.
type fakeClaimWorkflows struct {
	mu        sync.Mutex
	decisions []workflows.Decision
	problems  []string // the state's problems (codes of a rejecting acknowledgment)
}

func (f *fakeClaimWorkflows) ClaimState(ctx context.Context, claimID string) (workflows.ClaimState, error) {
	return workflows.ClaimState{ClaimID: claimID, RunID: "run-2", Status: workflows.StatusNeedsCorrection, Attempt: 1, FrequencyCode: "1",
		Denial:         &workflows.DenialInfo{Category: workflows.DenialCorrectable, Codes: []string{"CO-16"}, RARCs: []string{"M76"}},
		Deadline:       time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
		AllowedActions: []string{workflows.ActionCorrect, workflows.ActionWriteOff},
		Problems:       f.problems,
		Events: []workflows.ClaimEvent{
			{At: time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC), Status: workflows.StatusAccepted, Note: "276 inquiry 1: STC P1:20"},
			{At: time.Date(2030, 1, 8, 0, 0, 0, 0, time.UTC), Status: workflows.StatusNeedsCorrection, Note: "denied [CO-16]"},
		},
	}, nil
}

func (f *fakeClaimWorkflows) DecideClaim(ctx context.Context, claimID string, d workflows.Decision) (string, error) {
	if d.Action != workflows.ActionCorrect && d.Action != workflows.ActionWriteOff {
		return "", &DecisionRefused{Reason: `action "` + d.Action + `" is not allowed while the claim is needs_correction`}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decisions = append(f.decisions, d)
	return workflows.StatusNeedsCorrection, nil
}

// newDashboardWorld is newWorld with the dashboard mounted (and the EDI
// archive, when given).
func newDashboardWorld(t testing.TB, wf ClaimWorkflows, arch ...EDIArchive) *world {
	t.Helper()
	s, dsn := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	e := &env{t: t, store: s, dsn: dsn, logs: &syncBuffer{}, spec: loadSpec(t), checkSpec: true}
	srv := New(Options{Logger: logging.New(e.logs, "debug"), Version: "test", Records: s})
	d := Dashboard{Workflows: wf, TemporalUIURL: "http://127.0.0.1:8233", Namespace: "default", Runs: &fakeRuns{}}
	if sw, ok := wf.(StatementWorkflows); ok {
		d.Statements = sw
	}
	if len(arch) > 0 {
		d.Archive = arch[0]
	}
	srv.MountDashboard(d)
	// Imports: the run is created as the caller (the store's scope check);
	// starting its workflow is left out here (cmd/claimflow's TestImportCLI
	// runs the real one).
	srv.MountImports(Imports{Records: s, Dir: t.TempDir(), Start: func(ctx context.Context, a rcm.Actor, in fhirimport.Input, name string) (rcm.ImportRun, error) {
		return s.CreateImportRun(ctx, a, rcm.ImportRun{OrgID: in.OrgID, Source: in.Source, SourceName: name, DryRun: in.DryRun})
	}})
	// Syncs: registered as the caller; the Schedule and its trigger are
	// Temporal's (cmd/claimflow's TestImportSyncCLI runs the real ones).
	srv.MountImportSyncs(ImportSyncs{Records: s,
		Schedule: func(context.Context, rcm.ImportSync) error { return nil },
		Trigger:  func(context.Context, string) error { return nil },
		Pause:    func(context.Context, string) error { return nil },
		Resume:   func(context.Context, rcm.ImportSync) error { return nil },
		Delete:   func(context.Context, string) error { return nil }})
	e.api = srv
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			return // health and metrics are outside the spec
		}
		if err := e.spec.check(r, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			e.mu.Lock()
			e.drift = append(e.drift, r.Method+" "+r.URL.Path+" "+rec.Result().Status+": "+err.Error())
			e.mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		e.srv.Close()
		for _, d := range e.drift {
			t.Errorf("response drifts from schemas/openapi.yaml: %s", d)
		}
	})
	ctx := context.Background()
	w := &world{env: e}
	if w.root, err = s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST HEALTH SYSTEM"}); err != nil {
		t.Fatal(err)
	}
	w.rootAdmin = w.token(w.root.ID, "root-admin", "admin")
	w.mustCall(201, w.rootAdmin, "POST", "/v1/orgs", map[string]any{"parent_id": w.root.ID, "kind": "facility", "name": "TEST FACILITY A"}, &w.facA)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/orgs", map[string]any{"parent_id": w.root.ID, "kind": "facility", "name": "TEST FACILITY B"}, &w.facB)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/providers", map[string]any{"org_id": w.facA.ID, "npi": "1234567893", "last_name": "TESTDOC A", "taxonomy": "207Q00000X"}, &w.provA)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/providers", map[string]any{"org_id": w.facB.ID, "npi": "1245319599", "last_name": "TESTDOC B", "taxonomy": "207Q00000X"}, &w.provB)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/payers", map[string]any{"org_id": w.root.ID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "local"}, &w.payer)
	return w
}

// TestDashboardAPIWithFakeWorkflows: the dashboard endpoints answer within
// the caller's organisations and roles, match the OpenAPI spec, explain
// reason codes, poll with ETags, and turn the workflow's refusal into a 409
// problem.
func TestDashboardAPIWithFakeWorkflows(t *testing.T) {
	wf := &fakeClaimWorkflows{}
	w := newDashboardWorld(t, wf)
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	b := w.makeRecords(w.facB, w.provB, "BRAVO", "ZZ0000002", 2)
	billerA := w.token(w.facA.ID, "biller-a", "biller")
	desk := w.token(w.facA.ID, "desk-a", "front_desk")

	type claimList struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	var all, mine claimList
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims", nil, &all)
	w.mustCall(200, billerA, "GET", "/v1/dashboard/claims", nil, &mine)
	if len(all.Items) != 2 || len(mine.Items) != 1 {
		t.Fatalf("root admin sees %d claims, biller A %d; want 2 and 1", len(all.Items), len(mine.Items))
	}
	// Paging: one per page, newest first.
	var p1, p2 claimList
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims?limit=1", nil, &p1)
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims?limit=1&cursor="+p1.NextCursor, nil, &p2)
	if len(p1.Items) != 1 || len(p2.Items) != 1 || p1.Items[0].ID == p2.Items[0].ID || p1.NextCursor == "" {
		t.Errorf("pages: %+v then %+v", p1, p2)
	}
	// Filters.
	var filtered claimList
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims?provider_id="+w.provB.ID+"&min_cents=12500&max_cents=12500", nil, &filtered)
	if len(filtered.Items) != 1 {
		t.Errorf("provider and amount filter: %d claims, want 1", len(filtered.Items))
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims?min_cents=12501", nil, &filtered)
	if len(filtered.Items) != 0 {
		t.Errorf("min_cents above every claim: %d claims", len(filtered.Items))
	}
	w.mustCall(422, w.rootAdmin, "GET", "/v1/dashboard/claims?min_cents=ten", nil, nil)
	// The patient's name only for a role that may read patients.
	if _, err := w.store.Pool.Exec(context.Background(), "INSERT INTO role_permissions (role, permission) VALUES ('test_claims_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(w.facA.ID, "viewer-a", "test_claims_viewer")
	var named, masked List[store.DashClaim]
	w.mustCall(200, billerA, "GET", "/v1/dashboard/claims", nil, &named)
	w.mustCall(200, viewer, "GET", "/v1/dashboard/claims", nil, &masked)
	if len(named.Items) != 1 || named.Items[0].PatientName != "TESTPATIENT ALPHA" || named.Items[0].PatientMasked {
		t.Errorf("biller's worklist row = %+v, want the patient's name", named.Items)
	}
	if len(masked.Items) != 1 || masked.Items[0].PatientName != "" || !masked.Items[0].PatientMasked {
		t.Errorf("claims viewer's worklist row = %+v, want the patient masked", masked.Items)
	}
	w.mustCall(403, desk, "GET", "/v1/dashboard/claims", nil, nil)

	// Summary with ETag polling.
	var sum ClaimSummary
	w.mustCall(200, billerA, "GET", "/v1/dashboard/claims/summary", nil, &sum)
	if sum.Total != 1 {
		t.Errorf("summary total = %d, want 1", sum.Total)
	}
	req, _ := http.NewRequest("GET", w.srv.URL+"/v1/dashboard/claims/summary", nil)
	req.Header.Set("Authorization", "Bearer "+billerA)
	req.Header.Set("If-None-Match", `"`+sum.Version+`"`)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("summary with a current ETag = %d, want 304", res.StatusCode)
	}
	for i, st := range []string{"scrubbing", "ready"} { // as claim A's workflow records them
		if err := w.store.RecordClaimProgress(context.Background(), store.ClaimProgress{ClaimID: a.claim.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("summary after a change = %d, want 200", res.StatusCode)
	}
	var one ClaimSummary
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/claims/summary?claim_id="+b.claim.ID, nil, &one)
	if one.Total != 1 || one.Counts[0].Status != "draft" {
		t.Errorf("summary of one claim = %+v, want the draft claim B", one)
	}

	// Timeline: scope, codes explained, the Temporal UI link.
	w.mustCall(404, billerA, "GET", "/v1/claims/"+b.claim.ID+"/timeline", nil, nil)
	var tl Timeline
	w.mustCall(200, billerA, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, &tl)
	if tl.Workflow == nil || tl.Workflow.Denial == nil || !strings.Contains(tl.Workflow.Denial.Codes[0].Description, "lacks information") {
		t.Errorf("timeline workflow = %+v; want CO-16 explained", tl.Workflow)
	}
	// The link opens the exact run the page shows.
	if want := "http://127.0.0.1:8233/namespaces/default/workflows/claim%2F" + a.claim.ID + "/run-2/history"; tl.WorkflowURL != want {
		t.Errorf("workflow URL = %q, want %q", tl.WorkflowURL, want)
	}
	if len(tl.Steps) != 1 || tl.Steps[0].Kind != "276/277" || tl.Steps[0].Raw || len(tl.Steps[0].Codes) != 1 || tl.Steps[0].Codes[0].Description == "" {
		t.Errorf("timeline steps = %+v, want the 276/277 inquiry with its STC explained", tl.Steps)
	}
	if !tl.CanDecide || !tl.CanRevealPHI {
		t.Errorf("biller: can decide %v, reveal %v; want both", tl.CanDecide, tl.CanRevealPHI)
	}
	w.mustCall(404, billerA, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind=837&n=0", nil, nil)
	w.mustCall(422, billerA, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind=270&n=0", nil, nil)

	// Decisions.
	w.mustCall(404, billerA, "POST", "/v1/claims/"+b.claim.ID+"/decisions", map[string]any{"action": "correct"}, nil)
	w.mustCall(422, billerA, "POST", "/v1/claims/"+a.claim.ID+"/decisions", map[string]any{"action": "ignore"}, nil)
	var prob Problem
	w.mustCall(409, billerA, "POST", "/v1/claims/"+a.claim.ID+"/decisions", map[string]any{"action": "appeal"}, &prob)
	if prob.Type != problemBase+"decision-refused" || !strings.Contains(prob.Detail, "not allowed") {
		t.Errorf("refused decision problem = %+v", prob)
	}
	var out DecisionOut
	w.mustCall(202, billerA, "POST", "/v1/claims/"+a.claim.ID+"/decisions", map[string]any{"action": "correct", "note": "diagnosis specified"}, &out)
	var sess Session
	w.mustCall(200, billerA, "GET", "/v1/dashboard/session", nil, &sess)
	if len(wf.decisions) != 1 || wf.decisions[0].User != sess.UserID || wf.decisions[0].Note != "diagnosis specified" {
		t.Errorf("decisions sent = %+v, want one correct by %s", wf.decisions, sess.UserID)
	}
	if !slices.Contains(sess.Permissions, store.PermClaimWrite) {
		t.Errorf("session permissions = %v", sess.Permissions)
	}

	// The other views answer (empty) within scope.
	var dl List[DenialItem]
	w.mustCall(200, billerA, "GET", "/v1/dashboard/denials?status=ready", nil, &dl)
	if len(dl.Items) != 1 || dl.Items[0].Workflow == nil {
		t.Errorf("denials = %+v", dl.Items)
	}
	var rem Remittances
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances", nil, &rem)
	var ar store.Receivables
	w.mustCall(200, billerA, "GET", "/v1/dashboard/receivables", nil, &ar)
	if len(ar.Aging) != 1 || ar.Aging[0].TotalCents != 12500 {
		t.Errorf("aging = %+v, want TEST PAYER 125.00 (the ready claim)", ar.Aging)
	}
	w.mustCall(403, billerA, "GET", "/v1/dashboard/eligibility?appointment_id="+a.appointment.ID, nil, nil)
	w.mustCall(422, w.rootAdmin, "GET", "/v1/dashboard/eligibility", nil, nil)
	w.mustCall(404, w.rootAdmin, "GET", "/v1/dashboard/eligibility?appointment_id="+a.appointment.ID, nil, nil)
}
