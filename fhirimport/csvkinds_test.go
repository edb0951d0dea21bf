package fhirimport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// importCSV runs the import's steps on one CSV file, as the workflow does.
func importCSV(t *testing.T, s *store.Store, a tenant, file string) (fhirimport.Progress, map[string][]string) {
	t.Helper()
	ctx := context.Background()
	acts := &fhirimport.Activities{Store: s}
	run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceCSV, SourceName: filepath.Base(file)})
	if err != nil {
		t.Fatal(err)
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceCSV, Paths: []string{file}}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportValidate(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	p, err := acts.ImportFinish(ctx, fhirimport.FinishInput{RunID: run.ID, Stage: rcm.ImportStageDone})
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.ImportItems(ctx, run.ID, "", rcm.ItemInvalid, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	problems := map[string][]string{}
	for _, it := range items {
		for _, pr := range it.Problems {
			problems[it.SourceID] = append(problems[it.SourceID], pr.Pointer+": "+pr.Detail)
		}
	}
	return p, problems
}

// TestCSVAppointmentsAndEncounters: the appointment and encounter layouts
// import through the FHIR mapping; MRNs and NPIs resolve to the patients
// imported before and the provider registered through the API; bad rows
// are reported by CSV column.
func TestCSVAppointmentsAndEncounters(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST CSV KINDS A", "PAYER1")
	if _, err := s.CreateProvider(ctx, a.admin, store.Provider{OrgID: a.org.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "CSV", Taxonomy: "207Q00000X"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p, _ := importCSV(t, s, a, write("p.csv", append(fhirimport.CSVTemplate(), "P-0002,MRN0002,Testpatient,Beta,1975-06-07,M,,,,,,,,PAYER1,MEMBER0002,,self,1,,\n"...)))
	if p.Invalid+p.Failed != 0 {
		t.Fatalf("patients: %+v", p)
	}
	p, probs := importCSV(t, s, a, write("a.csv", append(fhirimport.CSVTemplateOf(fhirimport.CSVAppointments),
		"A-0002,MRN0002,1234567893,office visit,2026-03-02T10:00:00-06:00,2026-03-02T10:30:00-06:00\n"+
			"A-0003,MRN9999,1111111111,,tomorrow,2026-03-02T11:30:00-06:00\n"...)))
	if p.Total != 3 || p.Imported != 2 || p.Invalid != 1 {
		t.Fatalf("appointments: %+v %v", p, probs)
	}
	got := strings.Join(probs["A-0003"], "\n")
	for _, want := range []string{"mrn: names a patient by MRN", "provider_npi: names a provider by NPI", "starts_at: is required", "visit_type: is required"} {
		if !strings.Contains(got, want) {
			t.Errorf("A-0003's problems lack %q:\n%s", want, got)
		}
	}
	p, probs = importCSV(t, s, a, write("e.csv", append(fhirimport.CSVTemplateOf(fhirimport.CSVEncounters),
		"E-0002,MRN0002,1234567893,A-0002,2026-03-02,11,J06.9,99213,,1,95.00,\n"+
			"E-0003,MRN0002,1234567893,,2026-03-02,11,XYZ,9921,,1,95.00,\n"+
			"E-0004,MRN0002,1234567893,,2026-03-02,1,J06.9,99213,,one,abc,\n"...)))
	if p.Total != 11 || p.Imported != 2+3+2 || p.Invalid != 4 {
		t.Fatalf("encounters: %+v %v", p, probs)
	}
	got = strings.Join(append(probs["E-0003"], probs["E-0004"]...), "\n")
	for _, want := range []string{"charge_code (line 5): is not a CPT or HCPCS code", "diagnoses: is not an ICD-10-CM code", "place_of_service: must be a two-digit place of service code", "charge_code (line 6): ChargeItem/E-0004-line-6 is invalid"} {
		if !strings.Contains(got, want) {
			t.Errorf("the encounters' problems lack %q:\n%s", want, got)
		}
	}
	got = strings.Join(probs["E-0004-line-6"], "\n")
	for _, want := range []string{"charge_amount: is not a valid FHIR R4 ChargeItem.priceOverride"} {
		if !strings.Contains(got, want) {
			t.Errorf("E-0004's charge lacks %q:\n%s", want, got)
		}
	}
	var n int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM charges ch JOIN encounters e ON e.id = ch.encounter_id WHERE e.org_id = $1`, a.org.ID).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d charges (%v); want 3", n, err)
	}
}
