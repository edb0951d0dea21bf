package fhirimport_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestImportGroupCommit drives the commit's group transactions directly
// (the activities without Temporal): a record the store refuses inside a
// group (an appointment whose slot was booked through the API meanwhile)
// fails alone while the rest of its group is written; every written record
// has its audit row and import key; repeating a commit slice and
// re-running the import write nothing twice; tenant B holds nothing.
func TestImportGroupCommit(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST GROUP SYSTEM A", "PAYERA1")
	b := newTenant(t, s, "TEST GROUP SYSTEM B", "PAYERB1")
	dir := t.TempDir()
	const patients, providers = 250, 5 // more than two groups of each type
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: patients, Providers: providers, PayerIDs: []string{"PAYERA1"}, Prefix: "grp"})
	if err != nil {
		t.Fatal(err)
	}
	acts := &fhirimport.Activities{Store: s}
	start := func() fhirimport.Input { return staged(t, s, acts, a, dir) }
	commit := func(in fhirimport.Input, limit int) fhirimport.Progress {
		p, err := acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	in := start()
	// The practitioners and patients first; then the API books patient 1
	// into the slot the import gives patient 0's appointment.
	if p := commit(in, providers+patients); p.Imported < providers+patients {
		t.Fatalf("after the first slice: %+v", p)
	}
	ids, err := s.ImportRecordsOf(ctx, a.org.ID, "Patient", []string{"grp-pt-1"})
	if err != nil || ids["grp-pt-1"] == "" {
		t.Fatalf("patient 1's key: %v %v", ids, err)
	}
	prov, err := s.ImportRecordsOf(ctx, a.org.ID, "Practitioner", []string{"grp-pr-0"})
	if err != nil || prov["grp-pr-0"] == "" {
		t.Fatalf("provider 0's key: %v %v", prov, err)
	}
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	if _, err := s.Book(ctx, a.admin, rcm.Booking{ProviderID: prov["grp-pr-0"], PatientID: ids["grp-pt-1"], VisitType: "office visit", StartsAt: at, EndsAt: at.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var p fhirimport.Progress
	for p.Done < p.Total || p.Total == 0 {
		p = commit(in, 300)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if p.Total != total || p.Failed != 1 || p.Imported != total-1 {
		t.Fatalf("import: %+v; want %d records, one failed", p, total)
	}
	failed, err := s.ImportItems(ctx, in.RunID, "Appointment", rcm.ItemFailed, 0, 10)
	if err != nil || len(failed) != 1 || failed[0].SourceID != "grp-pt-0-appt" || len(failed[0].Problems) != 1 || failed[0].Problems[0].Detail != "the provider already has an appointment at this time" {
		t.Fatalf("the failed appointment: %v, %d items, %+v", err, len(failed), failed[0].Problems)
	}
	rows := func(org string) map[string]int {
		out := map[string]int{}
		for name, sql := range map[string]string{
			"patients":     `SELECT count(*)::int FROM patients WHERE org_id = $1`,
			"coverages":    `SELECT count(*)::int FROM coverages WHERE org_id = $1`,
			"providers":    `SELECT count(*)::int FROM providers WHERE org_id = $1`,
			"appointments": `SELECT count(*)::int FROM appointments WHERE org_id = $1`,
			"encounters":   `SELECT count(*)::int FROM encounters WHERE org_id = $1`,
			"charges":      `SELECT count(*)::int FROM charges ch JOIN encounters e ON e.id = ch.encounter_id WHERE e.org_id = $1`,
			"keys":         `SELECT count(*)::int FROM import_keys WHERE org_id = $1`,
			"audits":       `SELECT count(*)::int FROM audit_log WHERE org_id = $1 AND action = 'create' AND resource IN ('patient', 'coverage', 'appointment', 'encounter')`,
			"sealed":       `SELECT count(*)::int FROM patients WHERE org_id = $1 AND length(dek) > 0 AND last_name_bidx IS NOT NULL`,
		} {
			out[name] = count(t, s, sql, org)
		}
		return out
	}
	got := rows(a.org.ID)
	// The data set's appointments (from 2026-01-05) are past visits: none
	// started an eligibility check or reminders, on the group path or on
	// the one-at-a-time path the refused group fell back to; the API's
	// booking in the same slot (also past) did.
	if n := intents(t, s, a.org.ID, "imported"); n != 0 {
		t.Errorf("imported past appointments wrote %d workflow intents; want none", n)
	}
	if n := intents(t, s, a.org.ID, "booked"); n != 2 {
		t.Errorf("the API's booking wrote %d workflow intents; want its eligibility check and reminders", n)
	}
	// one create audit row per patient, coverage, appointment (the imported ones and the API's booking) and encounter
	want := map[string]int{"patients": patients, "coverages": patients, "providers": providers, "appointments": patients, "encounters": patients,
		"charges": patients, "keys": total - 1 - (total - counts["Patient"] - counts["Coverage"] - counts["Practitioner"] - counts["Appointment"] - counts["Encounter"] - counts["ChargeItem"]),
		"audits": 4 * patients, "sealed": patients} // providers have no create audit (as through the API)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d; want %d", k, got[k], v)
		}
	}
	// The same slice again writes nothing; a re-run marks everything
	// unchanged (the refused appointment is refused again).
	commit(in, 2000)
	again := start()
	for p = (fhirimport.Progress{}); p.Done < p.Total || p.Total == 0; {
		p = commit(again, 2000)
	}
	if p.Unchanged != total-1-(total-counts["Patient"]-counts["Coverage"]-counts["Practitioner"]-counts["Appointment"]-counts["Encounter"]-counts["ChargeItem"]) || p.Failed != 1 {
		t.Errorf("re-run: %+v", p)
	}
	if after := rows(a.org.ID); len(after) != len(got) {
		t.Fatal("row counts missing")
	} else {
		for k, v := range got {
			if after[k] != v {
				t.Errorf("re-run changed %s: %d → %d", k, v, after[k])
			}
		}
	}
	for k, v := range rows(b.org.ID) {
		if v != 0 {
			t.Errorf("tenant B holds %d %s", v, k)
		}
	}
}

// intents counts the eligibility and reminder intents in the workflow
// outbox for organisation org's appointments that were imported, or
// booked (not imported).
func intents(t testing.TB, s *store.Store, org, which string) int {
	t.Helper()
	imported := which == "imported"
	return count(t, s, `SELECT count(*)::int FROM workflow_outbox o JOIN appointments ap
		ON o.workflow_id IN (workflow_name('EligibilityIDPrefix') || ap.id, workflow_name('ReminderIDPrefix') || ap.id)
		WHERE ap.org_id = $1 AND EXISTS (SELECT 1 FROM import_keys k WHERE k.org_id = ap.org_id AND k.record_id = ap.id) = $2`, org, imported)
}

// TestImportedUpcomingAppointmentsStartWorkflows: an imported appointment
// that has not begun yet is part of the practice's schedule, so it gets
// its eligibility check and reminders as a booking through the API does
// (only past visits are quiet, migration 00166).
func TestImportedUpcomingAppointmentsStartWorkflows(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST UPCOMING SYSTEM A", "PAYERA1")
	dir := t.TempDir()
	const patients = 3
	start := time.Now().UTC().AddDate(0, 0, 14).Truncate(24 * time.Hour)
	if _, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: patients, Providers: 1, PayerIDs: []string{"PAYERA1"}, Prefix: "up", Start: start}); err != nil {
		t.Fatal(err)
	}
	acts := &fhirimport.Activities{Store: s}
	in := staged(t, s, acts, a, dir)
	for p := (fhirimport.Progress{}); p.Done < p.Total || p.Total == 0; {
		var err error
		if p, err = acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 1000}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, s, `SELECT count(*)::int FROM appointments WHERE org_id = $1 AND starts_at > now()`, a.org.ID); n != patients {
		t.Fatalf("%d upcoming appointments imported; want %d", n, patients)
	}
	if n := intents(t, s, a.org.ID, "imported"); n != 2*patients {
		t.Errorf("imported upcoming appointments wrote %d workflow intents; want %d (an eligibility check and reminders each)", n, 2*patients)
	}
}

// staged opens an NDJSON import run of the files in dir as tenant a's
// admin and runs its fetch and validate steps (the activities, without
// Temporal); the commit is the caller's.
func staged(t testing.TB, s *store.Store, acts *fhirimport.Activities, a tenant, dir string) fhirimport.Input {
	t.Helper()
	ctx := context.Background()
	run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceNDJSON, SourceName: filepath.Base(dir)})
	if err != nil {
		t.Fatal(err)
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceNDJSON, Paths: []string{dir}}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportValidate(ctx, in); err != nil {
		t.Fatal(err)
	}
	return in
}
