package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/claimflow/claimflow/rcm"
)

// cmdEnrollment is `claimflow practice enrollment list|set ORG_ID`: the
// payer enrollments of an organisation's providers, through the HTTP API
// as $CLAIMFLOW_API_TOKEN's user (payer:read, payer:write).
func cmdEnrollment(ctx context.Context, verb, orgID string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := apiFlags("practice enrollment "+verb, stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	path := "/v1/orgs/" + orgID + "/enrollments"
	if verb == "list" {
		if err := fs.Parse(args); err != nil {
			return usageError{err.Error()}
		}
		var out struct {
			Items []rcm.Enrollment `json:"items"`
		}
		if err := apiCall(ctx, getenv, *base, http.MethodGet, path, nil, &out); err != nil {
			return err
		}
		if len(out.Items) == 0 {
			fmt.Fprintln(stdout, "no payer enrollments recorded")
		}
		for _, e := range out.Items {
			printEnrollment(stdout, e)
		}
		return nil
	}
	var in rcm.EnrollmentSet
	fs.StringVar(&in.ProviderID, "provider", "", "provider ID")
	fs.StringVar(&in.PayerID, "payer", "", "payer ID (the payer record's ID, as GET /v1/payers lists it)")
	fs.StringVar(&in.Transaction, "transaction", "", "837 (claims), 835 (remittance) or 270 (eligibility)")
	fs.StringVar(&in.Status, "status", "", strings.Join(rcm.EnrollStatuses, ", "))
	fs.StringVar(&in.EffectiveDate, "effective", "", "effective date YYYY-MM-DD (required for approved)")
	fs.StringVar(&in.Clearinghouse, "clearinghouse", "", "clearinghouse the enrollment went through (default: the payer's route)")
	fs.StringVar(&in.Notes, "notes", "", "notes")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var e rcm.Enrollment
	if err := apiCall(ctx, getenv, *base, http.MethodPut, path, in, &e); err != nil {
		return err
	}
	printEnrollment(stdout, e)
	return nil
}

func printEnrollment(w io.Writer, e rcm.Enrollment) {
	eff := ""
	if e.EffectiveDate != "" {
		eff = " effective " + e.EffectiveDate
	}
	fmt.Fprintf(w, "%s (NPI %s) × %s (%s) %s %s: %s%s via %s\n", e.ProviderName, e.ProviderNPI, e.PayerName, e.PayerCode,
		e.Transaction, rcm.TransactionLabel(e.Transaction), e.Status, eff, e.Clearinghouse)
	if e.Notes != "" {
		fmt.Fprintf(w, "  notes: %s\n", e.Notes)
	}
}
