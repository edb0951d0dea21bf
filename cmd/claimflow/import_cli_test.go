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
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// TestImportCLI (issue 21) plays a practice migration as staff would:
// download the CSV template from the API, fill it, `claimflow import csv
// -dry-run` (nothing written, the report names the bad row), then the
// import itself with a progress line and the error report; then `claimflow
// import ndjson` of a synthetic Bulk Data export. Everything runs through
// the HTTP API, the real Temporal dev server and Postgres. Tenant B's
// token sees neither the imports nor the patients, and cannot import into
// tenant A.
func TestImportCLI(t *testing.T) {
	ctx := context.Background()
	s := keyedStore(t)
	tokenAt := func(org, login, role string) (string, store.Actor) {
		u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: "TEST " + login})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(ctx, store.System, u.ID, org, role); err != nil {
			t.Fatal(err)
		}
		tok, err := s.CreateAPIToken(ctx, store.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok, store.Actor{UserID: u.ID}
	}
	orgA, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST IMPORT CLI A"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST IMPORT CLI B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: orgA.ID, PayerID: "PAYER1", Name: "TEST PAYER", Clearinghouse: "sim"}); err != nil {
		t.Fatal(err)
	}
	adminA, actorA := tokenAt(orgA.ID, "import-admin-a", "admin")
	adminB, actorB := tokenAt(orgB.ID, "import-admin-b", "admin")

	srv := testenv.DevServer(t)
	c := srv.Client()
	w := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.RegisterWorkflows(w)
	w.RegisterActivity(&fhirimport.Activities{Store: s})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	dropDir := t.TempDir()
	a := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
	a.MountImports(api.Imports{Records: s, Dir: dropDir, Start: func(ctx context.Context, ac rcm.Actor, in fhirimport.Input, name string) (rcm.ImportRun, error) {
		return workflows.StartImport(ctx, c, workflows.DefaultTaskQueue, s, ac, in, name)
	}})
	hs := httptest.NewServer(a)
	defer hs.Close()
	cli := func(tok string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": tok}), &out, &errb)
		return code, out.String(), errb.String()
	}
	get := func(tok, path string) (int, []byte) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	// The template, filled with two good rows and a bad one.
	code, tmpl := get(adminA, "/v1/import/template.csv")
	if code != http.StatusOK || !strings.HasPrefix(string(tmpl), strings.Join(fhirimport.CSVColumns, ",")+"\n") {
		t.Fatalf("template: %d %q", code, tmpl)
	}
	if code, _ := get("", "/v1/import/template.csv"); code != http.StatusUnauthorized {
		t.Fatalf("template without a token: %d", code)
	}
	rows := string(tmpl) +
		"P-0002,MRN0002,Testpatient,Beta,1975-06-07,M,,2 Example Way,Springfield,IL,62701,555-0101,,PAYER1,MEMBER0002,,self,1,,\n" +
		"P-0003,MRN0003,Testpatient,Gamma,1975-02-30,X,,,,,,,,NOPAYER,MEMBER0003,,self,1,,\n"
	if err := os.WriteFile(filepath.Join(dropDir, "patients.csv"), []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		var n int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM `+table+` WHERE org_id = $1`, orgA.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	code, out, errs := cli(adminA, "import", "csv", "-org", orgA.ID, "-dry-run", "patients.csv")
	// 3 patients, 3 coverages, 2 payer organisations; P-0003's patient and
	// coverage are invalid, and so is the NOPAYER organisation.
	if code != 0 || !strings.Contains(out, "report: 8 records: 0 imported, 0 unchanged, 3 invalid, 0 failed") || !strings.Contains(out, "[###") {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	if n := count("patients"); n != 0 {
		t.Fatalf("the dry run wrote %d patients", n)
	}
	report := filepath.Join(t.TempDir(), "errors.csv")
	code, out, errs = cli(adminA, "import", "csv", "-org", orgA.ID, "-report", report, "-dir", dropDir, filepath.Join(dropDir, "patients.csv"))
	if code != 0 || !strings.Contains(out, "done: 8 records: 5 imported, 0 unchanged, 3 invalid, 0 failed") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if p, c := count("patients"), count("coverages"); p != 2 || c != 2 {
		t.Fatalf("imported %d patients and %d coverages; want 2 and 2", p, c)
	}
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, r := range recs[1:] {
		problems = append(problems, r[2]+" "+r[4]+": "+r[5])
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"P-0003 /gender: is not a valid FHIR R4 Patient.gender", "P-0003-coverage-1 /payor/0:", "payer-NOPAYER /identifier: names no payer ID"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the report lacks %q:\n%s", want, joined)
		}
	}
	if recs[0][len(recs[0])-1] != "source_record" || !strings.Contains(strings.Join(recs[1], ","), "Gamma") {
		t.Errorf("an admin (patient:read) gets the source records in the report: %q", recs[:2])
	}

	// A synthetic Bulk Data export through `claimflow import ndjson`.
	nd := filepath.Join(dropDir, "export")
	if err := os.Mkdir(nd, 0o700); err != nil {
		t.Fatal(err)
	}
	counts, err := fhirimport.Synthesize(nd, fhirimport.SynthOptions{Patients: 20, Providers: 2, PayerIDs: []string{"PAYER1"}, Prefix: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	code, out, errs = cli(adminA, "import", "ndjson", "-org", orgA.ID, "export")
	if code != 0 || !strings.Contains(out, "done: ") || !strings.Contains(out, " 0 invalid, 0 failed") {
		t.Fatalf("ndjson import: %d %q %q", code, out, errs)
	}
	if p, e := count("patients"), count("encounters"); p != 22 || e != 20 {
		t.Fatalf("after the ndjson import: %d patients, %d encounters; want 22 and 20", p, e)
	}

	// Tenant B: no imports, no patients, no way into A.
	if runs, err := s.ListImportRuns(ctx, actorB, 50); err != nil || len(runs) != 0 {
		t.Fatalf("tenant B lists %d imports (%v)", len(runs), err)
	}
	runsA, err := s.ListImportRuns(ctx, actorA, 50)
	if err != nil || len(runsA) != 3 {
		t.Fatalf("tenant A lists %d imports (%v)", len(runsA), err)
	}
	if code, _ := get(adminB, "/v1/imports/"+runsA[0].ID); code != http.StatusNotFound {
		t.Fatalf("tenant B reads A's import: %d", code)
	}
	if code, _ := get(adminB, "/v1/imports/"+runsA[0].ID+"/errors.csv"); code != http.StatusNotFound {
		t.Fatalf("tenant B downloads A's report: %d", code)
	}
	code, _, errs = cli(adminB, "import", "ndjson", "-org", orgA.ID, "export")
	if code == 0 || !strings.Contains(errs, "/org_id") {
		t.Fatalf("tenant B imports into A: %d %q", code, errs)
	}
	code, _, errs = cli(adminA, "import", "ndjson", "-org", orgA.ID, "../outside")
	if code == 0 || !strings.Contains(errs, "/paths/0") {
		t.Fatalf("a path outside the import directory: %d %q", code, errs)
	}
	_ = total
}
