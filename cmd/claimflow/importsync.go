package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// cmdImportSync is `claimflow import sync add|list|show|run|pause|resume|delete|flags|ack|dismiss`:
// the ongoing EHR sync through the HTTP API as $CLAIMFLOW_API_TOKEN's user.
func cmdImportSync(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"import sync: add|list|show|run|pause|resume|delete|flags|ack|dismiss"}
	}
	verb := args[0]
	fs := apiFlags("import sync "+verb, stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	var add api.ImportSyncRequest
	var status string
	var wait time.Duration
	switch verb {
	case "add":
		fs.StringVar(&add.OrgID, "org", "", "organisation the sync imports into")
		fs.StringVar(&add.Server, "server", "", "the FHIR server's name in the worker's CLAIMFLOW_FHIR_SERVERS")
		fs.StringVar(&add.Every, "every", "15m", "interval between passes")
	case "run":
		fs.DurationVar(&wait, "wait", 10*time.Minute, "follow the pass to its end (0: do not wait)")
	case "flags":
		fs.StringVar(&status, "status", rcm.FlagOpen, "open, acknowledged, dismissed, or all")
	case "list", "show", "ack", "dismiss", "pause", "resume", "delete":
	default:
		return usageError{"import sync: unknown verb " + verb + " (add|list|show|run|pause|resume|delete|flags|ack|dismiss)"}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	id := fs.Arg(0)
	if verb != "add" && verb != "list" && verb != "flags" && id == "" {
		return usageError{"import sync " + verb + ": name the " + map[bool]string{true: "flag", false: "sync"}[verb == "ack" || verb == "dismiss"] + " id"}
	}
	call := func(method, path string, in, out any) error {
		return apiCall(ctx, getenv, *base, method, path, in, out)
	}
	switch verb {
	case "add":
		var x api.ImportSyncView
		if err := call(http.MethodPost, "/v1/imports/syncs", add, &x); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sync %s registered: server %s every %s (schedule %s)\n", x.ID, x.Server, x.Every, workflows.ImportSyncScheduleID(x.ID))
	case "list":
		var out struct {
			Items []api.ImportSyncView `json:"items"`
		}
		if err := call(http.MethodGet, "/v1/imports/syncs", nil, &out); err != nil {
			return err
		}
		for _, x := range out.Items {
			fmt.Fprintln(stdout, syncLine(x))
		}
		fmt.Fprintf(stdout, "%d syncs\n", len(out.Items))
	case "show":
		var x api.ImportSyncView
		if err := call(http.MethodGet, "/v1/imports/syncs/"+id, nil, &x); err != nil {
			return err
		}
		fmt.Fprintln(stdout, syncLine(x))
		for _, r := range x.Runs {
			fmt.Fprintln(stdout, "  "+passLine(r.ImportRun))
		}
	case "run":
		return runSyncPass(ctx, call, id, wait, stdout)
	case "pause", "resume", "delete":
		method, path, body := http.MethodPost, "/v1/imports/syncs/"+id+"/"+verb, any(struct{}{})
		if verb == "delete" {
			method, path, body = http.MethodDelete, "/v1/imports/syncs/"+id, nil
		}
		var x api.ImportSyncView
		if err := call(method, path, body, &x); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sync %s %s (schedule %s)\n", x.ID, x.State, workflows.ImportSyncScheduleID(x.ID))
	case "flags":
		if status == "all" {
			status = ""
		}
		var out struct {
			Items []rcm.ImportSyncFlag `json:"items"`
		}
		if err := call(http.MethodGet, "/v1/imports/sync-flags?status="+status, nil, &out); err != nil {
			return err
		}
		for _, f := range out.Items {
			claim := "no claim"
			if f.ClaimID != "" {
				claim = "claim " + f.ClaimID + " " + f.ClaimStatus
			}
			fmt.Fprintf(stdout, "%s  %s/%s  %s (%s): %s changed  [%s]\n", f.ID, f.ResourceType, f.SourceID, f.Reason, claim, strings.Join(f.Fields, ", "), f.Status)
		}
		fmt.Fprintf(stdout, "%d flags\n", len(out.Items))
	case "ack", "dismiss":
		st := map[string]string{"ack": rcm.FlagAcknowledged, "dismiss": rcm.FlagDismissed}[verb]
		var f rcm.ImportSyncFlag
		if err := call(http.MethodPost, "/v1/imports/sync-flags/"+id, api.ResolveFlagRequest{Status: st}, &f); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "flag %s %s\n", f.ID, f.Status)
	}
	return nil
}

func syncLine(x api.ImportSyncView) string {
	hw := "none yet"
	if x.HighWater != nil {
		hw = x.HighWater.UTC().Format(time.RFC3339)
	}
	line := fmt.Sprintf("%s  org %s  server %s  every %s  %s  high-water %s", x.ID, x.OrgID, x.Server, x.Every, x.State, hw)
	if x.NextRunAt != nil {
		line += "  next " + x.NextRunAt.UTC().Format(time.RFC3339)
	}
	if x.LastError != "" {
		line += "  last error: " + x.LastError
	}
	return line
}

func passLine(r rcm.ImportRun) string {
	return fmt.Sprintf("pass %s %s: %d records: %d imported, %d updated, %d flagged, %d unchanged, %d invalid, %d failed",
		r.ID, r.Stage, r.Total, r.Imported, r.Updated, r.Flagged, r.Unchanged, r.Invalid, r.Failed)
}

// runSyncPass triggers a pass and, when wait > 0, follows it until the
// sync records it as its last pass.
func runSyncPass(ctx context.Context, call func(method, path string, in, out any) error, id string, wait time.Duration, stdout io.Writer) error {
	var before api.ImportSyncView
	if err := call(http.MethodGet, "/v1/imports/syncs/"+id, nil, &before); err != nil {
		return err
	}
	var seen []string
	for _, r := range before.Runs {
		seen = append(seen, r.ID)
	}
	var started api.ImportSyncView
	if err := call(http.MethodPost, "/v1/imports/syncs/"+id+"/run", struct{}{}, &started); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pass of sync %s started (schedule %s)\n", id, workflows.ImportSyncScheduleID(id))
	if wait <= 0 {
		return nil
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		var x api.ImportSyncView
		if err := call(http.MethodGet, "/v1/imports/syncs/"+id, nil, &x); err != nil {
			return err
		}
		if x.LastRunID != "" && !slices.Contains(seen, x.LastRunID) {
			for _, r := range x.Runs {
				if r.ID == x.LastRunID {
					fmt.Fprintln(stdout, passLine(r.ImportRun))
				}
			}
			if x.LastError != "" {
				return fmt.Errorf("sync pass failed: %s", x.LastError)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("sync pass not finished after %s", wait)
}
