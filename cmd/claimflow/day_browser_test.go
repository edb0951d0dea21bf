package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/notify/notifytest"
	"github.com/claimflow/claimflow/payments/paymentstest"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// dayBrowser is one signed-in browser of TestSpecialistDayInBrowser: its
// steps each have a deadline and, when one fails, leave a screenshot and
// the page's text.
type dayBrowser struct {
	t    *testing.T
	ctx  context.Context
	out  string
	base string
}

func (b *dayBrowser) shot(name string) chromedp.Action { return screenshot(b.t, b.out, name) }

// run runs a step with a 30 s deadline.
func (b *dayBrowser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	b.runFor(what, 30*time.Second, actions...)
}

// runFor runs a step with deadline d (longer for steps that wait on the
// claim workflow, which the page follows by polling).
func (b *dayBrowser) runFor(what string, d time.Duration, actions ...chromedp.Action) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Run(sctx, actions...); err != nil {
		fctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		var text string
		_ = chromedp.Run(fctx, b.shot("failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
		b.t.Fatalf("%s: %v; the page says: %.3000s", what, err, text)
	}
}

// signIn signs in on the dashboard's sign-in page.
func (b *dayBrowser) signIn(login, password, secret string) {
	b.t.Helper()
	b.run("sign in as "+login, chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
		sendKeys(`#login`, login, chromedp.ByID),
		sendKeys(`#password`, password, chromedp.ByID),
		sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
		chromedp.Click(`form button[type="submit"]`),
		chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
}

// get fetches path from the API with the browser's session token (the
// dashboard keeps it in sessionStorage and sends it as a bearer token).
func (b *dayBrowser) get(path string) (int, http.Header, []byte) {
	b.t.Helper()
	var tok string
	b.run("read the session token", chromedp.Evaluate(`sessionStorage.getItem('claimflow.session') || ''`, &tok))
	if tok == "" {
		b.t.Fatal("no session token in the browser")
	}
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// payLink finds the payment link in a statement email.
var payLink = regexp.MustCompile(`https?://[^\s]+/pay\?t=[^\s]+`)

// TestSpecialistDayInBrowser (issue 16) plays a billing specialist's day
// in headless Chromium on a fresh stack started as make run starts it
// (API and worker in one process, the Temporal dev server, the
// clearinghouse simulator over SFTP, the S3 archive, mailpit for email,
// stripe-mock): an administrator makes the practice and the specialist
// through the API; the specialist signs in and, in Practice setup, sets
// the practice's billing profile, adds its provider and its payer (which
// requires enrollment) and approves the provider's enrollment for claims;
// the front desk enters two visits through the API; the specialist presses
// Submit now, finds the claim denied CO-16 (an unspecified diagnosis) by
// the patient's name, corrects its diagnosis in the claim editor,
// resubmits and sees it paid; opens the paying 835's ERA and its EOB and
// reconciles the bank deposit by trace number; releases the patient's
// statement, which the patient pays on the page the email links to
// (Stripe's webhook, which stripe-mock does not send, signed by the test);
// appeals the other claim (denied CO-97) with a downloaded letter; and
// exports the worklist to CSV. A user of another health system signs in
// and sees none of it: no claims, no claim page, an empty export, no
// appeals and no deposits. Screenshots of each view go to
// .data/test-output/day (or $CLAIMFLOW_TEST_OUTPUT).
func TestSpecialistDayInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "day", true)
	// Screenshots of an earlier run would pass for this one's.
	if old, _ := filepath.Glob(filepath.Join(out, "*.png")); len(old) > 0 {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	began := time.Now()
	ctx := context.Background()

	// The stack: the claim batch runs daily, so nothing is sent before
	// the specialist presses Submit now; statement emails go to mailpit
	// and link to this server's payment page.
	mail := notifytest.StartMailpit(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := newE2E(t, true, map[string]string{
		"CLAIMFLOW_HTTP_ADDR":   addr,
		"CLAIMFLOW_BATCH_EVERY": "24h",
		"CLAIMFLOW_SMTP_ADDR":   mail.SMTPAddr,
		"CLAIMFLOW_PAY_URL":     "http://" + addr + "/pay",
	})

	// The health system's administrator (e.token) opens the practice and
	// the specialist's account, an administrator of the practice only.
	var practice idOnly
	e.api("POST", "/v1/orgs", map[string]any{"parent_id": e.org, "kind": "practice", "name": "TEST DAY PRACTICE"}, &practice)
	const password = "correct horse battery staple 3"
	var specialist struct {
		ID         string `json:"id"`
		TOTPSecret string `json:"totp_secret"`
	}
	e.api("POST", "/v1/users", map[string]any{"org_id": practice.ID, "kind": "staff", "login": "test-day-specialist",
		"display_name": "TEST DAY SPECIALIST", "password": password}, &specialist)
	e.api("POST", "/v1/users/"+specialist.ID+"/grants", map[string]any{"org_id": practice.ID, "role": "admin"}, nil)

	// Another health system with its own user.
	other, err := e.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	otherUser, otherSecret, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: other.ID, Kind: "staff",
		Login: "test-day-other", DisplayName: "TEST DAY OTHER", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, otherUser.ID, other.ID, "admin"); err != nil {
		t.Fatal(err)
	}

	bctx, stop := startChromium(t, ctx, chromium, 1280, 1000)
	defer stop()
	b := &dayBrowser{t: t, ctx: bctx, out: out, base: e.base}
	b.signIn("test-day-specialist", password, specialist.TOTPSecret)
	b.run("the empty worklist", chromedp.WaitVisible(`//td[contains(., "No claims match")]`, chromedp.BySearch), b.shot("01-worklist-empty"))

	// Practice setup: the practice has no billing profile (its claims
	// would be held); the specialist sets its own, then adds the
	// practice's provider and payer (which requires provider enrollment)
	// and records the provider's approved enrollment for claims.
	b.run("open practice setup", chromedp.Click(`a[href="#/setup"]`), chromedp.WaitVisible(`#setup-h`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="missing"]`), b.shot("02-setup-no-profile"))
	for _, f := range []struct{ id, v string }{
		{"bp-name", "TEST DAY PRACTICE"}, {"bp-npi", "1245319599"}, {"bp-tax_id", "12-3456789"}, {"bp-taxonomy", "207Q00000X"},
		{"bp-address_line1", "1 TEST WAY"}, {"bp-city", "TESTVILLE"}, {"bp-state", "NY"}, {"bp-zip", "10001-0001"},
		{"bp-submitter_id", "ZZSUBMIT1"}, {"bp-contact_name", "TEST OFFICE"}, {"bp-contact_phone", "5550100000"},
	} {
		b.run("type "+f.id, sendKeys("#"+f.id, f.v, chromedp.ByID))
	}
	b.run("save the billing profile", chromedp.Click(`form[aria-label="Billing profile"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="own"]`), b.shot("03-setup-profile-saved"))
	b.setUpDirectory()
	prov, pay := e.practiceDirectory(practice.ID)

	// The front desk enters two visits through the API: one with an
	// unspecified diagnosis (R69: the payer denies it CO-16, correctable)
	// for a member with 20 % co-insurance, one for a venipuncture the
	// payer bundles (36415: CO-97, appealable).
	alpha := e.dayClaim(practice.ID, prov.ID, pay.ID, "ALPHA", "ZZ0000007", []string{"R69"}, line{"99213", 15000, 1})
	bravo := e.dayClaim(practice.ID, prov.ID, pay.ID, "BRAVO", "ZZ0000006", []string{"E11.9"}, line{"36415", 2500, 1})
	e.waitStatus(alpha.ID, workflows.StatusReady)
	e.waitStatus(bravo.ID, workflows.StatusReady)

	// Submit now, from the worklist.
	b.run("the claims are ready", chromedp.Click(`a[href="#/claims"]`), chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.WaitVisible(`tr[data-claim="`+alpha.ID+`"] .s-ready`), chromedp.WaitVisible(`tr[data-claim="`+bravo.ID+`"] .s-ready`),
		b.shot("05-worklist-ready"))
	b.submitNow("06-submit-now")
	e.waitStatus(alpha.ID, workflows.StatusNeedsCorrection)
	e.waitStatus(bravo.ID, workflows.StatusAppealPending)

	// Find the denied claim: the worklist follows the workflow (live
	// updates); the search box finds the patient by name.
	b.runFor("the denials reach the worklist", 60*time.Second,
		chromedp.WaitVisible(`tr[data-claim="`+alpha.ID+`"] .s-needs_correction`),
		chromedp.WaitVisible(`tr[data-claim="`+bravo.ID+`"] .s-appeal_pending`), b.shot("07-worklist-denied"))
	b.run("search for the patient", sendKeys(`[data-testid="claim-search"]`, "Testpatient Alpha"+kb.Enter),
		chromedp.WaitNotPresent(`tr[data-claim="`+bravo.ID+`"]`),
		chromedp.WaitVisible(`//tr[@data-testid="claim-row" and @data-claim-id="`+alpha.ID+`"]/td[contains(., "TESTPATIENT ALPHA")]`, chromedp.BySearch),
		b.shot("08-worklist-search"))
	b.correctDiagnosis(alpha.ID, "E11.9")
	var versions struct {
		Items []struct {
			Diagnoses []string `json:"diagnoses"`
		} `json:"items"`
	}
	e.api("GET", "/v1/claims/"+alpha.ID+"/versions", nil, &versions)
	if n := len(versions.Items); n < 2 || strings.Join(versions.Items[n-1].Diagnoses, ",") != "E11.9" {
		t.Errorf("claim versions after the edit = %+v, want the last with E11.9", versions.Items)
	}

	// The replacement claim waits for the batch: Submit now again, and
	// the payer pays it (allowed 90.00, 20 % co-insurance: 72.00 paid,
	// 18.00 the patient's).
	e.waitStatus(alpha.ID, workflows.StatusReady)
	b.run("back to the worklist", chromedp.Click(`a[href="#/claims"]`), chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
	b.submitNow("11-submit-now-again")
	st := e.waitStatus(alpha.ID, workflows.StatusPaid)
	if st.PaidCents != 7200 || st.Attempt != 2 || st.FrequencyCode != "7" {
		t.Errorf("corrected claim: paid %d on attempt %d (frequency %q), want 7200 on the second, frequency 7", st.PaidCents, st.Attempt, st.FrequencyCode)
	}
	b.runFor("the claim is paid on its page", 60*time.Second, chromedp.Click(`tr[data-claim="`+alpha.ID+`"] a`),
		chromedp.WaitVisible(`#claim-h`, chromedp.ByID), chromedp.WaitVisible(`[data-testid="detail-status"].s-paid`),
		chromedp.WaitVisible(`li[data-kind="835"] ~ li[data-kind="835"]`), b.shot("12-claim-paid"))

	// The payer's money: the 835 that paid the claim, its EOB, and the
	// bank deposit reconciled with it by trace number.
	b.reconcileDeposit("72.00")

	// The patient's 18.00: the statement waits for the specialist's
	// release, then the patient is emailed a link to the payment page.
	b.runFor("the statement awaits release", 60*time.Second, chromedp.Click(`a[href="#/statements"]`),
		chromedp.WaitVisible(`#statements-h`, chromedp.ByID),
		chromedp.WaitVisible(`//tr[@data-statement][td[contains(., "TEST DAY PRACTICE")] and td[contains(., "$18.00")]]`, chromedp.BySearch),
		b.shot("17-statement-awaiting"))
	var stmtID string
	var ok bool
	b.run("release it", chromedp.AttributeValue(`tr[data-statement]`, "data-statement", &stmtID, &ok),
		chromedp.Click(`//tr[@data-statement]//button[contains(., "Release")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//p[@role="status" and contains(., "Released 1 statement")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//p[contains(., "No statement awaits release")]`, chromedp.BySearch),
		b.shot("18-statement-released"))
	var link string
	testenv.WaitFor(t, 60*time.Second, "the statement email in mailpit", func() bool {
		for _, m := range mail.Messages(t) {
			if l := payLink.FindString(m.Text); l != "" && len(m.To) == 1 && m.To[0] == "testpatient.alpha@example.invalid" {
				link = l
				return true
			}
		}
		return false
	})
	var due, state string
	b.run("open the payment page", chromedp.Navigate(link), chromedp.WaitVisible(`#pay`, chromedp.ByID),
		chromedp.Text(`#amount-due`, &due, chromedp.ByID), b.shot("19-payment-page"))
	if due != "$18.00" || !strings.Contains(link, "http://"+addr+"/pay?t=") {
		t.Errorf("payment page at %s says %q due, want $18.00", link, due)
	}
	// Pay confirms the statement's PaymentIntent at Stripe with the test
	// card. stripe-mock answers every confirmation with its fixture
	// (status requires_payment_method), so the page cannot say thanks
	// here; Stripe then reports the payment by webhook, which stripe-mock
	// does not send: the test signs payment_intent.succeeded as Stripe
	// would.
	b.run("pay", chromedp.Click(`#pay`, chromedp.ByID), chromedp.WaitVisible(`#pay-state`, chromedp.ByID),
		chromedp.Text(`#pay-state`, &state, chromedp.ByID), b.shot("20-payment-submitted"))
	t.Logf("the payment page after Pay (stripe-mock): %q", state)
	var pi string
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT coalesce(payment_intent_id, '') FROM patient_statements WHERE id = $1", stmtID).Scan(&pi); err != nil || pi == "" {
		t.Fatalf("the released statement's payment intent: %q (%v)", pi, err)
	}
	paid := paymentstest.PaymentSucceeded(t, "evt_day_stmt", pi, stmtID, 1800)
	req, _ := http.NewRequest("POST", e.base+"/webhooks/stripe", strings.NewReader(string(paid)))
	req.Header.Set("Stripe-Signature", paymentstest.Sign(paid, e.m.Config.StripeWebhookKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Stripe webhook: %d", resp.StatusCode)
	}
	var status string
	var payments int
	testenv.WaitFor(t, 60*time.Second, "the statement to be paid", func() bool {
		return e.m.Store.Pool.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM patient_payments WHERE statement_id = $1)
			FROM patient_statements WHERE id = $1`, stmtID).Scan(&status, &payments) == nil && status == "paid"
	})
	if payments != 1 {
		t.Errorf("payments posted = %d, want 1", payments)
	}
	b.run("the link again", chromedp.Navigate(link), chromedp.WaitVisible(`//p[@id="pay-state" and contains(., "is paid")]`, chromedp.BySearch),
		b.shot("21-payment-page-paid"))

	// The bundled venipuncture: appealed with a letter.
	b.run("back to the dashboard", chromedp.Navigate(e.base+"/#/claims"), chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
	b.appeal(bravo.ID, "CO-97")
	e.waitStatus(bravo.ID, workflows.StatusAppealed)

	// The worklist at the end of the day, exported.
	b.run("the worklist at the end of the day", chromedp.Click(`a[href="#/claims"]`), chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.WaitVisible(`tr[data-claim="`+alpha.ID+`"] .s-paid`), chromedp.WaitVisible(`tr[data-claim="`+bravo.ID+`"] .s-appealed`),
		b.shot("25-worklist-end-of-day"))
	rows := b.exportCSV("26-worklist-export")
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"claim_id", "patient", "payer", "status", "charge", "paid"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("the export's header %q has no %s column", rows[0], h)
		}
	}
	exported := map[string][]string{}
	for _, r := range rows[1:] {
		exported[r[col["claim_id"]]] = r
	}
	for id, want := range map[string][]string{alpha.ID: {"TESTPATIENT ALPHA", "paid", "72.00"}, bravo.ID: {"TESTPATIENT BRAVO", "appealed", "0.00"}} {
		r := exported[id]
		if len(rows) != 3 || r == nil || r[col["patient"]] != want[0] || r[col["status"]] != want[1] || r[col["paid"]] != want[2] {
			t.Errorf("the export's row for %s = %q, want %q; the export has %d rows", id, r, want, len(rows)-1)
		}
	}

	// Another health system's user sees none of it: an empty worklist and
	// no claim page.
	b.run("sign out", chromedp.Click(`//header//button[contains(., "Sign out")]`, chromedp.BySearch), chromedp.WaitVisible(`#login`, chromedp.ByID))
	b.signIn("test-day-other", password, otherSecret)
	var page string
	b.run("the other tenant's worklist", chromedp.WaitVisible(`//td[contains(., "No claims match")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[@aria-pressed="true" and contains(., "All")]/span[normalize-space(.)="0"]`, chromedp.BySearch),
		chromedp.Evaluate(`document.body.innerText`, &page), b.shot("27-other-tenant-worklist"))
	if strings.Contains(page, "TESTPATIENT") || strings.Contains(page, "TEST DAY PRACTICE") {
		t.Errorf("the other tenant's worklist shows the practice's claims: %.2000s", page)
	}
	b.run("the other tenant opens the paid claim", chromedp.Navigate(e.base+"/#/claims/"+alpha.ID),
		chromedp.WaitVisible(`p[role="alert"].error`), chromedp.Evaluate(`document.body.innerText`, &page), b.shot("28-other-tenant-claim"))
	if strings.Contains(page, "TESTPATIENT") || strings.Contains(page, "$150.00") {
		t.Errorf("the other tenant sees the claim: %.2000s", page)
	}
	if code, _, body := b.get("/v1/claims/" + alpha.ID + "/timeline"); code != http.StatusNotFound {
		t.Errorf("the other tenant's GET of the claim's timeline = %d %s, want 404", code, body)
	}
	if rows := b.exportCSV("29-other-tenant-export"); len(rows) != 1 {
		t.Errorf("the other tenant's export = %q, want the header only", rows)
	}
	b.run("the other tenant's appeals and deposits", chromedp.Click(`a[href="#/appeals"]`),
		chromedp.WaitVisible(`//p[contains(., "No claim waits for an appeal")]`, chromedp.BySearch), b.shot("30-other-tenant-appeals"),
		chromedp.Click(`a[href="#/deposits"]`), chromedp.WaitVisible(`//td[contains(., "No deposits recorded")]`, chromedp.BySearch),
		chromedp.Evaluate(`document.body.innerText`, &page), b.shot("31-other-tenant-deposits"))
	if strings.Contains(page, "ZZEFT") || strings.Contains(page, "$72.00") {
		t.Errorf("the other tenant sees the practice's deposit or 835: %.2000s", page)
	}
	t.Logf("the day took %s; screenshots in %s", time.Since(began).Round(time.Second), out)
}

// dayClaim is a visit as the front desk enters it through the API: the
// patient (with an email for statements), the coverage, the encounter and
// its claim, at org.
func (e *e2e) dayClaim(org, provider, payerID, name, member string, diags []string, lines ...line) idOnly {
	e.t.Helper()
	var pat, cov, enc, c idOnly
	e.api("POST", "/v1/patients", map[string]any{"org_id": org, "first_name": "TESTPATIENT", "last_name": name,
		"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999",
		"email": "testpatient." + strings.ToLower(name) + "@example.invalid"}, &pat)
	e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payerID, "member_id": member,
		"relationship": "self", "priority": 1}, &cov)
	var charges []map[string]any
	for _, l := range lines {
		charges = append(charges, map[string]any{"code": l.code, "diagnosis_pointers": []int{l.diag}, "units": 1, "amount_cents": l.cents})
	}
	dos := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	e.api("POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": provider, "date_of_service": dos,
		"place_of_service": "11", "diagnoses": diags, "charges": charges}, &enc)
	e.api("POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &c)
	return c
}

