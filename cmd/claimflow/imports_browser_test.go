package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/web"
	"github.com/claimflow/claimflow/workflows"
)

// TestImportsInBrowser (issue 21, the dashboard's Imports view) plays a
// practice's first import as billing staff would, in headless Chromium
// over the real API, Temporal dev server, worker and Postgres: download
// the CSV template, upload a CSV of two clearly fake patients (one with an
// impossible birth date) as a dry run, read the report naming the bad
// record's field (never its value), commit it, watch the run reach done
// with the right counts, and download the error report. Tenant B's staff
// see no run of A, and A's run answers B's API calls with 404. A user who
// may write but not read patients (a custom role) gets the error report
// without the source records. Screenshots go to
// .data/test-output/imports (or $CLAIMFLOW_TEST_OUTPUT).
func TestImportsInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "imports", true)

	ctx := context.Background()
	s := keyedStore(t)
	orgA, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST IMPORTS A"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST IMPORTS B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: orgA.ID, PayerID: "PAYER1", Name: "TEST PAYER", Clearinghouse: "sim"}); err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple 1"
	// Billing staff: the biller role, and front desk's patient:write, which
	// an import needs (it creates patients and coverage).
	// user makes a staff user (password and TOTP, for the browser) or a
	// system user with an API token (for the API calls).
	user := func(kind, org, login string, roles ...string) (secret, token string) {
		nu := store.NewUser{OrgID: org, Kind: kind, Login: login, DisplayName: "TEST " + strings.ToUpper(login)}
		if kind == "staff" {
			nu.Password = password
		}
		u, secret, err := s.CreateUser(ctx, store.System, nu)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if err := s.Grant(ctx, store.System, u.ID, org, r); err != nil {
				t.Fatal(err)
			}
		}
		if kind == "staff" {
			return secret, ""
		}
		tok, err := s.CreateAPIToken(ctx, store.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return "", tok
	}
	secretA, _ := user("staff", orgA.ID, "import-staff-a", "biller", "front_desk")
	secretB, _ := user("staff", orgB.ID, "import-staff-b", "biller", "front_desk")
	_, tokB := user("system", orgB.ID, "import-system-b", "biller", "front_desk")

	srv := testenv.DevServer(t)
	c := srv.Client()
	w := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.RegisterWorkflows(w)
	w.RegisterActivity(&fhirimport.Activities{Store: s})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	a := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
	a.MountDashboard(api.Dashboard{Runs: &recordingRuns{}})
	q := workflows.DefaultTaskQueue
	a.MountImports(api.Imports{Records: s,
		Start: func(ctx context.Context, ac rcm.Actor, in fhirimport.Input, name string) (rcm.ImportRun, error) {
			return workflows.StartImport(ctx, c, q, s, ac, in, name)
		},
		Upload: func(ctx context.Context, ac rcm.Actor, in fhirimport.Input, name string, items []rcm.ImportItem) (rcm.ImportRun, error) {
			return workflows.StartUploadedImport(ctx, c, q, s, ac, in, name, items)
		},
		Commit: func(ctx context.Context, ac rcm.Actor, id string) (rcm.ImportRun, error) {
			return workflows.CommitImport(ctx, c, q, s, ac, id)
		}})
	// The view lists syncs and flags too (none here: TestImportSyncsInBrowser).
	sy := importSyncs(s, c, q)
	a.MountImportSyncs(sy)
	h := web.Handler()
	a.Router().Handle("/", h)
	a.Router().Handle("/assets/*", h)
	hs := httptest.NewServer(a)
	defer hs.Close()

	bctx, stop := startChromium(t, ctx, chromium, 1400, 1400)
	defer stop()
	shot := func(name string) chromedp.Action { return screenshot(t, out, name) }
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 90*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
			defer cancel()
			var text string
			_ = chromedp.Run(fctx, shot("failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
			t.Fatalf("%s: %v; the page says: %s", what, err, text)
		}
	}
	download := func(what, sel string) []byte {
		t.Helper()
		dir, err := os.MkdirTemp("", "claimflow-download-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { removeWithRetries(t, dir) })
		run(what, browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir), chromedp.Click(sel))
		var body []byte
		testenv.WaitFor(t, 30*time.Second, what+" in "+dir, func() bool {
			files, _ := os.ReadDir(dir)
			for _, f := range files {
				if !strings.HasSuffix(f.Name(), ".crdownload") {
					body, err = os.ReadFile(filepath.Join(dir, f.Name()))
					return err == nil && len(body) > 0
				}
			}
			return false
		})
		return body
	}
	signIn := func(login, secret string) {
		t.Helper()
		run("sign in as "+login, chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
			sendKeys(`#login`, login, chromedp.ByID),
			sendKeys(`#password`, password, chromedp.ByID),
			sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
			chromedp.Click(`form button[type="submit"]`),
			chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
			chromedp.Click(`a[href="#/imports"]`),
			chromedp.WaitVisible(`[data-testid="imports"] #imports-h`),
			chromedp.WaitVisible(`[data-testid="import-runs"] tbody tr`))
	}
	count := func(table, org string) int {
		var n int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM `+table+` WHERE org_id = $1`, org).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cell := func(runID, col string) int {
		t.Helper()
		var v string
		run("read "+col, chromedp.Text(`tr[data-run="`+runID+`"] [data-testid="import-`+col+`"]`, &v))
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("%s of run %s = %q", col, runID, v)
		}
		return n
	}

	signIn("import-staff-a", secretA)
	run("the empty list", shot("01-imports-empty"))

	// The template, then a CSV filled from it: Testpatient Alpha is good,
	// Testpatient Bravo's birth date does not exist.
	tmpl := download("download the template", `[data-testid="import-template"]`)
	if !bytes.HasPrefix(tmpl, []byte(strings.Join(fhirimport.CSVColumns, ",")+"\n")) {
		t.Fatalf("template = %q", tmpl)
	}
	header := strings.Join(fhirimport.CSVColumns, ",") + "\n"
	rows := header +
		"P-0001,MRN0001,Testpatient,Alpha,1980-04-01,F,,1 Example Way,Springfield,IL,62701,555-0100,,PAYER1,MEMBER0001,,self,1,,\n" +
		"P-0002,MRN0002,Testpatient,Bravo,1975-02-30,M,,2 Example Way,Springfield,IL,62701,555-0101,,PAYER1,MEMBER0002,,self,1,,\n"
	file := filepath.Join(t.TempDir(), "practice-patients.csv")
	if err := os.WriteFile(file, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	run("upload a dry run", chromedp.SetUploadFiles(`#import-files`, []string{file}, chromedp.ByID),
		chromedp.Click(`[data-testid="import-start"]`),
		chromedp.WaitVisible(`tr[data-testid="import-run"][data-stage="report"][data-dry-run="true"]`),
		chromedp.WaitVisible(`[data-testid="import-problem"]`), shot("02-dry-run-report"))
	var runIDs []string
	run("the run's id", chromedp.Evaluate(`[...document.querySelectorAll('tr[data-testid="import-run"]')].map(r => r.dataset.run)`, &runIDs))
	if len(runIDs) != 1 {
		t.Fatalf("runs listed after the upload: %q", runIDs)
	}
	runID := runIDs[0]
	var problems []string
	var report string
	run("read the report", chromedp.Evaluate(`[...document.querySelectorAll('tr[data-testid="import-problem"]')].map(r => r.innerText.replace(/\s+/g, ' '))`, &problems),
		chromedp.Text(`[data-testid="import-report"]`, &report))
	joined := strings.Join(problems, "\n")
	// The CSV's records are FHIR resources; a problem of a CSV row names
	// its column (birth_date).
	if !strings.Contains(joined, "Patient P-0002 /birth_date") || !strings.Contains(joined, "Coverage P-0002-coverage-1 /beneficiary") || len(problems) != 2 {
		t.Errorf("the dry-run report does not name Bravo's birth date:\n%s", joined)
	}
	for _, p := range problems {
		if !strings.Contains(p, "P-0002") {
			t.Errorf("a problem of another record than Bravo's: %q", p)
		}
	}
	for _, value := range []string{"1975-02-30", "Bravo", "Testpatient", "MRN0002", "MEMBER0002"} {
		if strings.Contains(report, value) {
			t.Errorf("the dry-run report shows the value %q:\n%s", value, report)
		}
	}
	valid, invalid := cell(runID, "valid"), cell(runID, "invalid")
	t.Logf("dry run: %d valid, %d invalid; problems:\n%s", valid, invalid, joined)
	// Alpha's patient and coverage and the payer organisation are valid;
	// Bravo's patient and the coverage that refers to it are not.
	if valid != 3 || invalid != 2 {
		t.Errorf("dry run on the page: %d valid, %d invalid; want 3 and 2", valid, invalid)
	}
	if n := count("patients", orgA.ID); n != 0 {
		t.Fatalf("the dry run wrote %d patients", n)
	}

	// Commit: the view follows the run to done.
	run("commit", chromedp.Click(`tr[data-run="`+runID+`"] [data-testid="import-commit"]`),
		chromedp.WaitVisible(`tr[data-run="`+runID+`"][data-stage="done"][data-dry-run="false"]`),
		chromedp.WaitVisible(`[data-testid="import-problem"][data-field="/birth_date"]`), shot("03-committed"))
	var progress string
	run("read the progress", chromedp.Text(`tr[data-run="`+runID+`"] [data-testid="import-progress"]`, &progress))
	got, err := s.GetImportRun(ctx, store.System, runID)
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(got.Total) + "/" + strconv.Itoa(got.Total); strings.TrimSpace(progress) != want {
		t.Errorf("progress at done = %q, want %q", progress, want)
	}
	if got.Total != 5 || got.Imported != 3 || got.Invalid != 2 || got.Failed != 0 || got.Unchanged != 0 {
		t.Errorf("the run at done: %+v; want 5 records: 3 imported, 2 invalid", got)
	}
	if cell(runID, "imported") != got.Imported || cell(runID, "invalid") != got.Invalid || cell(runID, "failed") != 0 || got.Invalid != invalid {
		t.Errorf("counts on the page differ from the run %+v", got)
	}
	if p, c := count("patients", orgA.ID), count("coverages", orgA.ID); p != 1 || c != 1 {
		t.Errorf("imported %d patients and %d coverages; want Alpha's 1 and 1", p, c)
	}
	t.Logf("committed: %d records, %d imported, %d invalid", got.Total, got.Imported, got.Invalid)

	// The error report: billing staff hold patient:read, so the source
	// records are in it (and that read is audited).
	errs := download("download the error report", `tr[data-run="`+runID+`"] [data-testid="import-errors"]`)
	recs, err := csv.NewReader(bytes.NewReader(errs)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("error report: %q, %v", errs, err)
	}
	if recs[0][len(recs[0])-1] != "source_record" {
		t.Errorf("error report header = %q; staff with patient:read get the source records", recs[0])
	}
	found := false
	for _, r := range recs[1:] {
		if r[2] == "P-0002" && r[4] == "/birth_date" {
			found = true
		}
	}
	if !found {
		t.Errorf("the error report lacks P-0002 /birth_date: %q", recs)
	}
	var audited int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM audit_log WHERE resource = 'import_report' AND resource_id = $1`, runID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("report reads audited: %d, %v", audited, err)
	}

	// A custom role that may write but not read patients gets the report
	// without the source records (the API's rule, unchanged).
	if _, err := s.Pool.Exec(ctx, `INSERT INTO role_permissions (role, permission) VALUES ('test_import_clerk', 'org:read'), ('test_import_clerk', 'patient:write')`); err != nil {
		t.Fatal(err)
	}
	_, clerk := user("system", orgA.ID, "import-clerk-a", "test_import_clerk")
	code, body := apiGet(t, hs.URL, clerk, "/v1/imports/"+runID+"/errors.csv")
	if code != http.StatusOK || strings.Contains(body, "source_record") || strings.Contains(body, "Bravo") {
		t.Errorf("report for a user without patient:read: %d %q", code, body)
	}

	// Tenant B: signs in, sees no run; A's run answers 404.
	run("sign out", chromedp.Click(`header button`), chromedp.WaitVisible(`#login`, chromedp.ByID))
	signIn("import-staff-b", secretB)
	var rowsB int
	run("tenant B's imports", chromedp.WaitVisible(`[data-testid="import-runs"] tbody td`),
		chromedp.Evaluate(`document.querySelectorAll('tr[data-testid="import-run"]').length`, &rowsB), shot("04-tenant-b"))
	if rowsB != 0 {
		t.Errorf("tenant B sees %d import runs", rowsB)
	}
	for _, path := range []string{"/v1/imports/" + runID, "/v1/imports/" + runID + "/problems", "/v1/imports/" + runID + "/errors.csv"} {
		if code, body := apiGet(t, hs.URL, tokB, path); code != http.StatusNotFound {
			t.Errorf("tenant B GET %s = %d %s, want 404", path, code, body)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/imports/"+runID+"/commit", nil)
	req.Header.Set("Authorization", "Bearer "+tokB)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("tenant B commits A's run: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if n := count("patients", orgB.ID); n != 0 {
		t.Errorf("tenant B holds %d patients", n)
	}
	t.Logf("screenshots in %s", out)
}

// apiGet sends an authenticated GET and answers the status and body.
func apiGet(t *testing.T, base, tok, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
