package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/claimflow/claimflow/rcm"
)

func init() {
	register(command{name: "auth", args: "request|list [flags]",
		help: "request a prior authorization (278) or list authorizations, through the API as $CLAIMFLOW_API_TOKEN's user", run: cmdAuth})
}

// cmdAuth is `claimflow auth request|list`: prior authorizations through
// the HTTP API (claim:write to request, claim:read to list).
func cmdAuth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "request" && args[0] != "list") {
		return usageError{"usage: claimflow auth request|list [flags]"}
	}
	verb := args[0]
	fs := apiFlags("auth "+verb, stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	if verb == "list" {
		patient := fs.String("patient", "", "only this patient's authorizations (patient ID)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		path := "/v1/authorizations"
		if *patient != "" {
			path += "?patient_id=" + url.QueryEscape(*patient)
		}
		var out struct {
			Items []rcm.Authorization `json:"items"`
		}
		if err := apiCall(ctx, getenv, *base, http.MethodGet, path, nil, &out); err != nil {
			return err
		}
		if len(out.Items) == 0 {
			fmt.Fprintln(stdout, "no prior authorizations")
		}
		for _, a := range out.Items {
			printAuthorization(stdout, a)
		}
		return nil
	}
	var in rcm.AuthRequest
	var codes, dxs string
	fs.StringVar(&in.PatientID, "patient", "", "patient ID")
	fs.StringVar(&in.CoverageID, "coverage", "", "the patient's coverage ID (its payer reviews the request)")
	fs.StringVar(&in.ProviderID, "provider", "", "requesting provider ID")
	fs.StringVar(&in.AppointmentID, "appointment", "", "the appointment it is for (optional)")
	fs.StringVar(&codes, "codes", "", "procedure codes (CPT/HCPCS), comma-separated")
	fs.StringVar(&dxs, "diagnoses", "", "ICD-10-CM codes, comma-separated")
	fs.IntVar(&in.Units, "units", 1, "units (visits) asked for")
	fs.StringVar(&in.ServiceFrom, "from", "", "first day of service YYYY-MM-DD")
	fs.StringVar(&in.ServiceTo, "to", "", "last day of service YYYY-MM-DD")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, strings.ToUpper(p))
			}
		}
		return out
	}
	in.Codes, in.Diagnoses = split(codes), split(dxs)
	var a rcm.Authorization
	if err := apiCall(ctx, getenv, *base, http.MethodPost, "/v1/authorizations", in, &a); err != nil {
		return err
	}
	printAuthorization(stdout, a)
	return nil
}

func printAuthorization(w io.Writer, a rcm.Authorization) {
	fmt.Fprintf(w, "%s %s %s to %s (%d units): %s", a.ID, strings.Join(a.Codes, ","), a.ServiceFrom, a.ServiceTo, a.Units, a.Status)
	if a.Number != "" {
		fmt.Fprintf(w, " number %s", a.Number)
	}
	if a.ApprovedFrom != "" {
		fmt.Fprintf(w, " approved %s to %s, %d of %d units used", a.ApprovedFrom, a.ApprovedTo, a.UsedUnits, a.ApprovedUnits)
	}
	if a.Decision != "" {
		fmt.Fprintf(w, " (HCR %s", a.Decision)
		if a.Reason != "" {
			fmt.Fprintf(w, " reason %s", a.Reason)
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintln(w)
}
