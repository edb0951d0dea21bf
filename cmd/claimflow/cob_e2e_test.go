package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// cobClaim creates, through the API, a patient with a primary coverage
// (ZZPAYER1) and a secondary one (ZZPAYER2), an encounter with one 99213
// line of 150.00, and its claim.
func (e *e2e) cobClaim(provider, payer1, payer2, member1, member2, name string) idOnly {
	e.t.Helper()
	var pat, cov1, cov2, enc, c idOnly
	e.api("POST", "/v1/patients", map[string]any{"org_id": e.org, "first_name": "TESTPATIENT", "last_name": name,
		"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
	e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payer1, "member_id": member1,
		"relationship": "self", "priority": 1, "group_number": "GRP0001"}, &cov1)
	e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payer2, "member_id": member2,
		"relationship": "self", "priority": 2, "group_number": "GRP0002"}, &cov2)
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	e.api("POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": provider, "date_of_service": dos,
		"place_of_service": "11", "diagnoses": []string{"E11.9"},
		"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 15000}}}, &enc)
	e.api("POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &c)
	return c
}

// postedPayment is one 835 claim payment as claimflow posted it.
type postedPayment struct {
	payer, status string
	paid, patient int64
	adjustments   map[string]int64
}

// payments lists the claim's posted 835 claim payments in posting order.
func (e *e2e) payments(claimID string) []postedPayment {
	e.t.Helper()
	ctx := context.Background()
	rows, err := e.m.Store.Pool.Query(ctx, `SELECT r.payer_id, cp.status_code, cp.paid_cents, cp.patient_resp_cents,
		coalesce((SELECT json_object_agg(a.group_code || '-' || a.reason, a.amount_cents) FROM claim_adjustments a
		          WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq), '{}')::text
		FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id WHERE cp.claim_id = $1 ORDER BY cp.posted_at`, claimID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []postedPayment
	for rows.Next() {
		var p postedPayment
		var adj string
		if err := rows.Scan(&p.payer, &p.status, &p.paid, &p.patient, &adj); err != nil {
			e.t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(adj), &p.adjustments); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func (e *e2e) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.m.Store.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestEndToEndCOB (issue 19, coordination of benefits) through the
// simulator: a patient with two coverages. The primary (20% co-insurance,
// 99213 allowed 90.00) pays 72.00 of 150.00 (CO-45 60.00, PR-2 18.00);
// claimflow bills the 18.00 to the secondary with the primary's
// adjudication in its 837; the secondary (99213 allowed 85.00) pays 13.00
// (85.00 less the primary's 72.00), OA-23 132.00, and leaves 5.00 to the
// patient, whose statement is 5.00 (not 18.00). A second patient's primary
// forwards the claim (crossover: CLP02 19, MA18): claimflow sends no 837
// to the secondary and posts its 835. Each claim's detail lists the parts
// in order; a second tenant sees none of it.
func TestEndToEndCOB(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	var prov, pay1, pay2 idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay1)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER2", "name": "SECOND TEST PAYER", "clearinghouse": "sim"}, &pay2)

	billed := e.cobClaim(prov.ID, pay1.ID, pay2.ID, "ZZ0000030", "ZZ0000031", "ALPHA")
	crossed := e.cobClaim(prov.ID, pay1.ID, pay2.ID, "ZZ0000032", "ZZ0000033", "BRAVO")

	// The billed secondary: two 835s, each with its exact amounts.
	testenv.WaitFor(t, 120*time.Second, "the secondary's 835 to post", func() bool { return len(e.payments(billed.ID)) == 2 })
	st := e.waitStatus(billed.ID, workflows.StatusPaid)
	got := e.payments(billed.ID)
	want := []postedPayment{
		{payer: "ZZPAYER1", status: "1", paid: 7200, patient: 1800, adjustments: map[string]int64{"CO-45": 6000, "PR-2": 1800}},
		{payer: "ZZPAYER2", status: "2", paid: 1300, patient: 500, adjustments: map[string]int64{"OA-23": 13200, "PR-2": 500}},
	}
	for i := range want {
		if !samePayment(got[i], want[i]) {
			t.Errorf("billed claim 835 #%d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
	if st.PaidCents != 8500 || st.PatientRespCents != 500 || st.PayerSeq != 2 {
		t.Errorf("billed claim final state: paid %d patient %d payer %d; want 8500, 500, 2", st.PaidCents, st.PatientRespCents, st.PayerSeq)
	}
	// Claimflow sent it twice: to the primary, then to the secondary.
	if n := e.count("SELECT count(*) FROM batch_claims WHERE claim_id = $1", billed.ID); n != 2 {
		t.Errorf("billed claim went out in %d batches, want 2", n)
	}
	// The secondary received the 837 with the primary's adjudication and
	// adjudicated it as secondary.
	var pcn string
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT patient_control_number FROM claims WHERE id = $1", billed.ID).Scan(&pcn); err != nil {
		t.Fatal(err)
	}
	if rec, ok := e.payer.Claim("claimflow", "ZZPAYER2", pcn); !ok || rec.Payment == nil || rec.Payment.Status != "2" || rec.MemberID != "ZZ0000031" {
		t.Errorf("the simulator's secondary record = %+v (found %v)", rec, ok)
	}
	// The patient's statement is the final share only.
	testenv.WaitFor(t, 30*time.Second, "the patient's statement", func() bool {
		return e.count("SELECT count(*) FROM patient_statements WHERE left(id, 36) = $1", billed.ID) > 0
	})
	var amounts []int64
	rows, err := e.m.Store.Pool.Query(ctx, "SELECT amount_cents FROM patient_statements WHERE left(id, 36) = $1", billed.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a int64
		_ = rows.Scan(&a)
		amounts = append(amounts, a)
	}
	rows.Close()
	if len(amounts) != 1 || amounts[0] != 500 {
		t.Errorf("statements for the billed claim = %v, want [500]", amounts)
	}

	// The crossover: the primary's 835 says it forwarded the claim; the
	// secondary's 835 posts; claimflow sent one 837.
	testenv.WaitFor(t, 120*time.Second, "the crossover's 835 to post", func() bool { return len(e.payments(crossed.ID)) == 2 })
	st = e.waitStatus(crossed.ID, workflows.StatusPaid)
	got = e.payments(crossed.ID)
	want = []postedPayment{
		{payer: "ZZPAYER1", status: "19", paid: 7200, patient: 1800, adjustments: map[string]int64{"CO-45": 6000, "PR-2": 1800}},
		{payer: "ZZPAYER2", status: "2", paid: 1300, patient: 500, adjustments: map[string]int64{"OA-23": 13200, "PR-2": 500}},
	}
	for i := range want {
		if !samePayment(got[i], want[i]) {
			t.Errorf("crossover 835 #%d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
	if n := e.count("SELECT count(*) FROM batch_claims WHERE claim_id = $1", crossed.ID); n != 1 {
		t.Errorf("crossover claim went out in %d batches, want 1 (the secondary has it from the primary)", n)
	}
	if st.PaidCents != 8500 || st.PatientRespCents != 500 {
		t.Errorf("crossover final state: paid %d patient %d", st.PaidCents, st.PatientRespCents)
	}
	var crossedNote bool
	for _, ev := range st.Events {
		if ev.Status == workflows.StatusAccepted && len(ev.Note) > 9 && ev.Note[:9] == "crossover" {
			crossedNote = true
		}
	}
	if !crossedNote {
		t.Errorf("no crossover event in %+v", st.Events)
	}

	// The claim detail (the dashboard's API) lists each payer's part in order.
	var tl struct {
		PayerParts []rcm.PayerPart `json:"payer_parts"`
	}
	e.api("GET", "/v1/claims/"+billed.ID+"/timeline", nil, &tl)
	wantParts := []rcm.PayerPart{
		{Seq: 1, Responsibility: "primary", PayerID: "ZZPAYER1", PayerName: "TEST PAYER", Adjudicated: true, StatusCode: "1",
			BilledCents: 15000, PaidCents: 7200, AdjustmentCents: 6000, PatientRespCents: 1800},
		{Seq: 2, Responsibility: "secondary", PayerID: "ZZPAYER2", PayerName: "SECOND TEST PAYER", Adjudicated: true, StatusCode: "2",
			BilledCents: 15000, PaidCents: 1300, AdjustmentCents: 13200, PatientRespCents: 500},
	}
	if len(tl.PayerParts) != 2 {
		t.Fatalf("payer parts = %+v", tl.PayerParts)
	}
	for i, w := range wantParts {
		g := tl.PayerParts[i]
		g.PaymentDate = ""
		if g != w {
			t.Errorf("payer part %d = %+v, want %+v", i+1, g, w)
		}
	}
	e.api("GET", "/v1/claims/"+crossed.ID+"/timeline", nil, &tl)
	if len(tl.PayerParts) != 2 || tl.PayerParts[0].Crossover || !tl.PayerParts[1].Crossover {
		t.Errorf("crossover parts = %+v", tl.PayerParts)
	}

	// The dashboard's claim detail shows the parts in order, as a biller
	// (password and TOTP) sees them in Chromium.
	t.Run("dashboard", func(t *testing.T) { e.cobInBrowser(t, billed.ID) })

	// A second tenant sees nothing of either claim.
	b := createTenantWithCLI(t, e, "B")
	for _, id := range []string{billed.ID, crossed.ID} {
		if code, body := e.call(b.token, "GET", "/v1/claims/"+id+"/timeline", nil); code != http.StatusNotFound {
			t.Errorf("tenant B reads claim %s timeline: %d %s", id, code, body)
		}
		if code, _ := e.call(b.token, "GET", "/v1/claims/"+id, nil); code != http.StatusNotFound {
			t.Errorf("tenant B reads claim %s: %d", id, code)
		}
	}
	code, body := e.call(b.token, "GET", "/v1/claims", nil)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Items) != 0 {
		t.Errorf("tenant B's claim list = %d %s, want empty", code, body)
	}
}

func samePayment(a, b postedPayment) bool {
	if a.payer != b.payer || a.status != b.status || a.paid != b.paid || a.patient != b.patient || len(a.adjustments) != len(b.adjustments) {
		return false
	}
	for k, v := range b.adjustments {
		if a.adjustments[k] != v {
			return false
		}
	}
	return true
}

// cobInBrowser signs a biller in and reads the claim's payer parts in the
// claim detail view (data-testid payer-parts).
func (e *e2e) cobInBrowser(t *testing.T, claimID string) {
	chromium, out := browserTest(t, "cob", true)
	ctx := context.Background()
	const password = "correct horse battery staple 1"
	u, secret, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: e.org, Kind: "staff", Login: "test-cob-biller",
		DisplayName: "TEST BILLER", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, u.ID, e.org, "biller"); err != nil {
		t.Fatal(err)
	}
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
	run("sign in", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
		sendKeys(`#login`, "test-cob-biller", chromedp.ByID),
		sendKeys(`#password`, password, chromedp.ByID),
		sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
		chromedp.Click(`form button[type="submit"]`),
		chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
	var primary, secondary string
	var rows int
	run("open the claim", chromedp.Navigate(e.base+"/#/claims/"+claimID), chromedp.WaitVisible(`#claim-h`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid="payer-parts"]`),
		chromedp.Text(`[data-testid="payer-part-primary"]`, &primary),
		chromedp.Text(`[data-testid="payer-part-secondary"]`, &secondary),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="payer-parts"] tbody tr').length`, &rows),
		screenshot(t, out, "01-claim-payer-parts"))
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if rows != 2 {
		t.Errorf("payer parts rows = %d, want 2", rows)
	}
	for _, c := range []struct{ got, want string }{
		{norm(primary), "primary TEST PAYER (ZZPAYER1) $150.00 $72.00 $60.00 $18.00"},
		{norm(secondary), "secondary SECOND TEST PAYER (ZZPAYER2) $150.00 $13.00 $132.00 $5.00"},
	} {
		if c.got != c.want {
			t.Errorf("payer part row = %q, want %q", c.got, c.want)
		}
	}
}