// setUpDirectory adds the practice's provider and payer in Practice setup
// and records the provider's enrollment with the payer for claims.
func (b *dayBrowser) setUpDirectory() {
	b.t.Helper()
	b.run("add the provider", sendKeys(`#pv-first_name`, "TESTDOC", chromedp.ByID), sendKeys(`#pv-last_name`, "DAY", chromedp.ByID),
		sendKeys(`[data-testid="provider-npi"]`, "1234567893"), sendKeys(`[data-testid="provider-taxonomy"]`, "207Q00000X"),
		chromedp.Click(`[data-testid="provider-save"]`), chromedp.WaitVisible(`tr[data-testid="provider-row"][data-npi="1234567893"]`))
	payer := `tr[data-payer="ZZPAYER1"]`
	var route, required string
	var ok bool
	b.run("add the payer", sendKeys(`[data-testid="payer-name"]`, "TEST PAYER"), sendKeys(`[data-testid="payer-code"]`, "ZZPAYER1"),
		setInput(`[data-testid="payer-clearinghouse"]`, "sim"), chromedp.Click(`[data-testid="payer-enrollment-required"]`),
		chromedp.Click(`[data-testid="payer-save"]`), chromedp.WaitVisible(payer),
		chromedp.Text(payer+` [data-testid="payer-route"]`, &route),
		chromedp.AttributeValue(payer+` [data-testid="payer-enrollment"]`, "data-required", &required, &ok))
	if strings.TrimSpace(route) != "sim" || required != "true" {
		b.t.Errorf("TEST PAYER is routed to %q, enrollment required %q; want sim and true", route, required)
	}
	// Approved for claims since a month ago (the visits are 3 days old).
	b.run("approve the provider's enrollment", chromedp.WaitVisible(`[data-testid="enrollment-save"]`),
		setInput(`[data-testid="enrollment-transaction"]`, "837"), setInput(`[data-testid="enrollment-status"]`, "approved"),
		setInput(`[data-testid="enrollment-effective"]`, time.Now().UTC().AddDate(0, -1, 0).Format(time.DateOnly)),
		chromedp.Click(`[data-testid="enrollment-save"]`),
		chromedp.WaitVisible(`tr[data-testid="enrollment-row"][data-npi="1234567893"][data-payer="ZZPAYER1"][data-transaction="837"][data-status="approved"]`),
		b.shot("04-setup-directory"))
}

