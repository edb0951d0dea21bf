package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/fhirtest"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/web"
	"github.com/claimflow/claimflow/workflows"
)

// TestImportSyncsInBrowser (issue 21, the Imports view's Syncs and "EHR
// changes flagged") plays billing staff at a practice that syncs from its
// EHR, in headless Chromium over the real API, Temporal dev server (the
// sync's Schedule and passes), worker and Postgres, against the
// recorded-response FHIR server (internal/fhirtest). The practice was
// imported and synced once; a claim went out; the EHR then changed that
// encounter's charge. Staff see the sync, run a pass now and see the
// change flagged (the claim and its status, which field changed), pause
// the sync (its Schedule is paused in Temporal), and acknowledge the flag,
// which leaves the open list for the acknowledged one. Tenant B's staff
// see neither the sync nor the flag. Screenshots go to
// .data/test-output/import-syncs (or $CLAIMFLOW_TEST_OUTPUT).
func TestImportSyncsInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "import-syncs", true)
	ctx := context.Background()
	w := newCLIWorld(t, "TEST SYNC VIEW", store.Payer{PayerID: "PAYERA1", Name: "TEST PAYER", Clearinghouse: "sim"})
	s := w.s
	adminA := w.token(t, w.root.ID, "syncview-admin-a", "admin")
	const password = "correct horse battery staple 1"
	staff := func(org, login string) string {
		t.Helper()
		u, secret, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "staff", Login: login, DisplayName: "TEST " + strings.ToUpper(login), Password: password})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{"biller", "front_desk"} {
			if err := s.Grant(ctx, store.System, u.ID, org, r); err != nil {
				t.Fatal(err)
			}
		}
		return secret
	}
	secretA, secretB := staff(w.root.ID, "syncview-staff-a"), staff(w.other.ID, "syncview-staff-b")

	dir, t0, _, c := syncEHR(t, s, 3, 1)

	q := workflows.DefaultTaskQueue
	a := api.New(api.Options{Records: s, Clearinghouses: []string{"sim"}})
	a.MountDashboard(api.Dashboard{Runs: &recordingRuns{}})
	a.MountImports(api.Imports{Records: s, Start: func(ctx context.Context, ac rcm.Actor, in fhirimport.Input, name string) (rcm.ImportRun, error) {
		return workflows.StartImport(ctx, c, q, s, ac, in, name)
	}})
	sy := importSyncs(s, c, q)
	sy.Servers = []string{"ehr"}
	a.MountImportSyncs(sy)
	h := web.Handler()
	a.Router().Handle("/", h)
	a.Router().Handle("/assets/*", h)
	hs := httptest.NewServer(a)
	defer hs.Close()
	cli := func(args ...string) string {
		t.Helper()
		var o, e bytes.Buffer
		if code := run(ctx, args, env(map[string]string{"CLAIMFLOW_URL": hs.URL, "CLAIMFLOW_API_TOKEN": adminA}), &o, &e); code != 0 {
			t.Fatalf("%v: %d %q %q", args, code, o.String(), e.String())
		}
		return o.String()
	}

	// The practice is imported, the sync registered (every hour) and run
	// once; then a claim goes out and the EHR changes its charge.
	cli("import", "fhir", "-org", w.root.ID, "-server", "ehr")
	m := regexp.MustCompile(`sync (\S+) registered`).FindStringSubmatch(cli("import", "sync", "add", "-org", w.root.ID, "-server", "ehr", "-every", "1h"))
	if m == nil {
		t.Fatal("no sync registered")
	}
	syncID := m[1]
	cli("import", "sync", "run", "-wait", "2m", syncID)
	encID := recordOf(t, s, w.root.ID, "Encounter", "ehr-pt-0-enc")
	cl, err := s.CreateClaim(ctx, store.System, encID)
	if err != nil {
		t.Fatal(err)
	}
	// The claim workflow writes statuses in production; here the row is
	// set as it would be.
	if _, err := s.Pool.Exec(ctx, `UPDATE claims SET status = 'submitted' WHERE id = $1`, cl.ID); err != nil {
		t.Fatal(err)
	}
	if n := fhirtest.Edit(t, dir, "ChargeItem", t0.Add(24*time.Hour), func(r map[string]any) bool {
		if r["id"] != "ehr-pt-0-enc-ch1" {
			return false
		}
		r["priceOverride"] = map[string]any{"value": 180.0, "currency": "USD"}
		return true
	}); n != 1 {
		t.Fatal("no ChargeItem edited")
	}

	bctx, stop := startChromium(t, ctx, chromium, 1400, 1400)
	defer stop()
	shot := func(name string) chromedp.Action { return screenshot(t, out, name) }
	do := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 120*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
			defer cancel()
			var text string
			_ = chromedp.Run(fctx, shot("failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
			t.Fatalf("%s: %v; the page says: %s", what, err, text)
		}
	}
	signIn := func(login, secret string) {
		t.Helper()
		do("sign in as "+login, chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
			sendKeys(`#login`, login, chromedp.ByID),
			sendKeys(`#password`, password, chromedp.ByID),
			sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
			chromedp.Click(`form button[type="submit"]`),
			chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
			chromedp.Click(`a[href="#/imports"]`),
			chromedp.WaitVisible(`[data-testid="imports"] #imports-h`),
			chromedp.WaitVisible(`[data-testid="import-syncs"] tbody td`),
			chromedp.WaitVisible(`[data-testid="sync-flags"] tbody td`))
	}
	row := `tr[data-testid="sync-row"][data-sync="` + syncID + `"]`

	// Staff at A see the sync: active, every hour, its pass, its next run.
	signIn("syncview-staff-a", secretA)
	var line string
	do("the sync", chromedp.WaitVisible(row+`[data-state="active"]`), chromedp.Text(row, &line), shot("01-sync-active"))
	if !strings.Contains(line, "ehr") || !strings.Contains(line, "Every 1h") || !strings.Contains(line, "records") {
		t.Errorf("the sync's row: %q", line)
	}
	var empty int
	do("no flag yet", chromedp.Evaluate(`document.querySelectorAll('tr[data-testid="sync-flag"]').length`, &empty))
	if empty != 0 {
		t.Fatalf("%d flags before the EHR changed", empty)
	}

	// Run now: the pass finds the billed encounter's charge changed and
	// flags it; the list shows it when the pass ends.
	flag := `tr[data-testid="sync-flag"][data-status="open"]`
	var fields, claim string
	do("run now and see the flag", chromedp.Click(row+` [data-testid="sync-run"]`),
		chromedp.WaitVisible(flag), chromedp.Text(flag+` [data-testid="sync-flag-fields"]`, &fields),
		chromedp.Text(flag+` [data-testid="sync-flag-claim"]`, &claim), chromedp.Text(row+` [data-testid="sync-last-pass"]`, &line), shot("02-flag"))
	if fields != "charges" || !strings.Contains(claim, cl.ID[:8]) || !strings.Contains(claim, "submitted") {
		t.Errorf("the flag shows fields %q, claim %q; want charges, claim %s submitted", fields, claim, cl.ID[:8])
	}
	var flagID, flagClaim string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text, claim_id::text FROM import_sync_flags WHERE org_id = $1 AND status = 'open'`, w.root.ID).Scan(&flagID, &flagClaim); err != nil || flagClaim != cl.ID {
		t.Fatalf("the open flag: claim %s (%v); want one, of claim %s", flagClaim, err, cl.ID)
	}
	t.Logf("the pass: %s", line)

	// Pause: the row says paused, and so does the Schedule in Temporal.
	do("pause", chromedp.Click(row+` [data-testid="sync-pause"]`), chromedp.WaitVisible(row+`[data-state="paused"]`),
		chromedp.WaitVisible(row+` [data-testid="sync-resume"]`), shot("03-paused"))
	// Temporal applies the pause in its scheduler workflow: Describe shows
	// it shortly after the call returns, not always at once.
	testenv.WaitFor(t, 15*time.Second, "the Schedule paused in Temporal", func() bool {
		d, err := c.ScheduleClient().GetHandle(ctx, workflows.ImportSyncScheduleID(syncID)).Describe(ctx)
		return err == nil && d.Schedule.State.Paused
	})

	// Acknowledge: the flag leaves the open list and is in the
	// acknowledged one.
	do("acknowledge", chromedp.Click(`tr[data-flag="`+flagID+`"] [data-testid="sync-flag-ack"]`),
		chromedp.WaitVisible(`[data-testid="sync-flags-empty"]`),
		chromedp.SetValue(`[data-testid="sync-flags-status"]`, "acknowledged"),
		chromedp.Evaluate(`document.querySelector('[data-testid="sync-flags-status"]').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.WaitVisible(`tr[data-flag="`+flagID+`"][data-status="acknowledged"]`), shot("04-acknowledged"))
	var status string
	if err := s.Pool.QueryRow(ctx, `SELECT status FROM import_sync_flags WHERE id = $1`, flagID).Scan(&status); err != nil || status != rcm.FlagAcknowledged {
		t.Fatalf("the flag is %q (%v); want acknowledged", status, err)
	}

	// Tenant B sees neither the sync nor the flag, whatever the filter.
	do("sign out", chromedp.Click(`header button`), chromedp.WaitVisible(`#login`, chromedp.ByID))
	signIn("syncview-staff-b", secretB)
	var syncsB, flagsB int
	do("tenant B", chromedp.SetValue(`[data-testid="sync-flags-status"]`, "all"),
		chromedp.Evaluate(`document.querySelector('[data-testid="sync-flags-status"]').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.WaitVisible(`[data-testid="sync-flags-empty"]`),
		chromedp.Evaluate(`document.querySelectorAll('tr[data-testid="sync-row"]').length`, &syncsB),
		chromedp.Evaluate(`document.querySelectorAll('tr[data-testid="sync-flag"]').length`, &flagsB), shot("05-tenant-b"))
	if syncsB != 0 || flagsB != 0 {
		t.Errorf("tenant B sees %d syncs and %d flags", syncsB, flagsB)
	}
	var pageB string
	do("tenant B's page", chromedp.Text(`[data-testid="imports"]`, &pageB))
	if strings.Contains(pageB, syncID) || strings.Contains(pageB, cl.ID[:8]) || strings.Contains(pageB, "ehr-pt-0") {
		t.Errorf("tenant B's page names A's sync or flag: %q", pageB)
	}
	t.Logf("screenshots in %s", out)
}
