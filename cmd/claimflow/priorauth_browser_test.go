package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/web"
)

// TestAuthorizationsInBrowser (issue 19) drives the dashboard's
// Authorizations view in headless Chromium over the real API and
// Postgres: a biller requests an authorization (a request without a
// diagnosis is refused next to that field), sees it listed as requested
// (data-testid="authorizations"); a user of another tenant signs in and
// sees none. Screenshots go to .data/test-output/authorizations (or
// $CLAIMFLOW_TEST_OUTPUT).
func TestAuthorizationsInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "authorizations", true)
	ctx := context.Background()
	s := keyedStore(t)
	const password = "correct horse battery staple 1"
	type tenantUser struct {
		login, secret string
	}
	tenant := func(name string) (store.Org, tenantUser) {
		root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST AUTH HEALTH " + name})
		if err != nil {
			t.Fatal(err)
		}
		u, secret, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: root.ID, Kind: "staff", Login: "test-auth-biller-" + name,
			DisplayName: "TEST AUTH BILLER " + name, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(ctx, store.System, u.ID, root.ID, "admin"); err != nil {
			t.Fatal(err)
		}
		return root, tenantUser{login: "test-auth-biller-" + name, secret: secret}
	}
	rootA, userA := tenant("A")
	_, userB := tenant("B")
	payer, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: rootA.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: rootA.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "AUTH", Taxonomy: "207Q00000X"})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: rootA.ID, FirstName: "TESTPATIENT", LastName: "ALPHA",
		BirthDate: "1980-01-01", Sex: "F", Address: "1 TEST ST, TESTVILLE, NY 99999"})
	if err != nil {
		t.Fatal(err)
	}
	cov, err := s.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: payer.ID, MemberID: "ZZ0000006", Relationship: "self", Priority: 1})
	if err != nil {
		t.Fatal(err)
	}

	srv := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
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
	signIn := func(u tenantUser) {
		run("sign in as "+u.login, chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
			sendKeys(`#login`, u.login, chromedp.ByID),
			sendKeys(`#password`, password, chromedp.ByID),
			sendKeys(`#totp`, store.TOTPCode(u.secret, time.Now()), chromedp.ByID),
			chromedp.Click(`form button[type="submit"]`),
			chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
	}

	signIn(userA)
	run("open authorizations", chromedp.Click(`a[href="#/authorizations"]`), chromedp.WaitVisible(`[data-testid="authorizations"]`),
		chromedp.WaitVisible(`[data-testid="auth-request"]`))
	var dxErr string
	run("request without a diagnosis", sendKeys(`[data-testid="auth-patient_id"]`, pat.ID),
		sendKeys(`[data-testid="auth-coverage_id"]`, cov.ID),
		sendKeys(`[data-testid="auth-provider_id"]`, prov.ID),
		sendKeys(`[data-testid="auth-codes"]`, "72148"),
		sendKeys(`[data-testid="auth-service_from"]`, "03012030"),
		sendKeys(`[data-testid="auth-service_to"]`, "03312030"),
		chromedp.Click(`[data-testid="auth-request"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="auth-diagnoses-error"]`), chromedp.Text(`[data-testid="auth-diagnoses-error"]`, &dxErr),
		shot("01-diagnosis-refused"))
	if !strings.Contains(dxErr, "ICD-10-CM") {
		t.Errorf("diagnoses error = %q", dxErr)
	}
	var status string
	run("request", sendKeys(`[data-testid="auth-diagnoses"]`, "M54.50"),
		chromedp.Click(`[data-testid="auth-request"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="authorizations"] tr[data-status="requested"]`),
		chromedp.Text(`[data-testid="authorizations"] tr[data-status="requested"] [data-testid="auth-status"]`, &status),
		shot("02-requested"))
	if strings.TrimSpace(status) != "requested" {
		t.Errorf("status cell = %q", status)
	}
	list, err := s.ListAuthorizations(ctx, store.System, pat.ID)
	if err != nil || len(list) != 1 || list[0].Codes[0] != "72148" || list[0].ServiceFrom != "2030-03-01" || list[0].Diagnoses[0] != "M54.50" {
		t.Fatalf("stored authorizations = %+v, %v", list, err)
	}

	// Another tenant's biller sees nothing of it.
	run("sign out", chromedp.Click(`header button`), chromedp.WaitVisible(`#login`, chromedp.ByID))
	signIn(userB)
	var body string
	run("open authorizations as B", chromedp.Click(`a[href="#/authorizations"]`), chromedp.WaitVisible(`[data-testid="authorizations"]`),
		chromedp.Sleep(500*time.Millisecond), chromedp.Text(`[data-testid="authorizations"] tbody`, &body), shot("03-other-tenant"))
	if !strings.Contains(body, "No authorizations yet.") || strings.Contains(body, "72148") {
		t.Errorf("tenant B's list = %q; want none", body)
	}
}
