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

// TestImportCSVAppointmentsEncountersCLI (issue 21): staff download the
// appointment and encounter templates from the API, fill them (rows name
// patients by MRN and the provider by NPI), and import them with
// `claimflow import csv` after the patients; the same validation as FHIR
// applies (rcm's Validate, ICD-10-CM against the date of service, CPT and
// HCPCS shapes, references), and the error report names the CSV column
// (and for a charge, its line). Tenant B sees none of it.
func TestImportCSVAppointmentsEncountersCLI(t *testing.T) {
	ctx := context.Background()
	w := newCLIWorld(t, "TEST CSV KINDS", store.Payer{PayerID: "PAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	s := w.s
	adminA, adminB := w.token(t, w.root.ID, "csv-admin-a", "admin"), w.token(t, w.other.ID, "csv-admin-b", "admin")

	srv := testenv.DevServer(t)
	c := srv.Client()
	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.RegisterWorkflows(wk)
	wk.RegisterActivity(&fhirimport.Activities{Store: s})
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wk.Stop)
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
	get := func(tok, path string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dropDir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	count := func(sql string) int {
		var n int
		if err := s.Pool.QueryRow(ctx, sql, w.root.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	reportOf := func(file string) string {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, r := range recs[1:] {
			lines = append(lines, r[2]+" "+r[4]+": "+r[5])
		}
		return strings.Join(lines, "\n")
	}

	// The templates.
	code, body := get(adminA, "/v1/import/template.csv?kind=appointments")
	if code != http.StatusOK || !strings.HasPrefix(body, strings.Join(fhirimport.CSVAppointmentColumns, ",")+"\n") {
		t.Fatalf("appointments template: %d %q", code, body)
	}
	apptTmpl := body
	code, body = get(adminA, "/v1/import/template.csv?kind=encounters")
	if code != http.StatusOK || !strings.HasPrefix(body, strings.Join(fhirimport.CSVEncounterColumns, ",")+"\n") {
		t.Fatalf("encounters template: %d %q", code, body)
	}
	encTmpl := body
	if code, body := get(adminA, "/v1/import/template.csv?kind=claims"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"parameter":"kind"`) {
		t.Fatalf("an unknown kind: %d %q", code, body)
	}
	_, patTmpl := get(adminA, "/v1/import/template.csv")

	// The patients first (MRN0001 from the template, MRN0002).
	write("patients.csv", patTmpl+"P-0002,MRN0002,Testpatient,Beta,1975-06-07,M,,,,,,,,PAYER1,MEMBER0002,,self,1,,\n")
	if code, out, errs := cli(adminA, "import", "csv", "-org", w.root.ID, "patients.csv"); code != 0 || !strings.Contains(out, " 0 invalid, 0 failed") {
		t.Fatalf("patients: %d %q %q", code, out, errs)
	}

	// Appointments: the template's row, one more, and a bad one.
	write("appointments.csv", apptTmpl+
		"A-0002,MRN0002,1234567893,office visit,2026-03-02T10:00:00-06:00,2026-03-02T10:30:00-06:00\n"+
		"A-0003,MRN9999,1234567893,office visit,tomorrow,2026-03-02T11:30:00-06:00\n")
	rep := filepath.Join(t.TempDir(), "appointments-errors.csv")
	code, out, errs := cli(adminA, "import", "csv", "-org", w.root.ID, "-report", rep, "appointments.csv")
	if code != 0 || !strings.Contains(out, "done: 3 records: 2 imported, 0 unchanged, 1 invalid, 0 failed") {
		t.Fatalf("appointments: %d %q %q", code, out, errs)
	}
	got := reportOf(rep)
	for _, want := range []string{"A-0003 mrn: names a patient by MRN", "A-0003 starts_at: is required"} {
		if !strings.Contains(got, want) {
			t.Errorf("the appointments report lacks %q:\n%s", want, got)
		}
	}

	// Encounters: the template's two-line encounter, one more, and one
	// with a code of no CPT shape and a diagnosis of no ICD-10-CM shape.
	write("encounters.csv", encTmpl+
		"E-0002,MRN0002,1234567893,A-0002,2026-03-02,11,J06.9,99213,,1,95.00,\n"+
		"E-0003,MRN0002,1234567893,,2026-03-02,11,XYZ,9921,,1,95.00,\n")
	rep = filepath.Join(t.TempDir(), "encounters-errors.csv")
	code, out, errs = cli(adminA, "import", "csv", "-org", w.root.ID, "-report", rep, "encounters.csv")
	// 1 Location (the place of service), 4 ChargeItems, 3 Encounters; E-0003
	// and its charge are invalid.
	if code != 0 || !strings.Contains(out, "done: 8 records: 6 imported, 0 unchanged, 2 invalid, 0 failed") {
		t.Fatalf("encounters: %d %q %q", code, out, errs)
	}
	got = reportOf(rep)
	for _, want := range []string{"E-0003 charge_code (line 5): is not a CPT or HCPCS code", "E-0003 diagnoses: is not an ICD-10-CM code", "E-0003-line-5 encounter_id:"} {
		if !strings.Contains(got, want) {
			t.Errorf("the encounters report lacks %q:\n%s", want, got)
		}
	}
	if n := count(`SELECT count(*)::int FROM encounters WHERE org_id = $1`); n != 2 {
		t.Fatalf("%d encounters; want 2", n)
	}
	if n := count(`SELECT count(*)::int FROM charges ch JOIN encounters e ON e.id = ch.encounter_id WHERE e.org_id = $1 AND e.appointment_id IS NOT NULL`); n != 3 {
		t.Fatalf("%d charges on encounters linked to their appointments; want 3", n)
	}
	if n := count(`SELECT coalesce(sum(amount_cents), 0)::int FROM charges ch JOIN encounters e ON e.id = ch.encounter_id WHERE e.org_id = $1`); n != 15000+1200+9500 {
		t.Fatalf("charges total %d cents", n)
	}
	// A re-run of the same file changes nothing.
	code, out, errs = cli(adminA, "import", "csv", "-org", w.root.ID, "encounters.csv")
	if code != 0 || !strings.Contains(out, "done: 8 records: 1 imported, 5 unchanged, 2 invalid, 0 failed") {
		t.Fatalf("encounters again: %d %q %q", code, out, errs)
	}

	// Tenant B: no encounters, and no way to import into A.
	if es, _, err := s.ListEncounters(ctx, store.Actor{UserID: userOf(t, s, adminB)}, "", store.Page{Limit: 50}); err != nil || len(es) != 0 {
		t.Fatalf("tenant B lists %d encounters (%v)", len(es), err)
	}
	if code, _, errs := cli(adminB, "import", "csv", "-org", w.root.ID, "encounters.csv"); code == 0 || !strings.Contains(errs, "/org_id") {
		t.Fatalf("tenant B imports into A: %d %q", code, errs)
	}
}

// userOf answers the user an API token belongs to.
func userOf(t *testing.T, s *store.Store, tok string) string {
	t.Helper()
	p, err := s.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return p.UserID
}
