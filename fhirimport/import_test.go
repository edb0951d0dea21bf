package fhirimport_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

type tenant struct {
	org   store.Org
	admin store.Actor
}

func newTenant(t testing.TB, s *store.Store, name, payerID string) tenant {
	t.Helper()
	ctx := context.Background()
	org, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: strings.ToLower(strings.ReplaceAll(name, " ", "-")), DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, org.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	a := store.Actor{UserID: u.ID, SourceIP: "192.0.2.1", RequestID: "req-" + name}
	if _, err := s.CreatePayer(ctx, a, store.Payer{OrgID: org.ID, PayerID: payerID, Name: "TEST PAYER " + payerID, Clearinghouse: "local"}); err != nil {
		t.Fatal(err)
	}
	return tenant{org, a}
}

func keyedStore(t testing.TB) *store.Store {
	t.Helper()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	return s
}

// flakyStore fails one group commit of encounters once failAfter encounters
// were committed, as a worker crashing after a transaction committed and
// before the activity answered would: the activity's retry must resume
// without writing anything twice.
type flakyStore struct {
	*store.Store
	failAfter int64
	calls     atomic.Int64
	failed    atomic.Bool
}

func (f *flakyStore) ImportGroup(ctx context.Context, a rcm.Actor, recs []rcm.ImportRecord) ([]rcm.ImportResult, error) {
	res, err := f.Store.ImportGroup(ctx, a, recs)
	n := int64(0)
	for _, r := range recs {
		if r.Encounter != nil {
			n++
		}
	}
	if err == nil && f.failAfter > 0 && n > 0 && f.calls.Add(n) > f.failAfter && !f.failed.Swap(true) {
		return nil, errors.New("injected crash mid-commit")
	}
	return res, err
}

func appendLines(t testing.TB, file string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func runImport(t testing.TB, c client.Client, s *store.Store, a store.Actor, in fhirimport.Input) (rcm.ImportRun, fhirimport.Progress) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour) // the 50k bench re-run takes minutes
	defer cancel()
	run, err := workflows.StartImport(ctx, c, workflows.DefaultTaskQueue, s, a, in, "test data set")
	if err != nil {
		t.Fatal(err)
	}
	var p fhirimport.Progress
	if err := c.GetWorkflow(ctx, workflows.ImportIDPrefix+run.ID, "").Get(ctx, &p); err != nil {
		t.Fatalf("import workflow: %v", err)
	}
	run, err = s.GetImportRun(ctx, a, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return run, p
}

