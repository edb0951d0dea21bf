package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

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
		chromedp.SendKeys(`#login`, login, chromedp.ByID),
		chromedp.SendKeys(`#password`, password, chromedp.ByID),
		chromedp.SendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
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
// through the API; the specialist signs in and sets the practice's
// billing profile in Practice setup; the front desk enters two visits
// through the API; the specialist presses Submit now, finds the claim
// denied CO-16 (an unspecified diagnosis), corrects its diagnosis in the
// claim editor, resubmits and sees it paid; releases the patient's
// statement; the patient pays it on the payment page the email links to
// (Stripe's webhook, which stripe-mock does not send, signed by the test).
// A user of another health system signs in and sees none of it.
// Screenshots of each view go to .data/test-output/day (or
// $CLAIMFLOW_TEST_OUTPUT).
func TestSpecialistDayInBrowser(t *testing.T) {
	chromium, out := browserTest(t, "day", true)
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
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": practice.ID, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "DAY", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": practice.ID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)

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
	// would be held); the specialist sets its own.
	b.run("open practice setup", chromedp.Click(`a[href="#/setup"]`), chromedp.WaitVisible(`#setup-h`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="missing"]`),
		chromedp.WaitVisible(`tr[data-payer="ZZPAYER1"]`), b.shot("02-setup-no-profile"))
	for _, f := range []struct{ id, v string }{
		{"bp-name", "TEST DAY PRACTICE"}, {"bp-npi", "1245319599"}, {"bp-tax_id", "12-3456789"}, {"bp-taxonomy", "207Q00000X"},
		{"bp-address_line1", "1 TEST WAY"}, {"bp-city", "TESTVILLE"}, {"bp-state", "NY"}, {"bp-zip", "10001-0001"},
		{"bp-submitter_id", "ZZSUBMIT1"}, {"bp-contact_name", "TEST OFFICE"}, {"bp-contact_phone", "5550100000"},
	} {
		b.run("type "+f.id, chromedp.SendKeys("#"+f.id, f.v, chromedp.ByID))
	}
	var routing string
	b.run("save the billing profile", chromedp.Click(`form[aria-label="Billing profile"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="billing-mode"][data-mode="own"]`),
		chromedp.Text(`tr[data-payer="ZZPAYER1"] [data-testid="payer-clearinghouse"]`, &routing), b.shot("03-setup-profile-saved"))
	if strings.TrimSpace(routing) != "sim" {
		t.Errorf("TEST PAYER is routed to %q, want sim", routing)
	}

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
		b.shot("04-worklist-ready"))
	b.submitNow("05-submit-now")
	e.waitStatus(alpha.ID, workflows.StatusNeedsCorrection)
	e.waitStatus(bravo.ID, workflows.StatusAppealPending)

	// Find the denied claim: the worklist follows the workflow (live
	// updates); the "needs correction" count leads to it.
	b.runFor("the denials reach the worklist", 60*time.Second,
		chromedp.WaitVisible(`tr[data-claim="`+alpha.ID+`"] .s-needs_correction`),
		chromedp.WaitVisible(`tr[data-claim="`+bravo.ID+`"] .s-appeal_pending`), b.shot("06-worklist-denied"))
	b.run("find the claim needing correction", chromedp.Click(`button[data-status="needs_correction"]`),
		chromedp.WaitNotPresent(`tr[data-claim="`+bravo.ID+`"]`),
		chromedp.WaitVisible(`//tr[@data-claim="`+alpha.ID+`"]/td[contains(., "TESTPATIENT ALPHA")]`, chromedp.BySearch),
		b.shot("07-worklist-needs-correction"))
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
	b.submitNow("10-submit-now-again")
	st := e.waitStatus(alpha.ID, workflows.StatusPaid)
	if st.PaidCents != 7200 || st.Attempt != 2 || st.FrequencyCode != "7" {
		t.Errorf("corrected claim: paid %d on attempt %d (frequency %q), want 7200 on the second, frequency 7", st.PaidCents, st.Attempt, st.FrequencyCode)
	}
	b.runFor("the claim is paid on its page", 60*time.Second, chromedp.Click(`tr[data-claim="`+alpha.ID+`"] a`),
		chromedp.WaitVisible(`#claim-h`, chromedp.ByID), chromedp.WaitVisible(`[data-testid="detail-status"].s-paid`),
		chromedp.WaitVisible(`li[data-kind="835"] ~ li[data-kind="835"]`), b.shot("11-claim-paid"))

	// The patient's 18.00: the statement waits for the specialist's
	// release, then the patient is emailed a link to the payment page.
	b.runFor("the statement awaits release", 60*time.Second, chromedp.Click(`a[href="#/statements"]`),
		chromedp.WaitVisible(`#statements-h`, chromedp.ByID),
		chromedp.WaitVisible(`//tr[@data-statement][td[contains(., "TEST DAY PRACTICE")] and td[contains(., "$18.00")]]`, chromedp.BySearch),
		b.shot("12-statement-awaiting"))
	var stmtID string
	var ok bool
	b.run("release it", chromedp.AttributeValue(`tr[data-statement]`, "data-statement", &stmtID, &ok),
		chromedp.Click(`//tr[@data-statement]//button[contains(., "Release")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//p[@role="status" and contains(., "Released 1 statement")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//p[contains(., "No statement awaits release")]`, chromedp.BySearch),
		b.shot("13-statement-released"))
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
		chromedp.Text(`#amount-due`, &due, chromedp.ByID), b.shot("14-payment-page"))
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
		chromedp.Text(`#pay-state`, &state, chromedp.ByID), b.shot("15-payment-submitted"))
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
		b.shot("16-payment-page-paid"))

	// The appealable claim is still there, waiting for the specialist.
	b.run("the worklist at the end of the day", chromedp.Navigate(e.base+"/#/claims"), chromedp.WaitVisible(`#claims-h`, chromedp.ByID),
		chromedp.WaitVisible(`tr[data-claim="`+alpha.ID+`"] .s-paid`), chromedp.WaitVisible(`tr[data-claim="`+bravo.ID+`"] .s-appeal_pending`),
		b.shot("17-worklist-end-of-day"))

	// Another health system's user sees none of it: an empty worklist and
	// no claim page.
	b.run("sign out", chromedp.Click(`//header//button[contains(., "Sign out")]`, chromedp.BySearch), chromedp.WaitVisible(`#login`, chromedp.ByID))
	b.signIn("test-day-other", password, otherSecret)
	var page string
	b.run("the other tenant's worklist", chromedp.WaitVisible(`//td[contains(., "No claims match")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[@aria-pressed="true" and contains(., "All")]/span[normalize-space(.)="0"]`, chromedp.BySearch),
		chromedp.Evaluate(`document.body.innerText`, &page), b.shot("18-other-tenant-worklist"))
	if strings.Contains(page, "TESTPATIENT") || strings.Contains(page, "TEST DAY PRACTICE") {
		t.Errorf("the other tenant's worklist shows the practice's claims: %.2000s", page)
	}
	b.run("the other tenant opens the paid claim", chromedp.Navigate(e.base+"/#/claims/"+alpha.ID),
		chromedp.WaitVisible(`p[role="alert"].error`), chromedp.Evaluate(`document.body.innerText`, &page), b.shot("19-other-tenant-claim"))
	if strings.Contains(page, "TESTPATIENT") || strings.Contains(page, "$150.00") {
		t.Errorf("the other tenant sees the claim: %.2000s", page)
	}
	if code, _, body := b.get("/v1/claims/" + alpha.ID + "/timeline"); code != http.StatusNotFound {
		t.Errorf("the other tenant's GET of the claim's timeline = %d %s, want 404", code, body)
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
		chromedp.Text(`#denial-h + ul`, &denial, chromedp.ByQuery), b.shot("08-claim-denied"))
	if !strings.Contains(denial, "CO-16") {
		b.t.Errorf("the denied claim's page shows %q, want CO-16", denial)
	}
	var before, after string
	b.run("correct the diagnosis", chromedp.Value(`#edit-dx`, &before, chromedp.ByID),
		chromedp.SendKeys(`#edit-dx`, kb.End+strings.Repeat(kb.Backspace, 20)+dx, chromedp.ByID),
		chromedp.Value(`#edit-dx`, &after, chromedp.ByID),
		chromedp.SendKeys(`#edit-note`, "diagnosis specified from the visit note", chromedp.ByID))
	if before != "R69" || after != dx {
		b.t.Fatalf("claim editor diagnoses: %q before, %q after typing, want R69 then %s", before, after, dx)
	}
	// The editor closes once the workflow has taken the correction.
	b.run("save and resubmit", chromedp.Click(`button[data-action="save-resubmit"]`),
		chromedp.WaitVisible(`[data-testid="detail-status"]:not(.s-needs_correction)`),
		chromedp.WaitNotPresent(`#edit-dx`, chromedp.ByID), b.shot("09-claim-corrected"))
}
