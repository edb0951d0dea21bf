package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// Practice import (issue 21): start an import, watch it, download the
// per-record error report, and the CSV template. The import itself is the
// import/<id> workflow.

// ImportRecords is the store's side of imports.
type ImportRecords interface {
	GetImportRun(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error)
	ListImportRuns(ctx context.Context, a rcm.Actor, limit int) ([]rcm.ImportRun, error)
	ImportItems(ctx context.Context, runID, resourceType, status string, afterSeq, limit int) ([]rcm.ImportItem, error)
	ImportReportAudit(ctx context.Context, a rcm.Actor, run rcm.ImportRun) error
}

// ImportStarter creates an import run and starts its workflow as the actor.
type ImportStarter func(ctx context.Context, a rcm.Actor, in fhirimport.Input, sourceName string) (rcm.ImportRun, error)

// ImportUploader creates an import run from uploaded files' records (staged
// and audited) and starts its workflow as the actor.
type ImportUploader func(ctx context.Context, a rcm.Actor, in fhirimport.Input, sourceName string, items []rcm.ImportItem) (rcm.ImportRun, error)

// ImportCommitter commits a finished dry run as the actor.
type ImportCommitter func(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error)

// Imports configures the import endpoints.
type Imports struct {
	Records ImportRecords
	Start   ImportStarter
	// Dir is the import drop directory on the worker's disk: NDJSON and CSV
	// imports name files inside it (relative paths), never elsewhere.
	Dir string
	// Upload and Commit serve the dashboard: files uploaded in the request
	// (POST /v1/imports/upload) and the commit of a reviewed dry run (POST
	// /v1/imports/{id}/commit). Nil: those routes answer 404.
	Upload ImportUploader
	Commit ImportCommitter
}

// ImportRequest is the body of POST /v1/imports.
type ImportRequest struct {
	OrgID  string   `json:"org_id"`
	Source string   `json:"source"`
	Paths  []string `json:"paths"`
	Server string   `json:"server"`
	Types  []string `json:"types"`
	Bulk   bool     `json:"bulk"`
	DryRun bool     `json:"dry_run"`
}

// ImportStatus is an import with its progress.
type ImportStatus struct {
	rcm.ImportRun
	Done int `json:"done"`
}

// MountImports adds the import endpoints to the /v1 API.
func (s *Server) MountImports(im Imports) {
	s.router.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		// The templates hold no PHI: any signed-in user may download them
		// (?kind=patients, the default, appointments or encounters).
		r.Get("/v1/import/template.csv", func(w http.ResponseWriter, r *http.Request) {
			if _, ok := principalFrom(r.Context()); !ok {
				s.writeError(w, r, rcm.ErrUnauthenticated)
				return
			}
			kind := r.URL.Query().Get("kind")
			body := fhirimport.CSVTemplateOf(kind)
			if body == nil {
				s.writeError(w, r, invalidFields("the request has invalid parameters", []FieldError{{Parameter: "kind", Detail: "must be patients, appointments or encounters"}}))
				return
			}
			name := "claimflow-import-template.csv"
			if kind != "" && kind != fhirimport.CSVPatients {
				name = "claimflow-import-" + kind + "-template.csv"
			}
			h := w.Header()
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
			_, _ = w.Write(body) //nolint:gosec // G705: a fixed CSV header chosen by kind, served as a text/csv attachment, not HTML
		})
		r.Post("/v1/imports", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in ImportRequest
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			fin, name, err := im.input(in)
			if err != nil {
				return 0, nil, err
			}
			run, err := im.Start(r.Context(), a, fin, name)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusAccepted, ImportStatus{run, run.Done()}, nil
		}))
		r.Get("/v1/imports", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			runs, err := im.Records.ListImportRuns(r.Context(), a, 50)
			if err != nil {
				return 0, nil, err
			}
			out := make([]ImportStatus, len(runs))
			for i, run := range runs {
				out[i] = ImportStatus{run, run.Done()}
			}
			return http.StatusOK, struct {
				Items []ImportStatus `json:"items"`
			}{out}, nil
		}))
		r.Get("/v1/imports/{id}", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			run, err := im.Records.GetImportRun(r.Context(), a, chi.URLParam(r, "id"))
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, ImportStatus{run, run.Done()}, nil
		}))
		r.Post("/v1/imports/upload", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			if im.Upload == nil {
				return 0, nil, rcm.ErrNotFound
			}
			in, name, items, err := readUpload(r)
			if err != nil {
				return 0, nil, err
			}
			run, err := im.Upload(r.Context(), a, in, name, items)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusAccepted, ImportStatus{run, run.Done()}, nil
		}))
		r.Post("/v1/imports/{id}/commit", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			run, err := im.Records.GetImportRun(r.Context(), a, chi.URLParam(r, "id"))
			if err != nil {
				return 0, nil, err
			}
			if !run.DryRun || run.Stage != rcm.ImportStageReport {
				return 0, nil, notCommittable(run)
			}
			if im.Commit == nil {
				return 0, nil, rcm.ErrNotFound
			}
			started, err := im.Commit(r.Context(), a, run.ID)
			if errors.Is(err, rcm.ErrConflict) {
				// Another commit came first, or the dry run's workflow is
				// still closing.
				return 0, nil, &Error{Status: http.StatusConflict, Code: "import-not-committable", Title: "Import cannot be committed",
					Detail: "the dry run was committed by another request, or its workflow is still closing: reload and try again",
					Fields: []FieldError{{Pointer: "/stage", Detail: "is changing"}}}
			}
			if err != nil {
				return 0, nil, err
			}
			return http.StatusAccepted, ImportStatus{started, started.Done()}, nil
		}))
		r.Get("/v1/imports/{id}/problems", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			return im.problems(r, a)
		}))
		r.Get("/v1/imports/{id}/errors.csv", func(w http.ResponseWriter, r *http.Request) {
			out := &csvOut{w: w, name: "import-errors"}
			s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
				err := im.report(r, a, out)
				if err != nil && out.started {
					panic(http.ErrAbortHandler)
				}
				if err != nil {
					return 0, nil, err
				}
				out.finish()
				return http.StatusOK, nil, nil
			}).ServeHTTP(out, r)
		})
	})
}

