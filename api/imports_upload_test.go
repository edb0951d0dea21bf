package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestImportUploadAndCommitRoutes (issue 21, the dashboard's routes): an
// upload's bad input is a problem naming the form field (never a 500),
// good files are staged sealed and audited in the caller's tenant only,
// and a commit is refused until the run is a finished dry run, then
// accepted once. The workflow is left out (the store calls stand in for
// it); cmd/claimflow's TestImportsInBrowser runs the real one.
func TestImportUploadAndCommitRoutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store
	orgA, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST UPLOAD A"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST UPLOAD B"})
	if err != nil {
		t.Fatal(err)
	}
	tokA := e.token(orgA.ID, "upload-a", "front_desk")
	tokB := e.token(orgB.ID, "upload-b", "front_desk")
	tokBiller := e.token(orgA.ID, "upload-biller", "biller")
	var uploaded []rcm.ImportItem
	e.api.MountImports(Imports{Records: s,
		Upload: func(ctx context.Context, a rcm.Actor, in fhirimport.Input, name string, items []rcm.ImportItem) (rcm.ImportRun, error) {
			run, err := s.CreateImportRun(ctx, a, rcm.ImportRun{OrgID: in.OrgID, Source: in.Source, SourceName: name, DryRun: in.DryRun})
			if err != nil {
				return run, err
			}
			uploaded = items
			if err := s.StageImportUpload(ctx, a, run, items); err != nil {
				return run, err
			}
			return s.GetImportRun(ctx, a, run.ID)
		},
		Commit: func(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error) {
			return s.CommitImportRun(ctx, a, id)
		},
	})

	type part struct{ field, file, body string }
	upload := func(tok string, parts ...part) (int, Problem, rcm.ImportRun) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, p := range parts {
			var w io.Writer
			var err error
			if p.file != "" {
				w, err = mw.CreateFormFile(p.field, p.file)
			} else {
				w, err = mw.CreateFormField(p.field)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(w, p.body)
		}
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/imports/upload", &buf)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var p Problem
		var run rcm.ImportRun
		if res.StatusCode >= 400 {
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("refusal content type %q", ct)
			}
			_ = json.Unmarshal(raw, &p)
		} else {
			_ = json.Unmarshal(raw, &run)
		}
		return res.StatusCode, p, run
	}
	pointers := func(p Problem) string {
		var out []string
		for _, f := range p.Errors {
			out = append(out, f.Pointer)
		}
		return strings.Join(out, " ")
	}
	const ndjson = `{"resourceType":"Patient","id":"pt-1","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRNUP1"}],"name":[{"family":"Testpatient","given":["Upload"]}],"birthDate":"1980-01-01","gender":"female"}` + "\n"
	org := part{field: "org_id", body: orgA.ID}

	for _, c := range []struct {
		name   string
		parts  []part
		status int
		ptrs   string
	}{
		{"no files", []part{org}, 422, "/files"},
		{"no organisation", []part{{field: "files", file: "a.ndjson", body: ndjson}}, 422, "/org_id"},
		{"bad dry_run", []part{org, {field: "dry_run", body: "maybe"}, {field: "files", file: "a.ndjson", body: ndjson}}, 422, "/dry_run"},
		{"unknown field", []part{org, {field: "path", body: "/etc/passwd"}, {field: "files", file: "a.ndjson", body: ndjson}}, 422, "/path"},
		{"unknown kind", []part{org, {field: "files", file: "a.txt", body: ndjson}}, 422, "/files/0"},
		{"mixed kinds", []part{org, {field: "files", file: "a.ndjson", body: ndjson}, {field: "files", file: "b.csv", body: "mrn\n"}}, 422, "/files/1"},
		{"empty file", []part{org, {field: "files", file: "a.ndjson", body: "\n"}}, 422, "/files/0"},
		{"unknown CSV column", []part{org, {field: "files", file: "a.csv", body: "mrn,favourite_colour\nM1,blue\n"}}, 422, "/files/0"},
	} {
		st, p, _ := upload(tokA, c.parts...)
		if st != c.status || pointers(p) != c.ptrs {
			t.Errorf("%s: %d %q (%s); want %d naming %q", c.name, st, pointers(p), p.Detail, c.status, c.ptrs)
		}
		if strings.Contains(p.Detail+pointers(p), "blue") {
			t.Errorf("%s: the problem repeats a value: %+v", c.name, p)
		}
	}
	// Not multipart: 415 naming /files.
	var p Problem
	if st := e.call(tokA, "POST", "/v1/imports/upload", map[string]any{"org_id": orgA.ID}, &p); st != 415 || pointers(p) != "/files" {
		t.Errorf("JSON body: %d %+v", st, p)
	}
	// A biller (no patient:write) may not upload.
	if st, _, _ := upload(tokBiller, org, part{field: "files", file: "a.ndjson", body: ndjson}); st != 403 {
		t.Errorf("biller upload: %d, want 403", st)
	}
	// Tenant B cannot upload into A's organisation: refused as a made-up one.
	stB, pB, _ := upload(tokB, org, part{field: "files", file: "a.ndjson", body: ndjson})
	stG, pG, _ := upload(tokB, part{field: "org_id", body: "00000000-0000-4000-8000-000000000000"}, part{field: "files", file: "a.ndjson", body: ndjson})
	if stB < 400 || stB != stG || pB.Detail != pG.Detail {
		t.Errorf("tenant B uploading into A: %d %+v; into a made-up org: %d %+v", stB, pB, stG, pG)
	}

	st, p, run := upload(tokA, org, part{field: "files", file: "patients.ndjson", body: ndjson + "not json\n"})
	if st != 202 || !run.DryRun || run.SourceName != "patients.ndjson" || run.Source != "ndjson" || run.Total != 2 || run.CreatedByName != "upload-a" {
		t.Fatalf("upload: %d %+v %+v", st, p, run)
	}
	if len(uploaded) != 2 || uploaded[0].ResourceType != "Patient" || uploaded[0].SourceID != "pt-1" || uploaded[1].ResourceType != "" {
		t.Errorf("staged items = %+v", uploaded)
	}
	var sealed int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM import_items WHERE run_id = $1 AND position(convert_to('Testpatient', 'UTF8') in body) = 0`, run.ID).Scan(&sealed); err != nil || sealed != 2 {
		t.Errorf("items stored without the plain name: %d, %v", sealed, err)
	}
	var audited int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM audit_log WHERE resource = 'import_upload' AND resource_id = $1 AND action = 'create'`, run.ID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("upload audit rows: %d, %v", audited, err)
	}

	// Commit: refused while the run is not a finished dry run; B gets 404.
	if st := e.call(tokA, "POST", "/v1/imports/"+run.ID+"/commit", nil, &p); st != 409 || pointers(p) != "/stage" {
		t.Errorf("commit at fetch: %d %+v", st, p)
	}
	if err := s.SetImportStage(ctx, run.ID, rcm.ImportStageReport, ""); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/imports/" + run.ID, "/v1/imports/" + run.ID + "/problems", "/v1/imports/" + run.ID + "/commit"} {
		method := "GET"
		if strings.HasSuffix(path, "/commit") {
			method = "POST"
		}
		if st := e.call(tokB, method, path, nil, nil); st != 404 {
			t.Errorf("tenant B %s %s = %d, want 404", method, path, st)
		}
	}
	var committed rcm.ImportRun
	if st := e.call(tokA, "POST", "/v1/imports/"+run.ID+"/commit", nil, &committed); st != 202 || committed.DryRun {
		t.Errorf("commit: %d %+v", st, committed)
	}
	if st := e.call(tokA, "POST", "/v1/imports/"+run.ID+"/commit", nil, &p); st != 409 {
		t.Errorf("second commit: %d %+v", st, p)
	}
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)::int FROM audit_log WHERE resource = 'import_run' AND resource_id = $1 AND action = 'update'`, run.ID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("commit audit rows: %d, %v", audited, err)
	}
	// The problems route: bad parameters name them.
	if st := e.call(tokA, "GET", "/v1/imports/"+run.ID+"/problems?limit=9999", nil, &p); st != 422 || len(p.Errors) != 1 || p.Errors[0].Parameter != "limit" {
		t.Errorf("problems?limit=9999: %d %+v", st, p)
	}
}
