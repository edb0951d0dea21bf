package fhirimport_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/fhirtest"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// syncPass runs one sync pass's activities in the order the ImportSync
// workflow runs them (the workflow itself runs in the CLI test).
func syncPass(t *testing.T, acts *fhirimport.Activities, syncID string) fhirimport.Progress {
	t.Helper()
	ctx := context.Background()
	in, err := acts.SyncBegin(ctx, fhirimport.SyncInput{SyncID: syncID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportValidate(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 10000}); err != nil {
		t.Fatal(err)
	}
	p, err := acts.ImportFinish(ctx, fhirimport.FinishInput{RunID: in.RunID, Stage: rcm.ImportStageDone})
	if err != nil {
		t.Fatal(err)
	}
	if err := acts.SyncFinish(ctx, fhirimport.SyncFinishInput{SyncID: syncID, RunID: in.RunID, Committed: true}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSyncPassesAgainstRecordedFHIRServer: after the one-off import, a
// sync pass with no high-water mark finds nothing new; then the EHR
// changes an encounter (its claim was submitted: flagged), another
// encounter with no claim (applied), and an appointment (applied), and
// adds a new appointment (imported); the next pass asks only for what
// changed; a re-run changes nothing.
func TestSyncPassesAgainstRecordedFHIRServer(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST SYNC PASS A", "PAYERA1")
	b := newTenant(t, s, "TEST SYNC PASS B", "PAYERB1")
	dir := t.TempDir()
	if _, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: 6, Providers: 2, PayerIDs: []string{"PAYERA1"}, Prefix: "ehr"}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for _, typ := range fhirimport.SyncTypes {
		fhirtest.Edit(t, dir, typ, t0, func(map[string]any) bool { return true })
	}
	ehr, cfg := fhirtest.SMART(t, dir)
	acts := &fhirimport.Activities{Store: s, FHIRServers: map[string]fhirimport.FHIRServer{"ehr": cfg}}
	run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceFHIR, SourceName: "ehr"})
	if err != nil {
		t.Fatal(err)
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceFHIR, Server: "ehr"}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ImportValidate(ctx, in); err != nil {
		t.Fatal(err)
	}
	if p, err := acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 10000}); err != nil || p.Failed+p.Invalid != 0 {
		t.Fatalf("the one-off import: %+v %v", p, err)
	}

	x, err := s.CreateImportSync(ctx, a.admin, rcm.ImportSync{OrgID: a.org.ID, Server: "ehr", Every: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	p := syncPass(t, acts, x.ID)
	if p.Total != 1+3*6 || p.Unchanged != 18 || p.Updated+p.Flagged+p.Failed+p.Invalid != 0 {
		t.Fatalf("pass 1: %+v; want 18 unchanged", p)
	}

	rec := func(typ, src string) string {
		id, ok, err := s.ImportRecordOf(ctx, a.org.ID, typ, src)
		if err != nil || !ok {
			t.Fatalf("%s/%s: %v", typ, src, err)
		}
		return id
	}
	cl, err := s.CreateClaim(ctx, store.System, rec("Encounter", "ehr-pt-0-enc"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE claims SET status = 'accepted' WHERE id = $1`, cl.ID); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	// Encounter 0 (claim accepted) and 1 (no claim): a second diagnosis.
	fhirtest.Edit(t, dir, "Encounter", t1, func(r map[string]any) bool {
		if r["id"] != "ehr-pt-0-enc" && r["id"] != "ehr-pt-1-enc" {
			return false
		}
		r["reasonCode"] = append(r["reasonCode"].([]any), map[string]any{"coding": []any{map[string]any{"system": fhirimport.SystemICD10CM, "code": "J069"}}})
		return true
	})
	// Appointment 2 gets another visit type.
	fhirtest.Edit(t, dir, "Appointment", t1, func(r map[string]any) bool {
		if r["id"] != "ehr-pt-2-appt" {
			return false
		}
		r["appointmentType"] = map[string]any{"text": "follow-up"}
		return true
	})
	pages := ehr.Pages.Load()
	p = syncPass(t, acts, x.ID)
	// Location, appointment 2, encounters 0 and 1 with their charges.
	if p.Total != 6 || p.Updated != 3 || p.Flagged != 2 || p.Unchanged+p.Failed+p.Invalid != 0 {
		t.Fatalf("pass 2: %+v; want 3 updated (appointment, encounter, charge), 2 flagged", p)
	}
	if n := ehr.Pages.Load() - pages; n > 8 {
		t.Errorf("pass 2 read %d pages", n)
	}
	var dx []string
	if err := s.Pool.QueryRow(ctx, `SELECT diagnoses FROM encounters WHERE id = $1`, rec("Encounter", "ehr-pt-1-enc")).Scan(&dx); err != nil || len(dx) != 2 {
		t.Fatalf("encounter 1's diagnoses %v (%v); want the EHR's two", dx, err)
	}
	if err := s.Pool.QueryRow(ctx, `SELECT diagnoses FROM encounters WHERE id = $1`, rec("Encounter", "ehr-pt-0-enc")).Scan(&dx); err != nil || len(dx) != 1 {
		t.Fatalf("encounter 0 (claim out) has diagnoses %v (%v); want it unchanged", dx, err)
	}
	var vt string
	if err := s.Pool.QueryRow(ctx, `SELECT visit_type FROM appointments WHERE id = $1`, rec("Appointment", "ehr-pt-2-appt")).Scan(&vt); err != nil || vt != "follow-up" {
		t.Fatalf("appointment 2's visit type %q (%v)", vt, err)
	}
	flags, err := s.ListImportSyncFlags(ctx, a.admin, rcm.FlagOpen, 10)
	if err != nil || len(flags) != 1 || flags[0].Reason != rcm.FlagClaimOut || flags[0].ClaimID != cl.ID || strings.Join(flags[0].Fields, ",") != "diagnoses" {
		t.Fatalf("flags: %+v %v", flags, err)
	}
	got, err := s.GetImportSync(ctx, a.admin, x.ID)
	if err != nil || got.HighWater == nil || !got.HighWater.Equal(t1) {
		t.Fatalf("high-water mark %v (%v); want %v", got.HighWater, err, t1)
	}

	p = syncPass(t, acts, x.ID)
	if p.Total != 1 || p.Imported != 1 {
		t.Fatalf("re-run: %+v; want only the Location", p)
	}

	// Tenant B sees neither the sync nor the flag and cannot resolve it.
	if xs, err := s.ListImportSyncs(ctx, b.admin); err != nil || len(xs) != 0 {
		t.Fatalf("tenant B lists %d syncs (%v)", len(xs), err)
	}
	if fs, err := s.ListImportSyncFlags(ctx, b.admin, "", 10); err != nil || len(fs) != 0 {
		t.Fatalf("tenant B lists %d flags (%v)", len(fs), err)
	}
	if _, err := s.ResolveImportSyncFlag(ctx, b.admin, flags[0].ID, rcm.FlagDismissed); err == nil {
		t.Fatal("tenant B dismissed tenant A's flag")
	}
	if _, err := s.ResolveImportSyncFlag(ctx, a.admin, flags[0].ID, rcm.FlagDismissed); err != nil {
		t.Fatal(err)
	}
}
