package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// registerImports registers the practice import's activities on the
// worker, with the FHIR servers of CLAIMFLOW_FHIR_SERVERS.
func (m *Main) registerImports() error {
	servers, err := m.fhirServers()
	if err != nil {
		return err
	}
	m.Worker.RegisterActivity(&fhirimport.Activities{Store: m.Store, FHIRServers: servers})
	return nil
}

// fhirServers reads CLAIMFLOW_FHIR_SERVERS (none when unset).
func (m *Main) fhirServers() (map[string]fhirimport.FHIRServer, error) {
	servers := map[string]fhirimport.FHIRServer{}
	if f := m.Config.FHIRServersFile; f != "" {
		b, err := os.ReadFile(f) //nolint:gosec // the operator's configuration file
		if err != nil {
			return nil, fmt.Errorf("config: CLAIMFLOW_FHIR_SERVERS: %w", err)
		}
		if err := json.Unmarshal(b, &servers); err != nil {
			return nil, fmt.Errorf("config: CLAIMFLOW_FHIR_SERVERS: %w", err)
		}
	}
	return servers, nil
}

// mountImports adds /v1/imports: imports start as the signed-in user;
// the dashboard uploads files and commits reviewed dry runs.
func (m *Main) mountImports() {
	m.API.MountImports(api.Imports{Records: m.Store, Dir: m.Config.ImportDir,
		Start: func(ctx context.Context, a rcm.Actor, in fhirimport.Input, name string) (rcm.ImportRun, error) {
			return workflows.StartImport(ctx, m.Temporal, m.Config.TaskQueue, m.Store, a, in, name)
		},
		Upload: func(ctx context.Context, a rcm.Actor, in fhirimport.Input, name string, items []rcm.ImportItem) (rcm.ImportRun, error) {
			return workflows.StartUploadedImport(ctx, m.Temporal, m.Config.TaskQueue, m.Store, a, in, name, items)
		},
		Commit: func(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error) {
			return workflows.CommitImport(ctx, m.Temporal, m.Config.TaskQueue, m.Store, a, id)
		}})
	syncs := importSyncs(m.Store, m.Temporal, m.Config.TaskQueue)
	// The API knows the worker's server names when it reads the same
	// configuration (one binary, one environment); otherwise the pass
	// names an unknown server when it runs.
	if servers, err := m.fhirServers(); err == nil && m.Config.FHIRServersFile != "" {
		syncs.Servers = slices.Sorted(maps.Keys(servers))
	}
	m.API.MountImportSyncs(syncs)
}

// importSyncs wires the sync endpoints to the sync's Temporal Schedule:
// created at registration, triggered by Run now, paused, unpaused and
// deleted with the sync.
func importSyncs(st api.ImportSyncRecords, c client.Client, queue string) api.ImportSyncs {
	return api.ImportSyncs{Records: st,
		Schedule: func(ctx context.Context, x rcm.ImportSync) error {
			return workflows.EnsureImportSyncSchedule(ctx, c, queue, x)
		},
		Trigger: func(ctx context.Context, id string) error { return workflows.TriggerImportSync(ctx, c, id) },
		Pause:   func(ctx context.Context, id string) error { return workflows.PauseImportSync(ctx, c, id) },
		Resume:  func(ctx context.Context, x rcm.ImportSync) error { return workflows.ResumeImportSync(ctx, c, queue, x) },
		Delete:  func(ctx context.Context, id string) error { return workflows.DeleteImportSyncSchedule(ctx, c, id) }}
}

func init() {
	register(command{name: "import", args: "ndjson|csv|fhir -org ID [-dry-run] PATH...|-server NAME | sync add|list|show|run|pause|resume|delete|flags|ack|dismiss",
		help: "import a practice (FHIR R4 NDJSON files, a patient CSV, or a FHIR server) through the API, with a progress line", run: cmdImport})
}

