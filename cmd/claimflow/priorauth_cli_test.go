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

// TestAuthCLI (issue 19): `claimflow auth request|list` requests a prior
// authorization and lists it through the API as the token's user, prints
// the API's refusal by field, and another tenant's token sees none and
// cannot request one for the first tenant's patient.
func TestAuthCLI(t *testing.T) {
	ctx := context.Background()
	w := newCLIWorld(t, "TEST AUTH CLI", store.Payer{PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	s, root, other, prov, payer := w.s, w.root, w.other, w.prov, w.payer
	tokenAt := func(org, login, role string) string { return w.token(t, org, login, role) }
	pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: root.ID, FirstName: "TESTPATIENT", LastName: "CLI",
		BirthDate: "1980-01-01", Sex: "F", Address: "1 TEST ST, TESTVILLE, NY 99999"})
	if err != nil {
		t.Fatal(err)
	}
	cov, err := s.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: payer.ID, MemberID: "ZZ0000006", Relationship: "self", Priority: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}}))
	defer hs.Close()
	cli := func(tok string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": tok}), &out, &errb)
		return code, out.String(), errb.String()
	}
	biller := tokenAt(root.ID, "cli-auth-biller", "biller")
	otherAdmin := tokenAt(other.ID, "cli-auth-other", "admin")

	if code, out, errs := cli(biller, "auth", "list"); code != 0 || !strings.Contains(out, "no prior authorizations") {
		t.Fatalf("list before: %d %q %q", code, out, errs)
	}
	req := []string{"auth", "request", "-patient", pat.ID, "-coverage", cov.ID, "-provider", prov.ID, "-codes", "72148", "-units", "2",
		"-from", "2030-03-01", "-to", "2030-03-31"}
	if code, _, errs := cli(biller, req...); code != 1 || !strings.Contains(errs, "/diagnoses: ") {
		t.Fatalf("request without diagnoses: %d %q; want /diagnoses named", code, errs)
	}
	code, out, errs := cli(biller, append(req, "-diagnoses", "m54.50")...)
	if code != 0 || !strings.Contains(out, "72148 2030-03-01 to 2030-03-31 (2 units): requested") {
		t.Fatalf("request: %d %q %q", code, out, errs)
	}
	if code, out, errs := cli(biller, "auth", "list", "-patient", pat.ID); code != 0 || !strings.Contains(out, "72148 2030-03-01 to 2030-03-31 (2 units): requested") {
		t.Fatalf("list after: %d %q %q", code, out, errs)
	}
	if code, out, _ := cli(otherAdmin, "auth", "list"); code != 0 || !strings.Contains(out, "no prior authorizations") {
		t.Errorf("other tenant's list: %d %q; want none", code, out)
	}
	if code, _, errs := cli(otherAdmin, append(req, "-diagnoses", "M54.50")...); code != 1 || !strings.Contains(errs, "/patient_id: ") {
		t.Errorf("other tenant's request: %d %q; want /patient_id refused", code, errs)
	}
	if code, _, _ := cli(biller, "auth"); code != 2 {
		t.Errorf("auth without a verb: exit %d, want 2 (usage)", code)
	}
}
