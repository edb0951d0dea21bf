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

// TestEnrollmentSetupInBrowser (issue 16) drives Practice setup's
// directory in headless Chromium over the real API and Postgres: an
// administrator adds a provider (the NPI's check digit refused next to
// its field, then accepted), marks a payer as requiring enrollment, and
// records the provider's claims enrollment (an approval without its
// effective date refused next to that field, then saved and listed as
// approved). Issue 19: the payer directory's search box finds sample
// payers by text and transaction, says when nothing matches, and adds a
// payer from an entry. Screenshots go to .data/test-output/enrollment (or
// $CLAIMFLOW_TEST_OUTPUT).
func TestEnrollmentSetupInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "enrollment", true)

	ctx := context.Background()
	s := keyedStore(t)
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST ENROLL HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	payer, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: root.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple 1"
	u, secret, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: root.ID, Kind: "staff", Login: "test-enroll-admin",
		DisplayName: "TEST ENROLL ADMIN", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, root.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Records: s, Clearinghouses: []string{"local", "sim"}})
	srv.MountDashboard(api.Dashboard{Runs: &recordingRuns{}})
	h := web.Handler()
	srv.Router().Handle("/", h)
	srv.Router().Handle("/assets/*", h)
	hs := httptest.NewServer(srv)
	defer hs.Close()

	bctx, stop := startChromium(t, ctx, chromium, 1280, 1400)
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
		sendKeys(`#login`, "test-enroll-admin", chromedp.ByID),
		sendKeys(`#password`, password, chromedp.ByID),
		sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
		chromedp.Click(`form button[type="submit"]`),
		chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
	run("open practice setup", chromedp.Click(`a[href="#/setup"]`), chromedp.WaitVisible(`#providers-h`, chromedp.ByID),
		chromedp.WaitVisible(`tr[data-payer="ZZPAYER1"]`))

	// A provider: the NPI's check digit is refused next to the field.
	var npiErr string
	run("add a provider with a bad NPI", sendKeys(`#pv-first_name`, "TESTDOC", chromedp.ByID),
		sendKeys(`#pv-last_name`, "BROWSER", chromedp.ByID),
		sendKeys(`[data-testid="provider-npi"]`, "1234567890"),
		sendKeys(`[data-testid="provider-taxonomy"]`, "207Q00000X"),
		sendKeys(`[data-testid="provider-credentials"]`, "MD"),
		chromedp.Click(`[data-testid="provider-save"]`),
		chromedp.WaitVisible(`#pv-npi-err`, chromedp.ByID), chromedp.Text(`#pv-npi-err`, &npiErr, chromedp.ByID), shot("01-provider-npi-refused"))
	if !strings.Contains(npiErr, "check digit") {
		t.Errorf("NPI error = %q", npiErr)
	}
	run("fix the NPI", sendKeys(`[data-testid="provider-npi"]`, kb.Backspace+"3"),
		chromedp.Click(`[data-testid="provider-save"]`),
		chromedp.WaitVisible(`tr[data-testid="provider-row"][data-npi="1234567893"]`), shot("02-provider-added"))

	// The payer now requires enrollment.
	run("mark the payer", chromedp.Click(`tr[data-payer="ZZPAYER1"] [data-testid="payer-edit"]`),
		chromedp.Click(`[data-testid="payer-enrollment-required"]`),
		chromedp.Click(`[data-testid="payer-save"]`),
		chromedp.WaitVisible(`tr[data-payer="ZZPAYER1"] [data-testid="payer-enrollment"][data-required="true"]`), shot("03-payer-requires-enrollment"))
	if p, err := s.GetPayer(ctx, store.System, payer.ID); err != nil || !p.EnrollmentRequired || p.Clearinghouse != "sim" {
		t.Fatalf("payer after the edit: %+v, %v", p, err)
	}

	// Enrollment: approved needs its effective date.
	var effErr string
	run("approve without a date", chromedp.WaitVisible(`[data-testid="enrollment-save"]`),
		chromedp.SetValue(`[data-testid="enrollment-status"]`, "approved"),
		chromedp.Evaluate(`document.querySelector('[data-testid="enrollment-status"]').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Click(`[data-testid="enrollment-save"]`),
		chromedp.WaitVisible(`#en-effective_date-err`, chromedp.ByID), chromedp.Text(`#en-effective_date-err`, &effErr, chromedp.ByID),
		shot("04-enrollment-date-refused"))
	if !strings.Contains(effErr, "required") {
		t.Errorf("effective date error = %q", effErr)
	}
	run("approve from 2026-01-01", chromedp.Click(`[data-testid="enrollment-effective"]`),
		sendKeys(`[data-testid="enrollment-effective"]`, "01012026"),
		chromedp.Click(`[data-testid="enrollment-save"]`),
		chromedp.WaitVisible(`tr[data-testid="enrollment-row"][data-status="approved"][data-transaction="837"][data-npi="1234567893"]`),
		shot("05-enrollment-approved"))
	provs, _, err := s.ListProviders(ctx, store.Actor{UserID: u.ID}, "1234567893", store.Page{})
	if err != nil || len(provs) != 1 {
		t.Fatalf("provider added: %+v, %v", provs, err)
	}
	if e, err := s.EnrollmentFor(ctx, provs[0].ID, payer.ID, "837"); err != nil || e.Status != "approved" || e.EffectiveDate != "2026-01-01" || e.Clearinghouse != "sim" {
		t.Errorf("stored enrollment = %+v, %v", e, err)
	}

	// Issue 19: the payer directory (seeded by migrate up from
	// schemas/payers/directory.json). Dental claims: one sample payer.
	var rows []string
	run("search the directory", chromedp.WaitVisible(`[data-testid="payer-directory"]`),
		sendKeys(`[data-testid="payer-directory-q"]`, "sample"),
		chromedp.SetValue(`[data-testid="payer-directory-transaction"]`, "837D"),
		chromedp.Evaluate(`document.querySelector('[data-testid="payer-directory-transaction"]').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Click(`[data-testid="payer-directory-search"]`),
		chromedp.WaitVisible(`tr[data-testid="payer-directory-row"][data-entry="sample-bright-smile-dental"]`),
		chromedp.Evaluate(`[...document.querySelectorAll('tr[data-testid="payer-directory-row"]')].map(r => r.dataset.entry + ' ' + r.innerText.replace(/\s+/g, ' '))`, &rows),
		shot("06-directory-dental"))
	if len(rows) != 1 || !strings.Contains(rows[0], "sim: ZZDENT01") || !strings.Contains(rows[0], "837D") {
		t.Errorf("dental search rows = %q; want only the sample dental payer with its IDs and transactions", rows)
	}
	run("search for nothing", sendKeys(`[data-testid="payer-directory-q"]`, " no such payer"),
		chromedp.Click(`[data-testid="payer-directory-search"]`),
		chromedp.WaitVisible(`[data-testid="payer-directory-empty"]`))
	// Prior authorization, then a payer added from its entry: it takes the
	// entry's payer ID at the simulator.
	// Replace the box's text as typing would (React reads the input event).
	run("search by alias", chromedp.Evaluate(`(() => {
			const el = document.querySelector('[data-testid="payer-directory-q"]');
			Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, 'AFC');
			el.dispatchEvent(new Event('input', {bubbles: true}));
		})()`, nil),
		chromedp.SetValue(`[data-testid="payer-directory-transaction"]`, "278"),
		chromedp.Evaluate(`document.querySelector('[data-testid="payer-directory-transaction"]').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Click(`[data-testid="payer-directory-search"]`),
		chromedp.WaitVisible(`tr[data-entry="sample-auth-first-care"] [data-testid="payer-directory-add"][data-clearinghouse="sim"]`))
	run("add the payer from the directory",
		chromedp.Click(`tr[data-entry="sample-auth-first-care"] [data-testid="payer-directory-add"][data-clearinghouse="sim"]`),
		chromedp.WaitVisible(`tr[data-payer="ZZAFC01"]`), shot("07-directory-payer-added"))
	var added []store.Payer
	all, _, err := s.ListPayers(ctx, store.Actor{UserID: u.ID}, store.Page{Limit: 50})
	for _, p := range all {
		if p.PayerID == "ZZAFC01" {
			added = append(added, p)
		}
	}
	if err != nil || len(added) != 1 || added[0].Name != "AUTH FIRST CARE (SAMPLE)" || added[0].Clearinghouse != "sim" || added[0].EnrollmentRequired {
		t.Errorf("payer from the directory = %+v, %v", added, err)
	}
}