// cmdImport is `claimflow import ndjson|csv|fhir`: it starts the import
// through the HTTP API as $CLAIMFLOW_API_TOKEN's user and follows it to
// the end, printing one progress line that it rewrites.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"import: name the source: ndjson, csv or fhir (or sync)"}
	}
	source := args[0]
	if source == "sync" {
		return cmdImportSync(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := apiFlags("import "+source, stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	var in api.ImportRequest
	in.Source = source
	fs.StringVar(&in.OrgID, "org", "", "organisation to import into")
	fs.BoolVar(&in.DryRun, "dry-run", false, "validate and report only; write no record")
	fs.StringVar(&in.Server, "server", "", "fhir: the FHIR server's name in the worker's CLAIMFLOW_FHIR_SERVERS")
	types := fs.String("types", "", "fhir: comma-separated resource types (default all claimflow imports)")
	fs.BoolVar(&in.Bulk, "bulk", false, "fhir: use Bulk Data $export (default REST search with paging)")
	dir := fs.String("dir", "", "ndjson/csv: the import directory the paths are relative to (default $CLAIMFLOW_IMPORT_DIR)")
	report := fs.String("report", "", "write the per-record error report (CSV) to this file at the end")
	wait := fs.Duration("wait", 24*time.Hour, "how long to follow the import")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *types != "" {
		in.Types = strings.Split(*types, ",")
	}
	if source == rcm.ImportSourceNDJSON || source == rcm.ImportSourceCSV {
		root := *dir
		if root == "" {
			root = getenv("CLAIMFLOW_IMPORT_DIR")
		}
		for _, p := range fs.Args() {
			if filepath.IsAbs(p) && root != "" {
				if rel, err := filepath.Rel(root, p); err == nil {
					p = rel
				}
			}
			in.Paths = append(in.Paths, p)
		}
	}
	var st api.ImportStatus
	if err := apiCall(ctx, getenv, *base, http.MethodPost, "/v1/imports", in, &st); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "import %s started (workflow %s%s)\n", st.ID, workflows.ImportIDPrefix, st.ID)
	deadline := time.Now().Add(*wait)
	for {
		if err := apiCall(ctx, getenv, *base, http.MethodGet, "/v1/imports/"+st.ID, nil, &st); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\r%s", progressLine(st))
		final := st.Stage == rcm.ImportStageDone || st.Stage == rcm.ImportStageFailed || st.Stage == rcm.ImportStageReport && st.DryRun
		if final || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "%s: %d records: %d imported, %d unchanged, %d invalid, %d failed\n", st.Stage, st.Total, st.Imported, st.Unchanged, st.Invalid, st.Failed)
	if *report != "" {
		if err := downloadReport(ctx, getenv, *base, st.ID, *report); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "error report: %s\n", *report)
	}
	if st.Stage == rcm.ImportStageFailed {
		return fmt.Errorf("import failed: %s", st.Error)
	}
	return nil
}

// progressLine draws "[#####.....] 50% commit 500/1000 (3 invalid)".
func progressLine(st api.ImportStatus) string {
	const width = 30
	frac := 0.0
	if st.Total > 0 {
		frac = float64(st.Done) / float64(st.Total)
	}
	n := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%% %-8s %d/%d (%d invalid, %d failed)", strings.Repeat("#", n), strings.Repeat(".", width-n),
		frac*100, st.Stage, st.Done, st.Total, st.Invalid, st.Failed)
}

func downloadReport(ctx context.Context, getenv func(string) string, base, id, file string) error {
	if base == "" {
		base = getenv("CLAIMFLOW_URL")
	}
	if base == "" {
		addr := getenv("CLAIMFLOW_HTTP_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		base = "http://" + addr
	}
	u := strings.TrimRight(base, "/") + "/v1/imports/" + id + "/errors.csv"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil) //nolint:gosec // the operator's own claimflow API URL
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+getenv("CLAIMFLOW_API_TOKEN"))
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // the operator's own claimflow API URL
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("error report: HTTP %d", resp.StatusCode)
	}
	f, err := os.Create(file) //nolint:gosec // the operator names the report file
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
