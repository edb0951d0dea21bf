package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// TestBulkActionsInBrowser drives the worklist's bulk bar in headless
// Chromium against the whole system (API, worker, Temporal, the
// clearinghouse simulator): a biller checks a denied claim and a paid one,
// writes both off with a note, and reads one result row per claim: the
// denied claim written off, the paid one refused (its lifecycle is over).
// Select-all then checks every row of the page. Screenshots go to
// .data/test-output/bulk (or $CLAIMFLOW_TEST_OUTPUT).
func TestBulkActionsInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "bulk", true)

	e := newE2E(t, true)
	ctx := context.Background()
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	paid := e.claim(prov.ID, pay.ID, "PAID", []string{"E11.9"}, line{"99213", 15000, 1})
	denied := e.claim(prov.ID, pay.ID, "DENIED", []string{"R69"}, line{"99213", 15000, 1})

	const password = "correct horse battery staple 1"
	u, secret, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: e.org, Kind: "staff", Login: "test-bulk-biller",
		DisplayName: "TEST BULK BILLER", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, u.ID, e.org, "biller"); err != nil {
		t.Fatal(err)
	}
	e.waitStatus(paid.ID, workflows.StatusPaid)
	e.waitStatus(denied.ID, workflows.StatusNeedsCorrection)

	bctx, stop := startChromium(t, ctx, chromium, 1280, 900)
	defer stop()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
			defer cancel()
			var text string
			_ = chromedp.Run(fctx, screenshot(t, out, "failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
			t.Fatalf("%s: %v; the page says: %s", what, err, text)
		}
	}
	check := func(id string) string { return `input[data-testid="select-claim"][data-claim-id="` + id + `"]` }
	result := func(id, ok string) string {
		return `tr[data-testid="bulk-result"][data-claim-id="` + id + `"][data-ok="` + ok + `"]`
	}

	run("sign in",
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible(`#login`, chromedp.ByID),
		sendKeys(`#login`, "test-bulk-biller", chromedp.ByID),
		sendKeys(`#password`, password, chromedp.ByID),
		sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
		chromedp.Click(`form button[type="submit"]`),
		chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.WaitVisible(check(denied.ID)),
		chromedp.WaitVisible(check(paid.ID)),
	)
	var unlabelled []string
	run("labels", chromedp.Evaluate(`Array.from(document.querySelectorAll('input, select, textarea')).filter(el =>
		el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)`, &unlabelled))
	if len(unlabelled) > 0 {
		t.Errorf("form controls without a label: %v", unlabelled)
	}

	// Select the denied claim, then the paid one; write both off.
	run("write off the selected claims",
		chromedp.Click(check(denied.ID)),
		chromedp.Click(check(paid.ID)),
		sendKeys(`#bulk-note`, "small balance", chromedp.ByID),
		chromedp.Click(`button[data-testid="bulk-write-off"]`),
		chromedp.WaitVisible(result(denied.ID, "true")),
		chromedp.WaitVisible(result(paid.ID, "false")),
		screenshot(t, out, "01-bulk-write-off"),
	)
	var order []string
	var refusal string
	run("read the results",
		chromedp.Evaluate(`Array.from(document.querySelectorAll('tr[data-testid="bulk-result"]')).map(r => r.dataset.claimId)`, &order),
		chromedp.Text(result(paid.ID, "false"), &refusal),
	)
	if strings.Join(order, ",") != denied.ID+","+paid.ID {
		t.Errorf("result rows %v, want the denied claim then the paid one (the order they were checked)", order)
	}
	if !strings.Contains(refusal, "lifecycle is over") {
		t.Errorf("the paid claim's result row says %q, want why it was refused", refusal)
	}
	if st := e.waitStatus(denied.ID, workflows.StatusWrittenOff); !strings.Contains(st.Events[len(st.Events)-1].Note, "small balance") {
		t.Errorf("written-off claim's last event = %+v, want the note", st.Events[len(st.Events)-1])
	}
	if st := e.state(paid.ID); st.Status != workflows.StatusPaid {
		t.Errorf("the paid claim is now %s", st.Status)
	}

	// Select-all checks every row of the page.
	var unchecked int
	run("select all",
		chromedp.Click(`input[data-testid="select-all"]`),
		chromedp.Evaluate(`document.querySelectorAll('input[data-testid="select-claim"]:not(:checked)').length`, &unchecked),
	)
	if unchecked != 0 {
		t.Errorf("%d rows left unchecked after select-all", unchecked)
	}
}
