package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/claimflow/claimflow/api"
)

// Bulk actions on claims from the command line (issue 16): the same
// POST /v1/dashboard/claims/bulk the dashboard's bulk bar sends, as the
// user whose token is in $CLAIMFLOW_API_TOKEN.
func init() {
	register(command{name: "claims",
		args: "bulk -action resubmit|write_off|check_status -ids ID,ID,... [-note N]",
		help: "resubmit, write off or check status (276 now) for up to 200 claims, printing one result per claim ($CLAIMFLOW_API_TOKEN, -url)",
		run:  cmdClaims})
}

const claimsUsage = "want: claims bulk -action resubmit|write_off|check_status -ids ID,ID,... [-note N]"

// bulkTimeout bounds one bulk request: 200 claims, 8 at a time, each
// within the API's per-claim timeout.
const bulkTimeout = 15 * time.Minute

func cmdClaims(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "bulk" {
		return usageError{claimsUsage}
	}
	fs := apiFlags("claims bulk", stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	action := fs.String("action", "", "resubmit, write_off or check_status")
	ids := fs.String("ids", "", "comma-separated claim IDs (at most 200)")
	note := fs.String("note", "", "note for each claim's history")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *action == "" || *ids == "" || fs.NArg() > 0 {
		return usageError{claimsUsage}
	}
	var claimIDs []string
	for _, id := range strings.Split(*ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			claimIDs = append(claimIDs, id)
		}
	}
	var out api.BulkOut
	if err := apiCallWithin(ctx, bulkTimeout, getenv, *base, http.MethodPost, "/v1/dashboard/claims/bulk",
		map[string]any{"action": *action, "claim_ids": claimIDs, "note": *note}, &out); err != nil {
		return err
	}
	refused := 0
	for _, r := range out.Results {
		switch {
		case r.OK && r.Inquiry != "":
			fmt.Fprintf(stdout, "%s\tok\t%s\t277 %s\n", r.ClaimID, r.Status, r.Inquiry)
		case r.OK:
			fmt.Fprintf(stdout, "%s\tok\t%s\n", r.ClaimID, r.Status)
		default:
			refused++
			status, why := r.Status, ""
			if status == "" {
				status = "-"
			}
			if r.Problem != nil {
				why = r.Problem.Title + ": " + r.Problem.Detail
			}
			fmt.Fprintf(stdout, "%s\trefused\t%s\t%s\n", r.ClaimID, status, why)
		}
	}
	if refused > 0 {
		return fmt.Errorf("%d of %d claims refused", refused, len(out.Results))
	}
	return nil
}
