package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/web"
)

// TestPracticeSetupInBrowser (issue 16, items 2 and 3) drives the
// dashboard's Practice setup in headless Chromium over the real API and
// Postgres (the runs trigger is recorded, no Temporal): an administrator
// sees the health system has no billing profile, gets the NPI refused by
// name, saves the profile, sees the practice under it held ("no billing
// profile") until choosing to inherit, then sees "Inherited from" and
// submits the practice's own claims; re-routes a payer whose clearinghouse
// is no longer configured; and "Submit now" on the worklist starts the
// clearinghouse's batch. Screenshots
// go to .data/test-output/setup (or $CLAIMFLOW_TEST_OUTPUT).
func TestPracticeSetupInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "setup", true)

	ctx := context.Background()
	s := keyedStore(t)
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST SETUP HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	practice, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "practice", Name: "TEST SETUP PRACTICE", ParentID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: root.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"}); err != nil {
		t.Fatal(err)
	}
	// A payer routed before "old-ch" was dropped from the configuration
	// (the store does not check routing; the API does).
	if _, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: root.ID, PayerID: "ZZPAYER2", Name: "TEST PAYER OLD", Clearinghouse: "old-ch"}); err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple 1"
	u, secret, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: root.ID, Kind: "staff", Login: "test-setup-admin",
		DisplayName: "TEST SETUP ADMIN", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, root.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
	runs := &recordingRuns{}
	srv.MountDashboard(api.Dashboard{Runs: runs})
	h := web.Handler()
	srv.Router().Handle("/", h)
	srv.Router().Handle("/assets/*", h)
	hs := httptest.NewServer(srv)
	defer hs.Close()

	bctx, stop := startChromium(t, ctx, chromium, 1280, 1000)
	defer stop()
	shot := func(name string) chromedp.Action { return screenshot(t, out, name) }
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
			defer cancel()
			var text string
			_ = chromedp.Run(fctx, shot("failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
			t.Fatalf("%s: %v; the page says: %s", what, err, text)
		}
	}

	run("sign in", chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
		sendKeys(`#login`, "test-setup-admin", chromedp.ByID),
		sendKeys(`#password`, password, chromedp.ByID),
		sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
		chromedp.Click(`form button[type="submit"]`),
		chromedp.WaitVisible(`#claims-h`, chromedp.ByID))

	// The health system: no profile yet; an NPI with a wrong check digit
	// is refused next to its field.
	run("open practice setup", chromedp.Click(`a[href="#/setup"]`), chromedp.WaitVisible(`#setup-h`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="missing"]`), shot("01-setup-missing"))
	for _, f := range []struct{ id, v string }{
		{"bp-name", "TEST SETUP BILLING"}, {"bp-npi", "1234567890"}, {"bp-tax_id", "12-3456789"}, {"bp-address_line1", "1 TEST WAY"},
		{"bp-city", "TESTVILLE"}, {"bp-state", "NY"}, {"bp-zip", "10001-0001"}, {"bp-submitter_id", "ZZSUB1"},
		{"bp-contact_name", "TEST OFFICE"}, {"bp-contact_phone", "5550100000"},
	} {
		run("type "+f.id, sendKeys("#"+f.id, f.v, chromedp.ByID))
	}
	var npiErr string
	run("save with a bad NPI", chromedp.Click(`form[aria-label="Billing profile"] button[type="submit"]`),
		chromedp.WaitVisible(`#bp-err-npi`, chromedp.ByID), chromedp.Text(`#bp-err-npi`, &npiErr, chromedp.ByID), shot("02-setup-npi-refused"))
	if !strings.Contains(npiErr, "check digit") {
		t.Errorf("NPI error = %q", npiErr)
	}
	run("fix the NPI and save", sendKeys(`#bp-npi`, kb.Backspace+"3", chromedp.ByID),
		chromedp.Click(`form[aria-label="Billing profile"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="own"]`), shot("03-setup-own"))

	// The practice under it is held until it inherits, explicitly.
	var held, inherited string
	run("choose the practice", sendKeys(`#s-org`, kb.ArrowDown, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="missing"]`),
		chromedp.Text(`[data-testid="billing-mode"]`, &held), shot("04-practice-held"))
	if !strings.Contains(held, "claims are held") {
		t.Errorf("practice without a profile shows %q", held)
	}
	run("inherit", chromedp.Click(`//button[contains(., "Inherit the parent")]`, chromedp.BySearch),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="inherited"]`),
		chromedp.Text(`[data-testid="billing-mode"]`, &inherited), shot("05-practice-inherited"))
	if !strings.Contains(inherited, "Inherited from TEST SETUP HEALTH") {
		t.Errorf("inherited practice shows %q", inherited)
	}
	if pb, err := s.GetPracticeBilling(ctx, store.System, practice.ID); err != nil || pb.Mode != "inherited" {
		t.Errorf("stored setup = %+v, %v", pb, err)
	}

	// Submit the practice's own claims now.
	run("submit the practice's claims", chromedp.Click(`[data-testid="submit-now"]`),
		chromedp.WaitVisible(`//p[@role="status" and contains(., "Started batch/sim/org/`+practice.ID+`")]`, chromedp.BySearch),
		shot("06-practice-submit-now"))

	// The payer routed to an unknown clearinghouse is marked, and routed
	// to a configured one from the same screen.
	var routing string
	run("fix the payer's routing", chromedp.WaitVisible(`tr[data-payer="ZZPAYER2"]`),
		chromedp.Text(`tr[data-payer="ZZPAYER2"] [data-testid="payer-route"]`, &routing), shot("07-payer-unrouted"))
	if !strings.Contains(routing, "not configured") {
		t.Errorf("payer routed to old-ch shows %q", routing)
	}
	run("route it to sim", sendKeys(`tr[data-payer="ZZPAYER2"] select`, kb.ArrowDown),
		chromedp.Click(`//tr[@data-payer="ZZPAYER2"]//button[contains(., "Save routing")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//tr[@data-payer="ZZPAYER2"]/td[@data-testid="payer-route" and normalize-space(.)="sim"]`, chromedp.BySearch),
		shot("08-payer-routed"))

	// Submit now, from the worklist.
	var started string
	run("submit now", chromedp.Click(`a[href="#/claims"]`), chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.Click(`[data-testid="submit-now"]`),
		chromedp.WaitVisible(`//p[@role="status" and contains(., "Started batch/sim")]`, chromedp.BySearch),
		chromedp.Text(`//p[@role="status" and contains(., "Started")]`, &started, chromedp.BySearch), shot("09-submit-now"))
	if want := []string{"batch/sim/org/" + practice.ID, "batch/sim"}; strings.Join(runs.ids, " ") != strings.Join(want, " ") {
		t.Errorf("triggered %v, want %v", runs.ids, want)
	}
}
