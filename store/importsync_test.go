package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestImportSyncPauseResumeDelete: a sync's state changes only when the
// Schedule's side (apply) succeeded, each change is audited, refusals name
// /state, another organisation's user reaches nothing (apply never runs),
// and a deleted sync keeps its passes and frees its server for a new sync.
// The Schedule itself is Temporal's: cmd/claimflow's TestImportSyncCLI
// pauses, resumes and deletes a real one.
func TestImportSyncPauseResumeDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	deskB := userWithRole(t, f.s, f.facB.ID, "desk-b", "front_desk")
	x, err := f.s.CreateImportSync(ctx, f.admin, store.ImportSync{OrgID: f.facA.ID, Server: "ehr", Every: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if x.State != rcm.SyncActive {
		t.Fatalf("created state %q, want active", x.State)
	}
	if got, _ := f.s.GetImportSync(ctx, f.admin, x.ID); got.State != rcm.SyncActive {
		t.Fatalf("a new sync is %q, want active", got.State)
	}
	_, run, err := f.s.BeginSyncRun(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	audits := func(action string) int {
		t.Helper()
		var n int
		if err := f.s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM audit_log WHERE resource = 'import_sync' AND resource_id = $1 AND action = $2`, x.ID, action).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var applied []string
	apply := func(_ context.Context, got store.ImportSync) error {
		if got.ID != x.ID {
			t.Errorf("apply got sync %s, want %s", got.ID, x.ID)
		}
		applied = append(applied, got.State)
		return nil
	}
	set := func(a store.Actor, st string) error {
		_, err := f.s.SetImportSyncState(ctx, a, x.ID, st, apply)
		return err
	}
	refused := func(err error, want string) {
		t.Helper()
		var ve *store.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Pointer != "/state" || ve.Fields[0].Detail != want {
			t.Fatalf("err = %v, want /state %q", err, want)
		}
	}

	// Another organisation's user: not found, and the Schedule untouched.
	for _, st := range []string{rcm.SyncPaused, rcm.SyncActive, rcm.SyncDeleted} {
		if _, err := f.s.SetImportSyncState(ctx, deskB, x.ID, st, apply); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("facility B's desk sets %s: err = %v, want ErrNotFound", st, err)
		}
	}
	// The Schedule refuses: nothing is recorded.
	boom := errors.New("temporal unavailable")
	if _, err := f.s.SetImportSyncState(ctx, f.deskA, x.ID, rcm.SyncPaused, func(context.Context, store.ImportSync) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("pause with the Schedule failing: %v", err)
	}
	if got, _ := f.s.GetImportSync(ctx, f.admin, x.ID); got.State != rcm.SyncActive || audits("update") != 0 {
		t.Fatalf("after a failed pause: state %q, %d audits", got.State, audits("update"))
	}
	refused(set(f.deskA, rcm.SyncActive), "the sync is already active")

	got, err := f.s.SetImportSyncState(ctx, f.deskA, x.ID, rcm.SyncPaused, apply)
	if err != nil || got.State != rcm.SyncPaused || got.PausedAt == nil || got.PausedBy != f.deskA.UserID {
		t.Fatalf("pause: %+v %v", got, err)
	}
	refused(set(f.deskA, rcm.SyncPaused), "the sync is already paused")
	if got, err = f.s.SetImportSyncState(ctx, f.deskA, x.ID, rcm.SyncActive, apply); err != nil || got.State != rcm.SyncActive || got.PausedAt != nil {
		t.Fatalf("resume: %+v %v", got, err)
	}
	if got, err = f.s.SetImportSyncState(ctx, f.admin, x.ID, rcm.SyncDeleted, apply); err != nil || got.State != rcm.SyncDeleted || got.DeletedAt == nil {
		t.Fatalf("delete: %+v %v", got, err)
	}
	if want := []string{rcm.SyncActive, rcm.SyncPaused, rcm.SyncActive}; len(applied) != 3 || applied[0] != want[0] || applied[1] != want[1] || applied[2] != want[2] {
		t.Fatalf("apply saw states %v, want %v (the state before each change)", applied, want)
	}
	if u, d := audits("update"), audits(store.ActionDelete); u != 2 || d != 1 {
		t.Fatalf("%d update and %d delete audits; want 2 and 1", u, d)
	}
	for _, st := range []string{rcm.SyncPaused, rcm.SyncActive, rcm.SyncDeleted} {
		refused(set(f.admin, st), "the sync is deleted")
	}

	// Deleted: out of the list, still read with its passes; the server
	// may be synced again.
	list, err := f.s.ListImportSyncs(ctx, f.admin)
	if err != nil || len(list) != 0 {
		t.Fatalf("list after delete: %+v %v", list, err)
	}
	if got, err := f.s.GetImportSync(ctx, f.admin, x.ID); err != nil || got.State != rcm.SyncDeleted {
		t.Fatalf("read after delete: %+v %v", got, err)
	}
	if runs, err := f.s.SyncRuns(ctx, f.admin, x.ID, 20); err != nil || len(runs) != 1 || runs[0].ID != run.ID {
		t.Fatalf("the deleted sync's passes: %+v %v", runs, err)
	}
	if _, err := f.s.CreateImportSync(ctx, f.admin, store.ImportSync{OrgID: f.facA.ID, Server: "ehr", Every: time.Hour}); err != nil {
		t.Fatalf("a new sync from the deleted one's server: %v", err)
	}
	if _, err := f.s.CreateImportSync(ctx, f.admin, store.ImportSync{OrgID: f.facA.ID, Server: "ehr", Every: time.Hour}); err == nil {
		t.Fatal("two live syncs from one server")
	}
}
