package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// The payer directory from the command line (issue 19): `payers search`
// goes through the HTTP API as $CLAIMFLOW_API_TOKEN's user (payer:read);
// `payers import` is an operator tool on the database (the directory is
// shared by every tenant, so no tenant's user may replace it).
func init() {
	register(command{name: "payers",
		args: "search Q [-transaction T] [-clearinghouse C] | import FILE",
		help: "search the payer directory ($CLAIMFLOW_API_TOKEN, -url); import a payer directory file into the database (operator)",
		run:  cmdPayers})
}

const payersUsage = "want: payers search Q [-transaction T] [-clearinghouse C] [-url URL] | payers import FILE"

func cmdPayers(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return usageError{payersUsage}
	}
	switch args[0] {
	case "search":
		return cmdPayersSearch(ctx, args[1], args[2:], getenv, stdout, stderr)
	case "import":
		if len(args) != 2 {
			return usageError{payersUsage}
		}
		return cmdPayersImport(ctx, args[1], getenv, stdout, stderr)
	}
	return usageError{payersUsage}
}

func cmdPayersSearch(ctx context.Context, q string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := apiFlags("payers search", stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	tx := fs.String("transaction", "", "only payers supporting it: "+strings.Join(rcm.DirTransactions, ", ")+" (or 270, 276, 837)")
	ch := fs.String("clearinghouse", "", "only payers listed at this clearinghouse")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	v := url.Values{}
	v.Set("q", q)
	if *tx != "" {
		v.Set("transaction", *tx)
	}
	if *ch != "" {
		v.Set("clearinghouse", *ch)
	}
	var out struct {
		Items []rcm.DirectoryEntry `json:"items"`
	}
	if err := apiCall(ctx, getenv, *base, http.MethodGet, "/v1/payer-directory?"+v.Encode(), nil, &out); err != nil {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(stdout, "no payer in the directory matches")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIRECTORY ID\tNAME\tPAYER IDS\tTRANSACTIONS\tENROLLMENT REQUIRED")
	for _, e := range out.Items {
		ids := make([]string, len(e.PayerIDs))
		for i, p := range e.PayerIDs {
			ids[i] = p.Clearinghouse + ":" + p.PayerID
		}
		req := strings.Join(e.EnrollmentRequired, ",")
		if req == "" {
			req = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, strings.Join(ids, " "), strings.Join(e.Transactions, ","), req)
	}
	return tw.Flush()
}

func cmdPayersImport(ctx context.Context, file string, getenv func(string) string, stdout, stderr io.Writer) error {
	b, err := os.ReadFile(file) //nolint:gosec // G304: the operator names the file to import
	if err != nil {
		return err
	}
	f, err := rcm.ParseDirectoryFile(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	m, err := NewMain(getenv, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	// The directory holds no PHI: no keyring is opened (nor needed).
	s, err := store.Open(ctx, m.Config.DatabaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.ImportPayerDirectory(ctx, f, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "payer directory: %d entries added, %d replaced\n", res.Added, res.Replaced)
	return nil
}
