package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/store"
)

// TestPracticeEnrollmentCLI (issue 16): `claimflow practice enrollment
// list|set` reads and sets payer enrollment through the API as the
// token's user, prints the API's refusal by field, and another tenant's
// token reaches nothing.
func TestPracticeEnrollmentCLI(t *testing.T) {
	ctx := context.Background()
	w := newCLIWorld(t, "TEST CLI", store.Payer{PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim", EnrollmentRequired: true})
	s, root, other, prov, payer := w.s, w.root, w.other, w.prov, w.payer
	tokenAt := func(org, login, role string) string { return w.token(t, org, login, role) }
	hs := httptest.NewServer(api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}}))
	defer hs.Close()
	cli := func(tok string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": tok}), &out, &errb)
		return code, out.String(), errb.String()
	}
	biller := tokenAt(root.ID, "cli-enroll-biller", "biller")
	otherAdmin := tokenAt(other.ID, "cli-enroll-other", "admin")

	code, out, errs := cli(biller, "practice", "enrollment", "list", root.ID)
	if code != 0 || !strings.Contains(out, "no payer enrollments recorded") {
		t.Fatalf("list before: %d %q %q", code, out, errs)
	}
	set := []string{"practice", "enrollment", "set", root.ID, "-provider", prov.ID, "-payer", payer.ID, "-transaction", "837"}
	code, _, errs = cli(biller, append(set, "-status", "approved", "-clearinghouse", "nowhere")...)
	if code != 1 || !strings.Contains(errs, "/effective_date: ") || !strings.Contains(errs, "/clearinghouse: ") {
		t.Fatalf("invalid set: %d %q; want the effective date and the clearinghouse named", code, errs)
	}
	code, out, errs = cli(biller, append(set, "-status", "approved", "-effective", "2026-01-01", "-notes", "approved by letter")...)
	if code != 0 || !strings.Contains(out, "TESTDOC CLI (NPI 1234567893) × TEST PAYER (ZZPAYER1) 837 claims: approved effective 2026-01-01 via sim") ||
		!strings.Contains(out, "notes: approved by letter") {
		t.Fatalf("set: %d %q %q", code, out, errs)
	}
	code, out, errs = cli(biller, "practice", "enrollment", "list", root.ID)
	if code != 0 || !strings.Contains(out, "837 claims: approved effective 2026-01-01") {
		t.Fatalf("list after: %d %q %q", code, out, errs)
	}
	// Another tenant's admin: A's organisation is not found, for both verbs.
	code, _, errs = cli(otherAdmin, "practice", "enrollment", "list", root.ID)
	if code != 1 || !strings.Contains(errs, "(404)") {
		t.Errorf("other tenant's list: %d %q, want a 404", code, errs)
	}
	code, _, errs = cli(otherAdmin, append(set, "-status", "rejected")...)
	if code != 1 || !strings.Contains(errs, "(404)") {
		t.Errorf("other tenant's set: %d %q, want a 404", code, errs)
	}
	if e, err := s.EnrollmentFor(ctx, prov.ID, payer.ID, "837"); err != nil || e.Status != "approved" {
		t.Errorf("after the other tenant's attempts: %+v, %v", e, err)
	}
	if code, _, _ := cli(biller, "practice", "enrollment", "set"); code != 2 {
		t.Errorf("set without an organisation: exit %d, want 2 (usage)", code)
	}
}