// practiceDirectory finds the provider and payer the specialist added, as
// the front desk's system would.
func (e *e2e) practiceDirectory(org string) (prov, pay idOnly) {
	e.t.Helper()
	var provs struct {
		Items []struct{ ID, NPI string } `json:"items"`
	}
	var payers struct {
		Items []struct {
			ID      string `json:"id"`
			OrgID   string `json:"org_id"`
			PayerID string `json:"payer_id"`
		} `json:"items"`
	}
	e.api("GET", "/v1/providers?limit=200", nil, &provs)
	e.api("GET", "/v1/payers?limit=200", nil, &payers)
	for _, p := range provs.Items {
		if p.NPI == "1234567893" {
			prov.ID = p.ID
		}
	}
	for _, p := range payers.Items {
		if p.OrgID == org && p.PayerID == "ZZPAYER1" {
			pay.ID = p.ID
		}
	}
	if prov.ID == "" || pay.ID == "" {
		e.t.Fatalf("the practice's provider %q and payer %q", prov.ID, pay.ID)
	}
	return prov, pay
}

// submitNow presses the worklist's Submit now and waits for the batch's
// start to be reported.
func (b *dayBrowser) submitNow(shot string) {
	b.t.Helper()
	b.run("submit now", chromedp.WaitVisible(`#claims-h`, chromedp.ByID), chromedp.Click(`[data-testid="submit-now"]`),
		chromedp.WaitVisible(`//p[@role="status" and contains(., "Started batch/sim")]`, chromedp.BySearch), b.shot(shot))
}

