package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// Practice setup from the command line (issue 16, items 2 and 3). It goes
// through the HTTP API as the user whose token is in $CLAIMFLOW_API_TOKEN,
// so permissions, tenant scope, validation and audit are the API's own.
func init() {
	register(command{name: "practice",
		args: "profile get ORG_ID | profile set ORG_ID (-inherit | -name N -npi N -tax-id T ...) | enrollment list ORG_ID | " +
			"enrollment set ORG_ID -provider ID -payer ID -transaction 837|835|270 -status S [-effective D] | submit-now [-org ID] | check-status-now [-clearinghouse C]",
		help: "read or set an organisation's billing profile (or inherit its parent's explicitly) and its providers' payer enrollments; " +
			"start a claim batch or a status poll now ($CLAIMFLOW_API_TOKEN, -url)",
		run: cmdPractice})
}

const practiceUsage = "want: practice profile get ORG_ID | practice profile set ORG_ID [flags] | practice enrollment list ORG_ID | " +
	"practice enrollment set ORG_ID [flags] | practice submit-now | practice check-status-now"

func cmdPractice(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{practiceUsage}
	}
	switch {
	case args[0] == "profile" && len(args) >= 3 && args[1] == "get":
		fs := apiFlags("practice profile get", stderr)
		base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
		if err := fs.Parse(args[3:]); err != nil {
			return usageError{err.Error()}
		}
		var pb rcm.PracticeBilling
		if err := apiCall(ctx, getenv, *base, http.MethodGet, "/v1/orgs/"+args[2]+"/billing-profile", nil, &pb); err != nil {
			return err
		}
		printPracticeBilling(stdout, pb)
		return nil
	case args[0] == "profile" && len(args) >= 3 && args[1] == "set":
		fs := apiFlags("practice profile set", stderr)
		base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
		var in rcm.BillingSetup
		fs.BoolVar(&in.InheritFromParent, "inherit", false, "bill under the parent organisation's profile (no other flag)")
		fs.StringVar(&in.Name, "name", "", "billing provider name (2010AA NM103)")
		fs.StringVar(&in.NPI, "npi", "", "billing provider NPI")
		fs.StringVar(&in.TaxID, "tax-id", "", "employer identification number, 12-3456789")
		fs.StringVar(&in.Taxonomy, "taxonomy", "", "provider taxonomy code")
		fs.StringVar(&in.AddressLine1, "address", "", "street address (no PO box)")
		fs.StringVar(&in.City, "city", "", "city")
		fs.StringVar(&in.State, "state", "", "two-letter state code")
		fs.StringVar(&in.Zip, "zip", "", "ZIP+4 (9 digits)")
		fs.StringVar(&in.SubmitterID, "submitter-id", "", "submitter ID the clearinghouse assigned (1000A)")
		fs.StringVar(&in.ContactName, "contact-name", "", "billing contact name")
		fs.StringVar(&in.ContactPhone, "contact-phone", "", "billing contact phone, 10 digits")
		if err := fs.Parse(args[3:]); err != nil {
			return usageError{err.Error()}
		}
		var pb rcm.PracticeBilling
		if err := apiCall(ctx, getenv, *base, http.MethodPut, "/v1/orgs/"+args[2]+"/billing-profile", in, &pb); err != nil {
			return err
		}
		printPracticeBilling(stdout, pb)
		return nil
	case args[0] == "enrollment" && len(args) >= 3 && (args[1] == "list" || args[1] == "set"):
		return cmdEnrollment(ctx, args[1], args[2], args[3:], getenv, stdout, stderr)
	case args[0] == "submit-now" || args[0] == "check-status-now":
		fs := apiFlags("practice "+args[0], stderr)
		base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
		ch := fs.String("clearinghouse", "", "only this clearinghouse (default: every one your payers are routed to)")
		org := fs.String("org", "", "submit-now: only this organisation's ready claims (and those below it)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		path := "/v1/dashboard/runs/submit"
		if args[0] == "check-status-now" {
			path = "/v1/dashboard/runs/check-status"
		}
		var out struct {
			Runs []struct {
				Clearinghouse string `json:"clearinghouse"`
				Schedule      string `json:"schedule"`
				WorkflowID    string `json:"workflow_id"`
			} `json:"runs"`
			Scope string `json:"scope"`
		}
		body := map[string]string{"clearinghouse": *ch}
		if *org != "" {
			body["org_id"] = *org
		}
		if err := apiCall(ctx, getenv, *base, http.MethodPost, path, body, &out); err != nil {
			return err
		}
		for _, r := range out.Runs {
			fmt.Fprintf(stdout, "started %s%s (clearinghouse %s)\n", r.Schedule, r.WorkflowID, r.Clearinghouse)
		}
		fmt.Fprintln(stdout, out.Scope)
		return nil
	}
	return usageError{practiceUsage}
}

func apiFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func printPracticeBilling(w io.Writer, pb rcm.PracticeBilling) {
	fmt.Fprintf(w, "organisation: %s (%s)\n", pb.OrgName, pb.OrgID)
	switch pb.Mode {
	case rcm.ProfileOwn:
		fmt.Fprintln(w, "billing profile: its own")
	case rcm.ProfileInherited:
		fmt.Fprintf(w, "billing profile: inherited from %s (%s)\n", pb.InheritedFrom.Name, pb.InheritedFrom.ID)
	default:
		fmt.Fprintln(w, "billing profile: none; claims are held:", pb.HoldReason)
		return
	}
	p := pb.Profile
	fmt.Fprintf(w, "  name %s\n  npi %s\n  tax id %s\n  taxonomy %s\n  address %s, %s, %s %s\n  submitter %s\n  contact %s %s\n",
		p.Name, p.NPI, p.TaxID, p.Taxonomy, p.AddressLine1, p.City, p.State, p.Zip, p.SubmitterID, p.ContactName, p.ContactPhone)
}

// apiCall sends one JSON request as $CLAIMFLOW_API_TOKEN's user; a problem
// answer becomes an error naming each invalid field.
func apiCall(ctx context.Context, getenv func(string) string, base, method, path string, in, out any) error {
	return apiCallWithin(ctx, 30*time.Second, getenv, base, method, path, in, out)
}

// apiCallWithin is apiCall with its own time limit.
func apiCallWithin(ctx context.Context, limit time.Duration, getenv func(string) string, base, method, path string, in, out any) error {
	tok := getenv("CLAIMFLOW_API_TOKEN")
	if tok == "" {
		return usageError{"set CLAIMFLOW_API_TOKEN to an API token of a user allowed to do this"}
	}
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
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, body) //nolint:gosec // G704: the operator names the API (-url, $CLAIMFLOW_URL)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // G704: as above
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
			Errors []struct {
				Pointer   string `json:"pointer"`
				Parameter string `json:"parameter"`
				Detail    string `json:"detail"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(raw, &p)
		msg := fmt.Sprintf("%s (%d): %s", p.Title, resp.StatusCode, p.Detail)
		for _, f := range p.Errors {
			where := f.Pointer
			if where == "" && f.Parameter != "" { // a query parameter
				where = "parameter " + f.Parameter
			}
			msg += fmt.Sprintf("\n  %s: %s", where, f.Detail)
		}
		return fmt.Errorf("%s", msg)
	}
	return json.Unmarshal(raw, out)
}
