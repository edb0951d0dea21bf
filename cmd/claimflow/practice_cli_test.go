package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/store"
)

type recordingRuns struct {
	mu  sync.Mutex
	ids []string
}

func (r *recordingRuns) Trigger(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
	return nil
}

func (r *recordingRuns) SubmitFor(_ context.Context, ch, org string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := "batch/" + ch + "/org/" + org
	r.ids = append(r.ids, id)
	return id, nil
}

// TestPracticeCLI (issue 16, items 2 and 3): there was no command to set a
// practice's billing profile or to start a batch; `claimflow practice`
// does both through the API, as the token's user, and prints the API's
// field-by-field refusal.
func TestPracticeCLI(t *testing.T) {
	ctx := context.Background()
	s := keyedStore(t)
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST CLI HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	practice, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "practice", Name: "TEST CLI PRACTICE", ParentID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: root.ID, Kind: "system", Login: "cli-practice-admin", DisplayName: "TEST"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, root.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: root.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"}); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
	runs := &recordingRuns{}
	srv.MountDashboard(api.Dashboard{Runs: runs})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	getenv := env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": tok})
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, getenv, &out, &errb)
		return code, out.String(), errb.String()
	}

	code, out, errs := cli("practice", "profile", "get", practice.ID)
	if code != 0 || !strings.Contains(out, "none; claims are held") {
		t.Fatalf("get before setup: %d %q %q", code, out, errs)
	}
	code, _, errs = cli("practice", "profile", "set", root.ID, "-name", "TEST CLI BILLING", "-npi", "1234567890", "-tax-id", "12-3456789",
		"-address", "1 TEST WAY", "-city", "TESTVILLE", "-state", "NY", "-zip", "10001", "-submitter-id", "ZZSUB1", "-contact-name", "TEST", "-contact-phone", "5550100000")
	if code != 1 || !strings.Contains(errs, "/npi: ") || !strings.Contains(errs, "/zip: ") {
		t.Fatalf("invalid set: %d %q; want the NPI and ZIP named", code, errs)
	}
	code, out, errs = cli("practice", "profile", "set", root.ID, "-name", "TEST CLI BILLING", "-npi", "1245319599", "-tax-id", "12-3456789",
		"-address", "1 TEST WAY", "-city", "TESTVILLE", "-state", "NY", "-zip", "10001-0001", "-submitter-id", "ZZSUB1", "-contact-name", "TEST", "-contact-phone", "5550100000")
	if code != 0 || !strings.Contains(out, "billing profile: its own") || !strings.Contains(out, "tax id 123456789") {
		t.Fatalf("set root: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("practice", "profile", "set", practice.ID, "-inherit")
	if code != 0 || !strings.Contains(out, "inherited from TEST CLI HEALTH") {
		t.Fatalf("inherit: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("practice", "submit-now")
	if code != 0 || !strings.Contains(out, "started batch/sim") {
		t.Fatalf("submit-now: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("practice", "submit-now", "-org", practice.ID)
	if code != 0 || !strings.Contains(out, "started batch/sim/org/"+practice.ID) || !strings.Contains(out, "no other organisation's") {
		t.Fatalf("submit-now -org: %d %q %q", code, out, errs)
	}
	if len(runs.ids) != 2 || runs.ids[0] != "batch/sim" || runs.ids[1] != "batch/sim/org/"+practice.ID {
		t.Errorf("triggered %v", runs.ids)
	}
	if code := run(ctx, []string{"practice", "submit-now"}, env(map[string]string{"CLAIMFLOW_URL": hs.URL}), &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("without a token: exit %d, want 2", code)
	}
}
