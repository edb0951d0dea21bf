package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

func entryIDs(es []rcm.DirectoryEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// TestPayerDirectorySeededAndSearched (issue 19): `migrate up` seeds the
// sample directory (schemas/payers/directory.json); a search matches part
// of a name or an alias, or a whole payer ID, filters by transaction (837
// is any of P, I, D) and by clearinghouse, and treats LIKE's wildcards as
// text.
func TestPayerDirectorySeededAndSearched(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	search := func(q rcm.DirectoryQuery) []string {
		t.Helper()
		es, err := f.s.SearchPayerDirectory(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return entryIDs(es)
	}
	for _, tc := range []struct {
		name string
		q    rcm.DirectoryQuery
		want []string
	}{
		{"part of a name", rcm.DirectoryQuery{Q: "smile"}, []string{"sample-bright-smile-dental"}},
		{"an alias", rcm.DirectoryQuery{Q: "eohp"}, []string{"sample-enrolled-only-health"}},
		{"a payer ID", rcm.DirectoryQuery{Q: "zzchp10"}, []string{"sample-county-hospital-plan"}},
		{"a payer ID at two entries", rcm.DirectoryQuery{Q: "ZZPAYER1"}, []string{"sample-enrolled-only-health", "sample-test-payer"}},
		{"part of a payer ID is not a match", rcm.DirectoryQuery{Q: "ZZPAY"}, []string{}},
		{"dental claims", rcm.DirectoryQuery{Transaction: "837D"}, []string{"sample-bright-smile-dental"}},
		{"prior authorization", rcm.DirectoryQuery{Q: "sample", Transaction: "278"},
			[]string{"sample-auth-first-care", "sample-county-hospital-plan", "sample-enrolled-only-health"}},
		{"any 837 at the simulator", rcm.DirectoryQuery{Transaction: "837", Clearinghouse: "sim"},
			[]string{"sample-auth-first-care", "sample-bright-smile-dental", "sample-enrolled-only-health", "sample-test-payer"}},
		{"a wildcard is text", rcm.DirectoryQuery{Q: "%"}, []string{}},
		{"an underscore is text", rcm.DirectoryQuery{Q: "_"}, []string{}},
	} {
		if got := search(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %+v = %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
	e, err := f.s.GetPayerDirectoryEntry(ctx, "sample-county-hospital-plan")
	if err != nil || e.PayerIDAt("sample-ch") != "ZZCHP10" || !slices.Equal(e.EnrollmentRequired, []string{"837I", "835"}) {
		t.Errorf("entry = %+v, %v", e, err)
	}
	if _, err := f.s.GetPayerDirectoryEntry(ctx, "no-such-entry"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing entry: %v, want not found", err)
	}

	// An import replaces an entry (its payer IDs too) and adds new ones; a
	// second `migrate up` keeps the operator's version.
	file, err := rcm.ParseDirectoryFile([]byte(`{"entries": [
		{"id": "sample-bright-smile-dental", "name": "BRIGHT SMILE DENTAL RENAMED (SAMPLE)", "payer_ids": [{"clearinghouse": "sim", "payer_id": "ZZDENT09"}],
		 "transactions": ["837D"], "enrollment_required": []},
		{"id": "sample-new-one", "name": "NEW ONE (SAMPLE)", "payer_ids": [{"clearinghouse": "sim", "payer_id": "ZZNEW01"}], "transactions": ["835"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.s.ImportPayerDirectory(ctx, file, true)
	if err != nil || res.Added != 1 || res.Replaced != 1 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	e, err = f.s.GetPayerDirectoryEntry(ctx, "sample-bright-smile-dental")
	if err != nil || e.Name != "BRIGHT SMILE DENTAL RENAMED (SAMPLE)" || len(e.PayerIDs) != 1 || e.PayerIDAt("sim") != "ZZDENT09" {
		t.Errorf("after import and migrate up: %+v, %v", e, err)
	}
	if got := search(rcm.DirectoryQuery{Q: "ZZNEW01"}); !slices.Equal(got, []string{"sample-new-one"}) {
		t.Errorf("imported entry search = %v", got)
	}
}

// TestParseDirectoryFileNamesEveryProblem: a bad file is refused as a
// whole, each problem located by a JSON pointer into it.
func TestParseDirectoryFileNamesEveryProblem(t *testing.T) {
	_, err := rcm.ParseDirectoryFile([]byte(`{"entries": [
		{"id": "Bad ID", "name": "", "payer_ids": [{"clearinghouse": "sim", "payer_id": "zz1"}], "transactions": ["837X"], "enrollment_required": ["835"]},
		{"id": "ok-one", "name": "OK", "payer_ids": [], "transactions": ["835"]},
		{"id": "ok-one", "name": "OK", "payer_ids": [{"clearinghouse": "sim", "payer_id": "ZZ1"}], "transactions": ["835"]}]}`))
	want := []string{"/entries/0/id", "/entries/0/name", "/entries/0/payer_ids/0/payer_id", "/entries/0/transactions/0",
		"/entries/0/enrollment_required/0", "/entries/1/payer_ids", "/entries/2/id"}
	if got := fieldPointers(err); !slices.Equal(got, want) {
		t.Errorf("problems = %v, want %v (%v)", got, want, err)
	}
	if _, err := rcm.ParseDirectoryFile([]byte(`not json`)); err == nil {
		t.Error("not JSON: accepted")
	}
}

// TestPayerFromDirectory: a payer made from an entry takes the entry's
// payer ID at the clearinghouse chosen, its name, and its enrollment
// requirement, and keeps its transactions; a clearinghouse the entry has
// no ID at is named; another tenant cannot make one in the first
// tenant's organisation.
func TestPayerFromDirectory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.s.CreatePayerFromDirectory(ctx, f.admin, "sample-county-hospital-plan", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sample-ch"})
	if err != nil {
		t.Fatal(err)
	}
	if p.PayerID != "ZZCHP10" || p.Name != "COUNTY HOSPITAL PLAN (SAMPLE)" || !p.EnrollmentRequired || p.DirectoryID != "sample-county-hospital-plan" ||
		!slices.Equal(p.Transactions, []string{"270/271", "276/277", "837I", "835", "278"}) || !slices.Equal(p.EnrollmentRequiredFor, []string{"837I", "835"}) {
		t.Fatalf("payer = %+v", p)
	}
	got, err := f.s.GetPayer(ctx, f.admin, p.ID)
	if err != nil || got.PayerID != "ZZCHP10" || got.Clearinghouse != "sample-ch" || !got.EnrollmentRequired {
		t.Errorf("stored payer = %+v, %v", got, err)
	}
	link, err := f.s.PayerDirectoryLink(ctx, f.admin, p.ID)
	if err != nil || link.DirectoryID != "sample-county-hospital-plan" || len(link.Transactions) != 5 {
		t.Errorf("link = %+v, %v", link, err)
	}
	// Enrollment only for 278: the payer does not gate claims.
	afc, err := f.s.CreatePayerFromDirectory(ctx, f.admin, "sample-auth-first-care", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sim", Name: "AFC LOCAL NAME"})
	if err != nil || afc.EnrollmentRequired || afc.Name != "AFC LOCAL NAME" || afc.PayerID != "ZZAFC01" {
		t.Errorf("auth-first payer = %+v, %v", afc, err)
	}
	_, err = f.s.CreatePayerFromDirectory(ctx, f.admin, "sample-paper-only-mutual", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sim"})
	if got := fieldPointers(err); !slices.Equal(got, []string{"/clearinghouse"}) || !strings.Contains(err.Error(), "sample-ch") {
		t.Errorf("no ID at sim: %v", err)
	}
	if _, err := f.s.CreatePayerFromDirectory(ctx, f.admin, "sample-county-hospital-plan", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sample-ch"}); !slices.Equal(fieldPointers(err), []string{"/payer_id"}) {
		t.Errorf("second payer with the same ID: %v", err)
	}
	if _, err := f.s.CreatePayerFromDirectory(ctx, f.admin, "no-such-entry", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sim"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	// Tenant B: A's organisation does not exist for it, nor A's payer's link.
	other, err := f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER SYSTEM"})
	if err != nil {
		t.Fatal(err)
	}
	adminB := userWithRole(t, f.s, other.ID, "dir-admin-b", "admin")
	if _, err := f.s.CreatePayerFromDirectory(ctx, adminB, "sample-test-payer", rcm.DirectoryPayerNew{OrgID: f.facA.ID, Clearinghouse: "sim"}); err == nil {
		t.Error("tenant B made a payer in tenant A's organisation")
	}
	if _, err := f.s.PayerDirectoryLink(ctx, adminB, p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tenant B read A's payer link: %v", err)
	}
	if _, err := f.s.CreatePayerFromDirectory(ctx, adminB, "sample-test-payer", rcm.DirectoryPayerNew{OrgID: other.ID, Clearinghouse: "sim"}); err != nil {
		t.Errorf("tenant B's own payer: %v", err)
	}
}