func count(t testing.TB, s *store.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportNDJSONThroughTheWorkflow plays a practice migration through the
// real Temporal dev server and Postgres: a synthetic Bulk Data data set of
// 100 patients (about 500 resources) with bad records mixed in; a dry run
// writes nothing; the import accounts for every record; an injected crash
// mid-commit resumes without duplicates; a re-run changes nothing; and the
// second tenant sees none of it.
func TestImportNDJSONThroughTheWorkflow(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST IMPORT SYSTEM A", "PAYERA1")
	b := newTenant(t, s, "TEST IMPORT SYSTEM B", "PAYERB1")

	dir := t.TempDir()
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: 100, Providers: 5, PayerIDs: []string{"PAYERA1"}})
	if err != nil {
		t.Fatal(err)
	}
	// Bad records, each reported with its reason.
	appendLines(t, filepath.Join(dir, "Patient.ndjson"),
		`{"resourceType":"Patient","id":"bad-dob","name":[{"family":"Testpatient","given":["Baddate"]}],"birthDate":"1980-13-45","gender":"female"}`,
		`{"resourceType":"Patient","id":"dup-mrn","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"syn-MRN0000001"}],"name":[{"family":"Testpatient","given":["Dupmrn"]}],"birthDate":"1980-01-01","gender":"male"}`,
		`{"resourceType":"Patient","id":"syn-pt-0","name":[{"family":"Testpatient","given":["Dupid"]}],"birthDate":"1980-01-01"}`,
		`{"resourceType":"Patient","id":"extra-fields","name":[{"family":"Testpatient","given":["Extra"]}],"birthDate":"1981-02-03","gender":"other","maritalStatus":{"text":"M"}}`,
		`not json at all`)
	appendLines(t, filepath.Join(dir, "Practitioner.ndjson"),
		`{"resourceType":"Practitioner","id":"bad-npi","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567890"}],"name":[{"family":"Testdoctor","given":["Badnpi"]}],"qualification":[{"code":{"coding":[{"system":"http://nucc.org/provider-taxonomy","code":"207Q00000X"}]}}]}`)
	appendLines(t, filepath.Join(dir, "Coverage.ndjson"),
		`{"resourceType":"Coverage","id":"unknown-payer","status":"active","beneficiary":{"reference":"Patient/syn-pt-1"},"subscriberId":"MX1","payor":[{"reference":"Organization/nowhere"}]}`)
	appendLines(t, filepath.Join(dir, "ChargeItem.ndjson"),
		`{"resourceType":"ChargeItem","id":"bad-cpt","status":"billable","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"9921"}]},"subject":{"reference":"Patient/syn-pt-2"},"context":{"reference":"Encounter/syn-pt-2-enc"},"priceOverride":{"value":10,"currency":"USD"}}`,
		`{"resourceType":"ChargeItem","id":"orphan","status":"billable","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"99213"}]},"subject":{"reference":"Patient/syn-pt-3"},"context":{"reference":"Encounter/gone"},"priceOverride":{"value":10,"currency":"USD"}}`)
	appendLines(t, filepath.Join(dir, "Observation.ndjson"), `{"resourceType":"Observation","id":"obs-1","status":"final"}`)
	total := 0
	for _, n := range counts {
		total += n
	}
	const bad = 10
	total += bad

	srv := testenv.DevServer(t)
	c := srv.Client()
	flaky := &flakyStore{Store: s, failAfter: 30}
	w := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.RegisterWorkflows(w)
	w.RegisterActivity(&fhirimport.Activities{Store: flaky})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	in := fhirimport.Input{OrgID: a.org.ID, Source: rcm.ImportSourceNDJSON, Paths: []string{dir}}
	patientsA := `SELECT count(*)::int FROM patients WHERE org_id = $1`

	// Dry run: the report, nothing written.
	in.DryRun = true
	dry, p := runImport(t, c, s, a.admin, in)
	if dry.Stage != rcm.ImportStageReport || dry.Total != total || p.Total != total {
		t.Fatalf("dry run: %+v, progress %+v; want stage report with %d records", dry, p, total)
	}
	if n := count(t, s, patientsA, a.org.ID); n != 0 {
		t.Fatalf("dry run wrote %d patients", n)
	}
	// The bad records and what they drag along: bad-dob, dup-mrn, the
	// duplicate id, extra-fields (gender other → U is fine; it is valid),
	// the line that is no JSON, bad-npi, unknown-payer, the Observation,
	// orphan; bad-cpt invalidates its encounter and that encounter's other
	// ChargeItem.
	wantInvalid := 11
	if dry.Invalid != wantInvalid {
		items, _ := s.ImportItems(ctx, dry.ID, "", rcm.ItemInvalid, 0, 100)
		for _, it := range items {
			t.Logf("invalid %s/%s: %+v", it.ResourceType, it.SourceID, it.Problems)
		}
		t.Fatalf("dry run: %d invalid; want %d", dry.Invalid, wantInvalid)
	}
	extra, err := s.ImportItems(ctx, dry.ID, "Patient", "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	foundUnmapped := false
	for _, it := range extra {
		if it.SourceID == "extra-fields" {
			foundUnmapped = strings.Contains(strings.Join(it.Unmapped, ","), "Patient.maritalStatus")
		}
	}
	if !foundUnmapped {
		t.Fatal("Patient.maritalStatus was not reported as unmapped")
	}

	// The import, with a crash in the middle of the commit.
	in.DryRun = false
	run, p := runImport(t, c, s, a.admin, in)
	if !flaky.failed.Load() {
		t.Fatal("the injected crash never happened")
	}
	if run.Stage != rcm.ImportStageDone || run.Total != total || run.Invalid != wantInvalid || run.Failed != 0 ||
		run.Imported+run.Unchanged+run.Invalid != total || p.Done != total {
		t.Fatalf("import: %+v (progress %+v); want every one of %d records accounted for", run, p, total)
	}
	wantPatients := counts["Patient"] + 1 // the synthetic ones and extra-fields
	checks := []struct {
		what string
		sql  string
		want int
	}{
		{"patients", patientsA, wantPatients},
		{"coverages", `SELECT count(*)::int FROM coverages WHERE org_id = $1`, counts["Coverage"]},
		{"providers", `SELECT count(*)::int FROM providers WHERE org_id = $1`, counts["Practitioner"]},
		{"appointments", `SELECT count(*)::int FROM appointments WHERE org_id = $1`, counts["Appointment"]},
		{"encounters", `SELECT count(*)::int FROM encounters WHERE org_id = $1`, counts["Encounter"] - 1},
		{"patient create audits", `SELECT count(*)::int FROM audit_log WHERE org_id = $1 AND resource = 'patient' AND action = 'create'`, wantPatients},
		{"encounter create audits", `SELECT count(*)::int FROM audit_log WHERE org_id = $1 AND resource = 'encounter' AND action = 'create'`, counts["Encounter"] - 1},
	}
	for _, ck := range checks {
		if got := count(t, s, ck.sql, a.org.ID); got != ck.want {
			t.Errorf("%s in tenant A: %d; want %d", ck.what, got, ck.want)
		}
	}
	// Imported records read back through the store, unsealed.
	pats, _, err := s.ListPatients(ctx, a.admin, store.PatientFilter{OrgID: a.org.ID}, store.Page{Limit: 5})
	// (Groups commit in parallel, so the first patients listed need not be
	// the first of the source.)
	unsealed := 0
	for _, pt := range pats {
		if pt.FirstName == "Testpatient" && strings.HasPrefix(pt.LastName, "Synth") || pt.FirstName == "Extra" && pt.LastName == "Testpatient" {
			unsealed++
		}
	}
	if err != nil || len(pats) == 0 || unsealed != len(pats) {
		t.Fatalf("list patients: %d of %d read back as imported, %v", unsealed, len(pats), err)
	}

	// A re-run of the same files changes nothing.
	again, _ := runImport(t, c, s, a.admin, in)
	if again.Stage != rcm.ImportStageDone || again.Unchanged == 0 || again.Failed != 0 || again.Invalid != wantInvalid {
		t.Fatalf("re-run: %+v", again)
	}
	for _, ck := range checks {
		if got := count(t, s, ck.sql, a.org.ID); got != ck.want {
			t.Errorf("after the re-run, %s in tenant A: %d; want %d", ck.what, got, ck.want)
		}
	}

	// Tenant B sees neither the records nor the runs.
	if pb, _, err := s.ListPatients(ctx, b.admin, store.PatientFilter{}, store.Page{Limit: 50}); err != nil || len(pb) != 0 {
		t.Fatalf("tenant B lists %d patients (%v)", len(pb), err)
	}
	if _, err := s.GetImportRun(ctx, b.admin, run.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("tenant B reads tenant A's import: %v", err)
	}
	if runs, err := s.ListImportRuns(ctx, b.admin, 50); err != nil || len(runs) != 0 {
		t.Fatalf("tenant B lists %d imports (%v)", len(runs), err)
	}
	// Tenant B cannot start an import into tenant A.
	if _, err := workflows.StartImport(ctx, c, workflows.DefaultTaskQueue, s, b.admin, fhirimport.Input{OrgID: a.org.ID, Source: rcm.ImportSourceNDJSON, Paths: []string{dir}}, "x"); err == nil {
		t.Fatal("tenant B started an import into tenant A")
	}
}