// correctDiagnosis opens the claim from the worklist, reads its CO-16
// denial, replaces its diagnosis in the claim editor and saves and
// resubmits it (a corrected claim, frequency 7).
func (b *dayBrowser) correctDiagnosis(claimID, dx string) {
	b.t.Helper()
	var denial string
	b.run("open the denied claim", chromedp.Click(`tr[data-claim="`+claimID+`"] a`), chromedp.WaitVisible(`#claim-h`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="detail-status"].s-needs_correction`),
		// the editor has loaded the claim's current version
		chromedp.WaitVisible(`table[aria-label="Service lines"] tbody tr input`),
		chromedp.Text(`#denial-h + ul`, &denial, chromedp.ByQuery), b.shot("09-claim-denied"))
	if !strings.Contains(denial, "CO-16") {
		b.t.Errorf("the denied claim's page shows %q, want CO-16", denial)
	}
	var before, after string
	b.run("correct the diagnosis", chromedp.Value(`#edit-dx`, &before, chromedp.ByID),
		sendKeys(`#edit-dx`, kb.End+strings.Repeat(kb.Backspace, 20)+dx, chromedp.ByID),
		chromedp.Value(`#edit-dx`, &after, chromedp.ByID),
		sendKeys(`#edit-note`, "diagnosis specified from the visit note", chromedp.ByID))
	if before != "R69" || after != dx {
		b.t.Fatalf("claim editor diagnoses: %q before, %q after typing, want R69 then %s", before, after, dx)
	}
	// The editor closes once the workflow has taken the correction.
	b.run("save and resubmit", chromedp.Click(`button[data-action="save-resubmit"]`),
		chromedp.WaitVisible(`[data-testid="detail-status"]:not(.s-needs_correction)`),
		chromedp.WaitNotPresent(`#edit-dx`, chromedp.ByID), b.shot("10-claim-corrected"))
}

// setInput sets a form control's value as typing would, so React sees it
// (a date input takes its value in ISO form whatever the browser's
// locale).
func setInput(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, %q);
		el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true })); return true })()`, sel, value), nil)
}

// download clicks the link sel and returns the file the browser saved
// (the dashboard's CSP keeps the page itself from fetching its blob:
// links, as it should).
func (b *dayBrowser) download(what, sel string) []byte {
	b.t.Helper()
	dir, err := os.MkdirTemp("", "claimflow-download-")
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { removeWithRetries(b.t, dir) })
	b.run(what, browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir), chromedp.Click(sel))
	var body []byte
	testenv.WaitFor(b.t, 30*time.Second, what+" in "+dir, func() bool {
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".crdownload") {
				body, err = os.ReadFile(filepath.Join(dir, f.Name()))
				return err == nil && len(body) > 0
			}
		}
		return false
	})
	return body
}

// appeal files an appeal of the claim from the Appeals view: a reason,
// the generated letter (a PDF naming the denial code), then "Mark appeal
// filed".
func (b *dayBrowser) appeal(claimID, code string) {
	b.t.Helper()
	card := `[data-testid="appeal-row"][data-claim-id="` + claimID + `"]`
	var daysLeft string
	var ok bool
	b.run("open the appeals", chromedp.Click(`a[href="#/appeals"]`), chromedp.WaitVisible(`#appeals-h`, chromedp.ByID),
		chromedp.WaitVisible(card), chromedp.AttributeValue(card, "data-days-left", &daysLeft, &ok), b.shot("22-appeals"))
	if daysLeft == "" {
		b.t.Errorf("the appeal shows no days left to file")
	}
	b.run("write the appeal letter", sendKeys(card+` [data-testid="appeal-reason"]`,
		"The venipuncture was a separately identifiable service on this date."),
		chromedp.Click(card+` [data-testid="appeal-letter"]`), chromedp.WaitVisible(card+` [data-testid="appeal-letter-download"]`),
		b.shot("23-appeal-letter"))
	pdf := b.download("download the appeal letter", card+` [data-testid="appeal-letter-download"]`)
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || !bytes.Contains(pdf, []byte(code)) || !bytes.Contains(pdf, []byte("TEST DAY PRACTICE")) {
		b.t.Errorf("appeal letter: %d bytes, starts %q; want a PDF naming %s and the practice", len(pdf), pdf[:min(len(pdf), 8)], code)
	}
	b.run("file the appeal", chromedp.Click(card+` [data-testid="appeal-file"]`),
		chromedp.WaitVisible(card+` .s-appealed`), b.shot("24-appeal-filed"))
}