// input checks a request and turns it into the workflow's input.
func (im Imports) input(in ImportRequest) (fhirimport.Input, string, error) {
	var pr rcm.Problems
	if !rcm.ValidID(in.OrgID) {
		pr.Add("/org_id", "is required")
	}
	out := fhirimport.Input{OrgID: in.OrgID, Source: in.Source, DryRun: in.DryRun, Server: in.Server, Types: in.Types, Bulk: in.Bulk}
	name := in.Server
	switch in.Source {
	case rcm.ImportSourceNDJSON, rcm.ImportSourceCSV:
		if im.Dir == "" {
			pr.Add("/paths", "this server has no import directory configured (CLAIMFLOW_IMPORT_DIR)")
			break
		}
		if len(in.Paths) == 0 {
			pr.Add("/paths", "name at least one file or directory inside the import directory")
		}
		for i, p := range in.Paths {
			clean := filepath.Clean(p)
			if p == "" || filepath.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
				pr.Add(fmt.Sprintf("/paths/%d", i), "must be a relative path inside the import directory")
				continue
			}
			out.Paths = append(out.Paths, filepath.Join(im.Dir, clean))
		}
		name = strings.Join(in.Paths, ", ")
	case rcm.ImportSourceFHIR:
		if in.Server == "" {
			pr.Add("/server", "name a FHIR server configured on the worker")
		}
		for i, t := range in.Types {
			if !isImportType(t) {
				pr.Add(fmt.Sprintf("/types/%d", i), "is not a resource type claimflow imports")
			}
		}
	default:
		pr.Add("/source", "must be ndjson, csv or fhir")
	}
	return out, name, pr.Err()
}

func isImportType(t string) bool {
	for _, o := range fhirimport.Order {
		if o == t {
			return true
		}
	}
	return false
}

// report writes the per-record report: every record that was not imported
// (invalid, failed) and every record with unmapped fields. The source
// record (PHI) is a column only for users who may read patients, and that
// read is audited.
func (im Imports) report(r *http.Request, a rcm.Actor, out *csvOut) error {
	ctx := r.Context()
	run, err := im.Records.GetImportRun(ctx, a, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	p, _ := principalFrom(ctx)
	phi := p.Permissions[rcm.PermPatientRead]
	if phi {
		if err := im.Records.ImportReportAudit(ctx, a, run); err != nil {
			return err
		}
	}
	header := []string{"seq", "resource_type", "source_id", "status", "field", "problem", "unmapped"}
	if phi {
		header = append(header, "source_record")
	}
	if err := out.row(header...); err != nil {
		return err
	}
	after := 0
	for {
		items, err := im.Records.ImportItems(ctx, run.ID, "", "", after, 1000)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		for _, it := range items {
			after = it.Seq
			if len(it.Problems) == 0 && len(it.Unmapped) == 0 {
				continue
			}
			probs := it.Problems
			if len(probs) == 0 {
				probs = []rcm.FieldProblem{{}}
			}
			for _, pb := range probs {
				cells := []string{strconv.Itoa(it.Seq), it.ResourceType, it.SourceID, it.Status, pb.Pointer, pb.Detail, strings.Join(it.Unmapped, "; ")}
				if phi {
					cells = append(cells, string(it.Body))
				}
				if err := out.row(cells...); err != nil {
					return err
				}
			}
		}
		if err := out.flush(); err != nil {
			return err
		}
	}
}
