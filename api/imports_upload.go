package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// The dashboard's side of imports: files uploaded in the request, the
// commit of a reviewed dry run, and the dry-run report as JSON.

// MaxImportUpload bounds one upload (all its files). Larger migrations go
// through the import directory and `claimflow import`.
const MaxImportUpload = 32 << 20

// readUpload reads a multipart/form-data upload: org_id, dry_run (true
// unless "false"), source (ndjson or csv; default from the files' names)
// and one or more files. The files are parsed here, in memory (they are
// PHI: never written to a temporary file), into the records to stage.
// Problems name the form field (/files/0), never a value.
func readUpload(r *http.Request) (fhirimport.Input, string, []rcm.ImportItem, error) {
	in := fhirimport.Input{DryRun: true}
	r.Body = http.MaxBytesReader(nil, r.Body, MaxImportUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, "", nil, &Error{Status: http.StatusUnsupportedMediaType, Code: "validation", Title: "Invalid request",
			Detail: "send the files as multipart/form-data", Fields: []FieldError{{Pointer: "/files", Detail: "send the files as multipart/form-data"}}}
	}
	type file struct {
		name string
		data []byte
	}
	var files []file
	var pr rcm.Problems
	dryRun := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, "", nil, uploadReadError(err)
		}
		field := part.FormName()
		switch field {
		case "files":
			b, err := io.ReadAll(part)
			if err != nil {
				return in, "", nil, uploadReadError(err)
			}
			files = append(files, file{filepath.Base(part.FileName()), b})
		case "org_id", "source", "dry_run":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return in, "", nil, uploadReadError(err)
			}
			v := strings.TrimSpace(string(b))
			switch field {
			case "org_id":
				in.OrgID = v
			case "source":
				in.Source = v
			case "dry_run":
				dryRun = v
			}
		default:
			if badText(field) || len(field) > 64 {
				field = "?"
			}
			pr.Add("/"+pointerToken(field), "is not a field of an import upload (org_id, source, dry_run, files)")
		}
		part.Close()
	}
	if !rcm.ValidID(in.OrgID) {
		pr.Add("/org_id", "is required: the organisation to import into")
	}
	switch dryRun {
	case "", "true", "on", "1":
	case "false", "0":
		in.DryRun = false
	default:
		pr.Add("/dry_run", "must be true or false")
	}
	if in.Source != "" && in.Source != rcm.ImportSourceNDJSON && in.Source != rcm.ImportSourceCSV {
		pr.Add("/source", "must be ndjson or csv")
	}
	if len(files) == 0 {
		pr.Add("/files", "attach at least one NDJSON or CSV file")
	}
	names := make([]string, 0, len(files))
	for i, f := range files {
		ptr := fmt.Sprintf("/files/%d", i)
		if badText(f.name) || len(f.name) > 200 {
			pr.Add(ptr, "the file name "+badTextDetail+" or is longer than 200 characters")
			continue
		}
		names = append(names, f.name)
		kind := uploadKind(f.name)
		if in.Source == "" && kind != "" {
			in.Source = kind
		}
		if kind == "" && in.Source == "" {
			pr.Add(ptr, "name the source (ndjson or csv): the file name ends neither in .ndjson nor in .csv")
		} else if kind != "" && kind != in.Source {
			pr.Add(ptr, "is "+kind+", the upload is "+in.Source+": upload NDJSON and CSV files separately")
		}
	}
	if err := pr.Err(); err != nil {
		return in, "", nil, err
	}
	var items []rcm.ImportItem
	emit := func(typ, id string, body []byte) error {
		items = append(items, rcm.ImportItem{Seq: len(items) + 1, ResourceType: typ, SourceID: id, Body: body})
		return nil
	}
	for i, f := range files {
		read := fhirimport.ReadNDJSON
		if in.Source == rcm.ImportSourceCSV {
			read = fhirimport.ReadCSV
		}
		before := len(items)
		if err := read(strings.NewReader(string(f.data)), emit); err != nil {
			// The readers' errors name lines and columns, never cell values.
			pr.Add(fmt.Sprintf("/files/%d", i), "cannot be read as "+in.Source+": "+err.Error())
		} else if len(items) == before {
			pr.Add(fmt.Sprintf("/files/%d", i), "holds no records")
		}
	}
	return in, strings.Join(names, ", "), items, pr.Err()
}