// reconcileDeposit opens the 835 that paid amount from the Remittances
// view, reads its trace number on the ERA, checks its printable EOB, and
// records the bank deposit with that trace number, which matches it.
func (b *dayBrowser) reconcileDeposit(amount string) {
	b.t.Helper()
	var trace, paid string
	b.run("open the paying 835's ERA", chromedp.Click(`a[href="#/remittances"]`), chromedp.WaitVisible(`#remit-h`, chromedp.ByID),
		// The list's row of that 835: one row per 835, its Paid column the
		// 835's payment (the list carries totals; the ERA its payments).
		chromedp.Click(`//tr[@data-remittance][td[4][normalize-space(.)="$`+amount+`"]]//a[@data-testid="era-open"]`, chromedp.BySearch),
		chromedp.WaitVisible(`[data-testid="era-detail"] [data-testid="era-claim"]`),
		chromedp.Text(`[data-testid="era-trace"]`, &trace), chromedp.Text(`[data-testid="era-paid"]`, &paid), b.shot("13-era"))
	if trace == "" || paid != "$"+amount {
		b.t.Fatalf("ERA: trace %q paid %q, want a trace and $%s", trace, paid, amount)
	}
	eob := b.fetchEOB()
	if !bytes.HasPrefix(eob, []byte("%PDF")) || !bytes.Contains(eob, []byte(trace)) {
		b.t.Errorf("EOB: %d bytes; want a PDF naming trace %s", len(eob), trace)
	}
	row := `//tr[@data-testid="deposit-row"][td[contains(., "` + trace + `")]]`
	b.run("record the deposit", chromedp.Click(`a[href="#/deposits"]`), chromedp.WaitVisible(`[data-testid="deposit-save"]`),
		sendKeys(`[data-testid="deposit-amount"]`, amount),
		setInput(`[data-testid="deposit-date"]`, time.Now().UTC().Format(time.DateOnly)),
		sendKeys(`[data-testid="deposit-reference"]`, trace),
		b.shot("14-deposit-form"), chromedp.Click(`[data-testid="deposit-save"]`),
		chromedp.WaitVisible(row, chromedp.BySearch))
	var status string
	var ok bool
	b.run("the deposit is matched", chromedp.AttributeValue(row, "data-status", &status, &ok, chromedp.BySearch), b.shot("15-deposit-matched"))
	if status != "matched" {
		b.t.Errorf("deposit of $%s with trace %s is %q, want matched", amount, trace, status)
	}
	// The 835 reads as reconciled with the bank.
	b.run("the 835 is EFT reconciled", chromedp.Click(`a[href="#/remittances"]`), chromedp.WaitVisible(`#remit-h`, chromedp.ByID),
		chromedp.WaitVisible(`//tr[@data-remittance][td[1][normalize-space(.)="`+trace+`"]][td[contains(., "EFT reconciled")]]`, chromedp.BySearch),
		b.shot("16-remittances-reconciled"))
}

// fetchEOB reads the open ERA's printable EOB with the session token.
func (b *dayBrowser) fetchEOB() []byte {
	b.t.Helper()
	var href string
	var ok bool
	b.run("the EOB link", chromedp.AttributeValue(`[data-testid="eob-pdf"]`, "href", &href, &ok))
	code, hdr, body := b.get(href)
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/pdf" {
		b.t.Errorf("GET %s = %d %s", href, code, hdr.Get("Content-Type"))
	}
	return body
}

// exportCSV reads the worklist's Export CSV link with the session token
// and returns its rows (the header first).
func (b *dayBrowser) exportCSV(shot string) [][]string {
	b.t.Helper()
	var href string
	var ok bool
	b.run("the export link", chromedp.Click(`a[href="#/claims"]`), chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.AttributeValue(`[data-testid="export-csv"]`, "href", &href, &ok), b.shot(shot))
	code, hdr, body := b.get(href)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		b.t.Fatalf("GET %s = %d %s %s", href, code, hdr.Get("Content-Type"), body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		b.t.Fatalf("export: %v: %s", err, body)
	}
	return rows
}
