package api

import (
	"context"
	"strings"
	"testing"

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
}