// uploadKind is the source a file's name says (ndjson, csv or "").
func uploadKind(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return rcm.ImportSourceNDJSON
	case ".csv":
		return rcm.ImportSourceCSV
	}
	return ""
}

func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too-large", Title: "Upload too large",
			Detail: "an upload holds at most " + strconv.Itoa(MaxImportUpload>>20) + " MiB: put larger files in the import directory and use claimflow import",
			Fields: []FieldError{{Pointer: "/files", Detail: "is larger than " + strconv.Itoa(MaxImportUpload>>20) + " MiB"}}}
	}
	return &Error{Status: http.StatusBadRequest, Code: "malformed", Title: "Malformed upload",
		Detail: "the multipart body cannot be read", Fields: []FieldError{{Pointer: "/files", Detail: "the multipart body cannot be read"}}}
}

func notCommittable(run rcm.ImportRun) error {
	detail := "only a finished dry run can be committed"
	switch {
	case !run.DryRun:
		detail = "this import is not a dry run, or it was committed already"
	case run.Stage != rcm.ImportStageReport:
		detail = "the dry run is still at " + run.Stage + ": commit it when its report is ready"
	}
	return &Error{Status: http.StatusConflict, Code: "import-not-committable", Title: "Import cannot be committed", Detail: detail,
		Fields: []FieldError{{Pointer: "/stage", Detail: detail}}}
}

// ImportProblem is one line of the dry-run report as JSON: the record
// (sequence number, resource type, source id) and one field problem. It
// carries no source record (the CSV report's PHI column).
type ImportProblem struct {
	Seq          int    `json:"seq"`
	ResourceType string `json:"resource_type"`
	SourceID     string `json:"source_id"`
	Status       string `json:"status"`
	Field        string `json:"field"`
	Problem      string `json:"problem"`
}

// problems answers GET /v1/imports/{id}/problems?after=SEQ&limit=N: the
// records with problems (invalid, failed) after SEQ, at most N (100,
// up to 500) records, and the next cursor.
func (im Imports) problems(r *http.Request, a rcm.Actor) (int, any, error) {
	ctx := r.Context()
	var fe []FieldError
	var err error
	after, limit := 0, 100
	if v := r.URL.Query().Get("after"); v != "" {
		if after, err = strconv.Atoi(v); err != nil || after < 0 {
			fe = append(fe, FieldError{Parameter: "after", Detail: "must be a record sequence number"})
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			fe = append(fe, FieldError{Parameter: "limit", Detail: "must be 1 to 500"})
		}
	}
	if fe != nil {
		return 0, nil, invalidFields("the request has invalid parameters", fe)
	}
	run, err := im.Records.GetImportRun(ctx, a, chi.URLParam(r, "id"))
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Items []ImportProblem `json:"items"`
		Next  int             `json:"next,omitempty"`
	}{Items: []ImportProblem{}}
	records := 0
	for records < limit {
		items, err := im.Records.ImportItems(ctx, run.ID, "", "", after, 1000)
		if err != nil {
			return 0, nil, err
		}
		if len(items) == 0 {
			return http.StatusOK, out, nil
		}
		for _, it := range items {
			after = it.Seq
			if len(it.Problems) == 0 {
				continue
			}
			for _, pb := range it.Problems {
				out.Items = append(out.Items, ImportProblem{Seq: it.Seq, ResourceType: it.ResourceType, SourceID: it.SourceID, Status: it.Status, Field: pb.Pointer, Problem: pb.Detail})
			}
			if records++; records == limit {
				out.Next = it.Seq
				break
			}
		}
	}
	return http.StatusOK, out, nil
}
