package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// TestImportSyncsAPI: the sync endpoints answer what schemas/openapi.yaml
// says (the world checks every response), refuse bad input naming the
// field, and show another organisation nothing. The passes themselves run
// on the dev server in cmd/claimflow's TestImportSyncCLI.
func TestImportSyncsAPI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	other, err := w.store.CreateOrg(context.Background(), store.System, store.Org{Kind: "health_system", Name: "TEST SYNC OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := w.token(other.ID, "sync-other-admin", "admin")

	var x ImportSyncView
	w.mustCall(201, w.rootAdmin, "POST", "/v1/imports/syncs", map[string]any{"org_id": w.root.ID, "server": "ehr", "every": "15m"}, &x)
	if x.Every != "15m0s" || x.Server != "ehr" || x.HighWater != nil {
		t.Fatalf("registered: %+v", x)
	}
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"org_id": w.root.ID, "server": "ehr", "every": "5s"}, "/every"},
		{map[string]any{"org_id": w.root.ID, "server": "ehr", "every": "soon"}, "/every"},
		{map[string]any{"org_id": w.root.ID, "server": "ehr", "every": "1h"}, "/server"}, // already syncing from it
		{map[string]any{"org_id": w.root.ID, "every": "1h"}, "/server"},
		{map[string]any{"org_id": w.root.ID, "server": "ehr2", "every": "1h"}, ""},
	} {
		code, body := w.raw(otherAdmin, "POST", "/v1/imports/syncs", c.body)
		if c.want == "" { // another organisation's org_id
			if code != 422 || !strings.Contains(string(body), "/org_id") {
				t.Errorf("other tenant registers at root: %d %s", code, body)
			}
			continue
		}
		code, body = w.raw(w.rootAdmin, "POST", "/v1/imports/syncs", c.body)
		if code != 422 || !strings.Contains(string(body), `"pointer":"`+c.want+`"`) {
			t.Errorf("%v: %d %s; want 422 naming %s", c.body, code, body, c.want)
		}
	}
	var list struct {
		Items []ImportSyncView `json:"items"`
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/imports/syncs", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != x.ID {
		t.Fatalf("list: %+v", list.Items)
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/imports/syncs/"+x.ID, nil, nil)
	w.mustCall(202, w.rootAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/run", nil, nil)
	w.mustCall(200, w.rootAdmin, "GET", "/v1/imports/sync-flags?status=open", nil, nil)
	w.mustCall(404, w.rootAdmin, "POST", "/v1/imports/sync-flags/"+x.ID, map[string]any{"status": "dismissed"}, nil)
	if code, body := w.raw(w.rootAdmin, "POST", "/v1/imports/sync-flags/"+x.ID, map[string]any{"status": "gone"}); code != 422 || !strings.Contains(string(body), "/status") {
		t.Errorf("a bad flag status: %d %s", code, body)
	}

	// The other organisation sees nothing of it.
	w.mustCall(200, otherAdmin, "GET", "/v1/imports/syncs", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("the other tenant lists %d syncs", len(list.Items))
	}
	w.mustCall(404, otherAdmin, "GET", "/v1/imports/syncs/"+x.ID, nil, nil)
	w.mustCall(404, otherAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/run", nil, nil)
	w.mustCall(404, otherAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/pause", nil, nil)
	w.mustCall(404, otherAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/resume", nil, nil)
	w.mustCall(404, otherAdmin, "DELETE", "/v1/imports/syncs/"+x.ID, nil, nil)

	// Pause, resume, delete (the Schedule's side is Temporal's:
	// cmd/claimflow's TestImportSyncCLI); refusals name /state.
	refused := func(method, path, want string) {
		t.Helper()
		code, body := w.raw(w.rootAdmin, method, path, nil)
		if code != 422 || !strings.Contains(string(body), `"pointer":"/state"`) || !strings.Contains(string(body), want) {
			t.Errorf("%s %s: %d %s; want 422 naming /state: %s", method, path, code, body, want)
		}
	}
	if x.State != "active" || x.NextRunAt == nil || !x.NextRunAt.After(time.Now()) || x.NextRunAt.After(time.Now().Add(15*time.Minute)) {
		t.Fatalf("a new sync: state %q, next run %v; want active, within 15m", x.State, x.NextRunAt)
	}
	var v ImportSyncView
	w.mustCall(200, w.rootAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/pause", nil, &v)
	if v.State != "paused" || v.PausedAt == nil || v.NextRunAt != nil {
		t.Fatalf("paused: %+v", v)
	}
	refused("POST", "/v1/imports/syncs/"+x.ID+"/pause", "already paused")
	refused("POST", "/v1/imports/syncs/"+x.ID+"/run", "resume it")
	v = ImportSyncView{}
	w.mustCall(200, w.rootAdmin, "POST", "/v1/imports/syncs/"+x.ID+"/resume", nil, &v)
	if v.State != "active" || v.PausedAt != nil || v.NextRunAt == nil {
		t.Fatalf("resumed: %+v", v)
	}
	v = ImportSyncView{}
	w.mustCall(200, w.rootAdmin, "DELETE", "/v1/imports/syncs/"+x.ID, nil, &v)
	if v.State != "deleted" || v.DeletedAt == nil || v.NextRunAt != nil {
		t.Fatalf("deleted: %+v", v)
	}
	refused("DELETE", "/v1/imports/syncs/"+x.ID, "deleted")
	refused("POST", "/v1/imports/syncs/"+x.ID+"/resume", "deleted")
	refused("POST", "/v1/imports/syncs/"+x.ID+"/run", "the sync is deleted")
	w.mustCall(200, w.rootAdmin, "GET", "/v1/imports/syncs", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("the list after delete: %+v", list.Items)
	}
	v = ImportSyncView{}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/imports/syncs/"+x.ID, nil, &v)
	if v.State != "deleted" {
		t.Fatalf("a deleted sync reads as %q", v.State)
	}
}

func TestNextInterval(t *testing.T) {
	for _, c := range []struct {
		now   string
		every time.Duration
		want  string
	}{
		{"2026-12-03T16:07:00Z", 15 * time.Minute, "2026-12-03T16:15:00Z"},
		{"2026-12-03T16:15:00Z", 15 * time.Minute, "2026-12-03T16:30:00Z"}, // due now: the next one
		{"2026-12-03T16:59:59Z", time.Hour, "2026-12-03T17:00:00Z"},
		{"2026-12-03T23:00:00Z", 24 * time.Hour, "2026-12-04T00:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := nextInterval(now, c.every).Format(time.RFC3339); got != c.want {
			t.Errorf("nextInterval(%s, %s) = %s, want %s", c.now, c.every, got, c.want)
		}
	}
}
