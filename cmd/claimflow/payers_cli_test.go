package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

// TestPayersCLI (issue 19): `claimflow payers search Q` lists the
// directory's matches through the API as the token's user (payer IDs per
// clearinghouse, transactions, enrollment requirements), names a bad
// transaction as the API does, and `claimflow payers import FILE` loads an
// operator's file into the database (a bad file is refused whole, by
// field).
func TestPayersCLI(t *testing.T) {
	ctx := context.Background()
	s, dsn := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	org, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST PAYERS CLI"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: "cli-payers", DisplayName: "TEST CLI PAYERS"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, org.ID, "biller"); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}}))
	defer hs.Close()
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": tok, "DATABASE_URL": dsn,
			"CLAIMFLOW_DATA_DIR": t.TempDir(), "CLAIMFLOW_LOG_LEVEL": "warn"}), &out, &errb)
		return code, out.String(), errb.String()
	}

	code, out, errs := cli("payers", "search", "smile")
	if code != 0 || !strings.Contains(out, "sample-bright-smile-dental") || !strings.Contains(out, "sample-ch:ZZBSD77 sim:ZZDENT01") ||
		!strings.Contains(out, "270/271,837D,835") || strings.Count(out, "\n") != 2 {
		t.Fatalf("search smile: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("payers", "search", "", "-transaction", "278", "-clearinghouse", "sim")
	if code != 0 || !strings.Contains(out, "sample-auth-first-care") || !strings.Contains(out, "sample-enrolled-only-health") ||
		strings.Contains(out, "sample-county-hospital-plan") || strings.Contains(out, "sample-test-payer") {
		t.Errorf("search 278 at sim: %d %q %q", code, out, errs)
	}
	if code, out, errs = cli("payers", "search", "no such payer"); code != 0 || !strings.Contains(out, "no payer in the directory matches") {
		t.Errorf("search nothing: %d %q %q", code, out, errs)
	}
	if code, _, errs = cli("payers", "search", "x", "-transaction", "999"); code != 1 || !strings.Contains(errs, "parameter transaction: must be one of") {
		t.Errorf("bad transaction: %d %q; want the parameter named", code, errs)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"entries": [{"id": "cli-one", "name": "CLI ONE (SAMPLE)", "payer_ids": [{"clearinghouse": "sim", "payer_id": "zz"}], "transactions": ["835"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs = cli("payers", "import", bad); code != 1 || !strings.Contains(errs, "/entries/0/payer_ids/0/payer_id") {
		t.Errorf("bad import: %d %q", code, errs)
	}
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"note": "test", "entries": [
		{"id": "cli-one", "name": "CLI ONE (SAMPLE)", "payer_ids": [{"clearinghouse": "sim", "payer_id": "ZZCLI01"}], "transactions": ["835"]},
		{"id": "sample-test-payer", "name": "TEST PAYER RENAMED (SAMPLE)", "payer_ids": [{"clearinghouse": "sim", "payer_id": "ZZPAYER1"}], "transactions": ["837P", "835"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = cli("payers", "import", good); code != 0 || !strings.Contains(out, "1 entries added, 1 replaced") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if code, out, errs = cli("payers", "search", "zzcli01"); code != 0 || !strings.Contains(out, "CLI ONE (SAMPLE)") {
		t.Errorf("search the imported entry: %d %q %q", code, out, errs)
	}
	if code, out, _ = cli("payers", "search", "ZZPAYER1"); !strings.Contains(out, "TEST PAYER RENAMED (SAMPLE)") {
		t.Errorf("replaced entry: %d %q", code, out)
	}
	if code, _, _ := cli("payers", "search"); code != 2 {
		t.Errorf("search without a query: exit %d, want 2 (usage)", code)
	}
}
