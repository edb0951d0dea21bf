package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// deviatingPayer is the simulator's adjudicating payer whose 835s carry
// one deviation payers do send and that changes nothing: the claim
// payment of the patient named patient gets a time on its claim-received
// date (DTM*050*CCYYMMDD*HHMM; DTM03 is not used in the 835 guide). The
// tolerant inbound check reports it as a warning (IK4 I10).
type deviatingPayer struct {
	*payer.Adjudicator
	patient string
	member  string // the member whose real-time 271s deviate

	mu          sync.Mutex
	altered     map[string]bool // 835 file names altered
	acks999     int             // 999s altered
	realtime271 int             // real-time 271s altered
}

// Due is the payer's Due with the deviation added to each 835.
func (p *deviatingPayer) Due(now time.Time) []sim.Scheduled {
	files := p.Adjudicator.Due(now)
	for i := range files {
		if body, ok := p.alter(files[i].File.Body); ok {
			files[i].File.Body = body
			p.mu.Lock()
			if p.altered == nil {
				p.altered = map[string]bool{}
			}
			p.altered[files[i].File.Name] = true
			p.mu.Unlock()
		}
	}
	return files
}

// alter returns a copy of x with the time added to the DTM*050 of the
// patient's claim payment (after its NM1*QC).
func (p *deviatingPayer) alter(x []byte) ([]byte, bool) {
	i := bytes.Index(x, []byte("NM1*QC*1*"+p.patient+"*"))
	if i < 0 {
		return x, false
	}
	j := bytes.Index(x[i:], []byte("DTM*050*"))
	if j < 0 {
		return x, false
	}
	at := i + j + len("DTM*050*") + 8 // after CCYYMMDD
	if at >= len(x) || x[at] == '*' {
		return x, false
	}
	out := make([]byte, 0, len(x)+5)
	out = append(append(append(out, x[:at]...), "*1200"...), x[at:]...)
	return out, true
}

func (p *deviatingPayer) alteredFiles() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.altered)
}

// OnUpload is the payer's OnUpload with one deviation clearinghouses do
// send and that changes nothing added to its 999s: a trailing element
// separator on the IK5 acknowledging the transaction set of the 837 that
// holds the patient named patient (IK5*A*~). The tolerant inbound check
// reports it as a warning (IK3 8).
func (p *deviatingPayer) OnUpload(ctx context.Context, user, name string, body []byte) []sim.OutboundFile {
	out := p.Adjudicator.OnUpload(ctx, user, name, body)
	st02 := p.setOf(body)
	if st02 == "" {
		return out
	}
	for i := range out {
		x := out[i].Body
		if len(x) < 106 || !bytes.Contains(x, []byte("999")) {
			continue
		}
		sep := string(x[3])
		at := bytes.Index(x, []byte("AK2"+sep+"837"+sep+st02+sep))
		if at < 0 {
			continue
		}
		if altered, ok := withTrailingSeparator(x, at, "IK5"); ok {
			out[i].Body = altered
			p.mu.Lock()
			p.acks999++
			p.mu.Unlock()
		}
	}
	return out
}

// setOf returns the ST02 of the 837 transaction set in x naming the
// patient (any NM1 whose last name it is), "" when none does.
func (p *deviatingPayer) setOf(x []byte) string {
	ics, err := edi.ParseBytes(x)
	if err != nil {
		return ""
	}
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if t.ST().El(1) != "837" {
					continue
				}
				for _, s := range t.Segments {
					if s.ID() == "NM1" && s.El(3) == p.patient {
						return t.ST().El(2)
					}
				}
			}
		}
	}
	return ""
}

// RealTime is the payer's real-time answer with a trailing element
// separator added to the subscriber's NM1 of the 271 answering a 270 for
// the member member (NM1*IL*...*MI*member*~): a deviation that changes
// nothing, reported as a warning (IK3 8).
func (p *deviatingPayer) RealTime(ctx context.Context, payloadType string, body []byte) (sim.RealTimeReply, error) {
	reply, err := p.Adjudicator.RealTime(ctx, payloadType, body)
	x := reply.Payload
	if err != nil || len(x) < 106 || p.member == "" {
		return reply, err
	}
	sep := string(x[3])
	at := bytes.Index(x, []byte(sep+"MI"+sep+p.member))
	if at < 0 || !bytes.Contains(x, []byte("ST"+sep+"271"+sep)) {
		return reply, err
	}
	if altered, ok := withTrailingSeparator(x, bytes.LastIndex(x[:at], []byte("NM1"+sep)), "NM1"); ok {
		reply.Payload = altered
		p.mu.Lock()
		p.realtime271++
		p.mu.Unlock()
	}
	return reply, nil
}

// withTrailingSeparator returns a copy of the interchange x with an
// element separator added at the end of the first segment with ID id at or
// after byte from (the delimiters are the ISA's).
func withTrailingSeparator(x []byte, from int, id string) ([]byte, bool) {
	if from < 0 || len(x) < 106 {
		return x, false
	}
	sep, term := x[3], x[105]
	i := bytes.Index(x[from:], []byte(id+string(sep)))
	if i < 0 {
		return x, false
	}
	end := bytes.IndexByte(x[from+i:], term)
	if end < 0 {
		return x, false
	}
	at := from + i + end
	out := make([]byte, 0, len(x)+1)
	out = append(append(append(out, x[:at]...), sep), x[at:]...)
	return out, true
}

func (p *deviatingPayer) counts() (acks999, realtime271 int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acks999, p.realtime271
}

// TestInboundDeviationsEndToEnd (issue 17, strict outbound, tolerant
// inbound): two tenants bill the same payer through the same clearinghouse
// account; the 835 paying tenant A's claim carries a harmless deviation
// (a time on its claim-received date). It arrives over the simulator's
// SFTP as every 835 does, is routed and posted exactly once, and its
// deviation is recorded: tenant A's staff see it through the API on the
// claim and on the remittance (and in the dashboard, in Chromium), with
// its code and position; tenant B sees neither (the answer a made-up ID
// gets), and its own claim shows no deviation.
func TestInboundDeviationsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dp := &deviatingPayer{patient: "DEVIATING", member: "ZZ0000006"}
	e := newE2EWith(t, true, func(a *payer.Adjudicator) sim.Responder { dp.Adjudicator = a; return dp })
	ctx := context.Background()
	a := createTenantWithCLI(t, e, "A")
	b := createTenantWithCLI(t, e, "B")
	appts := map[string]string{} // tenant name -> appointment ID
	for i, tn := range []*cliTenant{a, b} {
		e.as(tn)
		npi := []string{"1245319599", "1333333338"}[i]
		if err := e.m.Store.PutBillingProfile(ctx, store.BillingProfile{OrgID: tn.org, Name: "TEST TENANT " + tn.name, NPI: npi, TaxID: "00000000" + string(rune('1'+i)),
			Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "99999000" + string(rune('1'+i)),
			SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}); err != nil {
			t.Fatal(err)
		}
		var prov, pay idOnly
		e.api("POST", "/v1/providers", map[string]any{"org_id": tn.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": tn.name, "taxonomy": "207Q00000X"}, &prov)
		e.api("POST", "/v1/payers", map[string]any{"org_id": tn.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
		tn.provider, tn.payer = prov.ID, pay.ID
		tn.claim = e.claim(prov.ID, pay.ID, []string{"DEVIATING", "TENANTB"}[i], []string{"E11.9"}, line{"99213", 15000, 1})
		// An appointment whose booking checks eligibility in real time
		// (HTTP); tenant A's member gets the deviating 271.
		var pat, cov, appt idOnly
		e.api("POST", "/v1/patients", map[string]any{"org_id": tn.org, "first_name": "TESTPATIENT", "last_name": "ELIG" + tn.name,
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
		e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": pay.ID, "member_id": []string{"ZZ0000006", "ZZ0000007"}[i],
			"relationship": "self", "priority": 1}, &cov)
		at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour).Add(time.Duration(i) * time.Hour)
		e.api("POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": pat.ID, "visit_type": "follow_up",
			"starts_at": at.Format(time.RFC3339), "ends_at": at.Add(30 * time.Minute).Format(time.RFC3339)}, &appt)
		appts[tn.name] = appt.ID
	}
	// Routed and posted as sent: both claims end paid.
	e.waitStatus(a.claim.ID, workflows.StatusPaid)
	e.waitStatus(b.claim.ID, workflows.StatusPaid)
	if dp.alteredFiles() == 0 {
		t.Fatal("no 835 carried the deviation")
	}
	// Exactly once.
	for _, tn := range []*cliTenant{a, b} {
		var payments int
		var paid int64
		if err := e.m.Store.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM claim_payments WHERE claim_id = $1), paid_cents FROM claims WHERE id = $1`,
			tn.claim.ID).Scan(&payments, &paid); err != nil || payments != 1 || paid != 9000 {
			t.Errorf("tenant %s's claim: %d payments, paid %d (%v); want 1 payment of 9000", tn.name, payments, paid, err)
		}
	}

	isOurs := func(d rcm.Deviation) bool {
		return d.TransactionSet == "835" && d.Code == "IK4 I10" && d.SegmentID == "DTM" && d.Element == 3
	}
	type timeline struct {
		Deviations []rcm.Deviation `json:"deviations"`
	}
	get := func(tn *cliTenant, path string, out any) {
		t.Helper()
		st, raw := e.call(tn.token, "GET", path, nil)
		if st != 200 || json.Unmarshal(raw, out) != nil {
			t.Fatalf("tenant %s: GET %s = %d %s", tn.name, path, st, raw)
		}
	}
	// Tenant A sees it on the claim ...
	var tlA timeline
	get(a, "/v1/claims/"+a.claim.ID+"/timeline", &tlA)
	var found *rcm.Deviation
	for i, d := range tlA.Deviations {
		if isOurs(d) {
			found = &tlA.Deviations[i]
		}
	}
	if found == nil {
		t.Fatalf("tenant A's claim shows deviations %+v, want the 835's DTM03 (IK4 I10)", tlA.Deviations)
	}
	if found.Severity != "warning" || found.ClaimID != a.claim.ID || found.ClaimSeq != 1 || found.Loop != "2100" ||
		!strings.HasPrefix(found.Where, "DTM03 at position ") || found.Description == "" {
		t.Errorf("tenant A's claim deviation = %+v", *found)
	}
	if strings.Contains(found.Description+found.Where, "1200") {
		t.Errorf("the deviation shows the file's value: %+v", *found)
	}
	// ... and on the remittance.
	var remsA struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	get(a, "/v1/dashboard/remittances", &remsA)
	remID := ""
	for _, r := range remsA.Items {
		var era rcm.ERA
		get(a, "/v1/dashboard/remittances/"+r.ID, &era)
		for _, c := range era.Claims {
			if c.ClaimID == a.claim.ID {
				remID = r.ID
			}
		}
	}
	if remID == "" {
		t.Fatalf("tenant A's remittances %+v: none pays its claim", remsA.Items)
	}
	var eraA rcm.ERA
	get(a, "/v1/dashboard/remittances/"+remID, &eraA)
	n := 0
	for _, d := range eraA.Deviations {
		if isOurs(d) && d.ClaimID == a.claim.ID && d.Segment == found.Segment {
			n++
		}
	}
	if n != 1 {
		t.Errorf("tenant A's ERA deviations = %+v, want the claim's DTM03 once", eraA.Deviations)
	}
	// Reading them was audited.
	var audited int
	if err := e.m.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource IN ('claim_deviations', 'era_deviations')`).Scan(&audited); err != nil || audited < 2 {
		t.Errorf("audited deviation reads = %d (%v), want at least 2", audited, err)
	}

	// Tenant B: A's claim and remittance answer as made-up IDs do; its own
	// claim and remittance show nothing of A's.
	for _, path := range []string{"/v1/claims/%s/timeline", "/v1/dashboard/remittances/%s"} {
		id := a.claim.ID
		if strings.Contains(path, "remittances") {
			id = remID
		}
		st, raw := e.call(b.token, "GET", strings.Replace(path, "%s", id, 1), nil)
		stM, rawM := e.call(b.token, "GET", strings.Replace(path, "%s", uuid.NewString(), 1), nil)
		if st != 404 || stM != 404 || !sameProblem(raw, rawM) {
			t.Errorf("tenant B: GET %s of A's = %d %s; a made-up ID = %d %s; want the same 404", path, st, raw, stM, rawM)
		}
	}
	var tlB timeline
	get(b, "/v1/claims/"+b.claim.ID+"/timeline", &tlB)
	for _, d := range tlB.Deviations {
		if isOurs(d) || d.ClaimID == a.claim.ID {
			t.Errorf("tenant B's claim shows %+v", d)
		}
	}

	// The 999 acknowledging tenant A's claim carried a trailing separator
	// on its IK5: routed (the claim went on to be paid) and recorded on
	// A's claim only.
	if n, _ := dp.counts(); n == 0 {
		t.Fatal("no 999 carried the deviation")
	}
	isAck := func(d rcm.Deviation) bool {
		return d.TransactionSet == "999" && d.Code == "IK3 8" && d.SegmentID == "IK5" && d.Severity == "warning"
	}
	var ack *rcm.Deviation
	testenv.WaitFor(t, 30*time.Second, "the 999 deviation on tenant A's claim", func() bool {
		var tl timeline
		get(a, "/v1/claims/"+a.claim.ID+"/timeline", &tl)
		for i, d := range tl.Deviations {
			if isAck(d) {
				ack = &tl.Deviations[i]
			}
		}
		return ack != nil
	})
	if !strings.HasPrefix(ack.Where, "IK502 at position ") || ack.Description == "" || ack.SNIPLevel != 1 {
		t.Errorf("tenant A's 999 deviation = %+v", *ack)
	}
	get(b, "/v1/claims/"+b.claim.ID+"/timeline", &tlB)
	for _, d := range tlB.Deviations {
		if d.TransactionSet == "999" {
			t.Errorf("tenant B's claim shows a 999 deviation (its IK5 was clean): %+v", d)
		}
	}

	// Tenant A's real-time 271 carried a trailing separator on the
	// subscriber's NM1: the benefits were stored (active), and the
	// deviation is shown with the eligibility result; tenant B gets the
	// made-up answer for A's appointment, and its own result has none.
	type eligibility struct {
		Status     string          `json:"status"`
		Mode       string          `json:"mode"`
		Deviations []rcm.Deviation `json:"deviations"`
	}
	isElig := func(d rcm.Deviation) bool {
		return d.TransactionSet == "271" && d.Code == "IK3 8" && d.SegmentID == "NM1" && d.Severity == "warning"
	}
	var eligA eligibility
	testenv.WaitFor(t, 60*time.Second, "tenant A's eligibility deviation", func() bool {
		st, raw := e.call(a.token, "GET", "/v1/dashboard/eligibility?appointment_id="+appts["A"], nil)
		if st != 200 || json.Unmarshal(raw, &eligA) != nil {
			return false
		}
		for _, d := range eligA.Deviations {
			if isElig(d) {
				return true
			}
		}
		return false
	})
	if _, n := dp.counts(); n == 0 {
		t.Fatal("no real-time 271 carried the deviation")
	}
	if eligA.Status != "active" || eligA.Mode != "realtime" {
		t.Errorf("tenant A's eligibility = %+v, want active in real time", eligA)
	}
	for _, d := range eligA.Deviations {
		if strings.Contains(d.Description+d.Where, "ZZ0000006") || strings.Contains(d.Description+d.Where, "TESTPATIENT") {
			t.Errorf("the eligibility deviation shows a value from the 271: %+v", d)
		}
	}
	st, raw := e.call(b.token, "GET", "/v1/dashboard/eligibility?appointment_id="+appts["A"], nil)
	stM, rawM := e.call(b.token, "GET", "/v1/dashboard/eligibility?appointment_id="+uuid.NewString(), nil)
	if st != 404 || stM != 404 || !sameProblem(raw, rawM) {
		t.Errorf("tenant B: A's eligibility = %d %s; a made-up appointment = %d %s; want the same 404", st, raw, stM, rawM)
	}
	var eligB eligibility
	testenv.WaitFor(t, 60*time.Second, "tenant B's eligibility", func() bool {
		st, raw := e.call(b.token, "GET", "/v1/dashboard/eligibility?appointment_id="+appts["B"], nil)
		return st == 200 && json.Unmarshal(raw, &eligB) == nil
	})
	if eligB.Deviations == nil || len(eligB.Deviations) != 0 {
		t.Errorf("tenant B's eligibility deviations = %+v, want an empty list", eligB.Deviations)
	}

	t.Run("browser", func(t *testing.T) {
		chromium, out := browserTest(t, "deviations", true)
		const password = "correct horse battery staple 1"
		u, secret, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: a.org, Kind: "staff", Login: "test-deviations-biller",
			DisplayName: "TEST DEVIATIONS BILLER", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []string{"biller", "front_desk"} { // front desk: appointment:read, for eligibility
			if err := e.m.Store.Grant(ctx, store.System, u.ID, a.org, role); err != nil {
				t.Fatal(err)
			}
		}
		bctx, stop := startChromium(t, ctx, chromium, 1280, 1400)
		defer stop()
		shot := func(name string) chromedp.Action { return screenshot(t, out, name) }
		run := func(what string, actions ...chromedp.Action) {
			t.Helper()
			sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
			defer cancel()
			if err := chromedp.Run(sctx, actions...); err != nil {
				fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
				defer cancel()
				var text string
				_ = chromedp.Run(fctx, shot("failed-"+strings.ReplaceAll(what, " ", "-")), chromedp.Evaluate(`document.body.innerText`, &text))
				t.Fatalf("%s: %v; the page says: %s", what, err, text)
			}
		}
		row := `[data-testid="deviations"] tr[data-testid="deviation"][data-code="IK4 I10"][data-segment-id="DTM"][data-element="3"]`
		run("sign in", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(`#login`, chromedp.ByID),
			sendKeys(`#login`, "test-deviations-biller", chromedp.ByID),
			sendKeys(`#password`, password, chromedp.ByID),
			sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
			chromedp.Click(`form button[type="submit"]`),
			chromedp.WaitVisible(`#claims-h`, chromedp.ByID))
		var claimPos, claimDesc string
		run("open the claim", chromedp.Navigate(e.base+"/#/claims/"+a.claim.ID), chromedp.WaitVisible(row),
			chromedp.Text(row+` [data-testid="deviation-position"]`, &claimPos),
			chromedp.Text(row+` [data-testid="deviation-description"]`, &claimDesc), shot("01-claim-deviations"))
		if !strings.HasPrefix(claimPos, "DTM03 at position") || claimDesc == "" {
			t.Errorf("claim panel: position %q, description %q", claimPos, claimDesc)
		}
		var eraPos string
		run("open the ERA", chromedp.Navigate(e.base+"/#/remittances/"+remID), chromedp.WaitVisible(`[data-testid="era-detail"]`),
			chromedp.WaitVisible(row), chromedp.Text(row+` [data-testid="deviation-position"]`, &eraPos), shot("02-era-deviations"))
		if eraPos != claimPos {
			t.Errorf("ERA panel position %q, claim panel %q", eraPos, claimPos)
		}
		// The 999's deviation on the claim it acknowledged.
		ackRow := `[data-testid="deviations"] tr[data-testid="deviation"][data-code="IK3 8"][data-segment-id="IK5"]`
		var ackPos string
		run("the 999 deviation on the claim", chromedp.Navigate(e.base+"/#/claims/"+a.claim.ID), chromedp.WaitVisible(ackRow),
			chromedp.Text(ackRow+` [data-testid="deviation-position"]`, &ackPos), shot("03-claim-999-deviation"))
		if !strings.HasPrefix(ackPos, "IK502 at position") {
			t.Errorf("claim panel 999 position %q", ackPos)
		}
		// The 271's deviation with the eligibility result.
		eligRow := `[data-testid="deviations"] tr[data-testid="deviation"][data-code="IK3 8"][data-segment-id="NM1"]`
		var eligPos, facts string
		run("the 271 deviation with the eligibility result", chromedp.Navigate(e.base+"/#/eligibility"), chromedp.WaitVisible(`#appt`, chromedp.ByID),
			sendKeys(`#appt`, appts["A"], chromedp.ByID), chromedp.Click(`form.filters button[type="submit"]`),
			chromedp.WaitVisible(`dl[aria-label="Latest eligibility check"]`), chromedp.Text(`dl[aria-label="Latest eligibility check"]`, &facts),
			chromedp.WaitVisible(eligRow), chromedp.Text(eligRow+` [data-testid="deviation-position"]`, &eligPos), shot("04-eligibility-deviation"))
		if !strings.HasPrefix(eligPos, "NM1") || !strings.Contains(eligPos, "loop 2100C") || !strings.Contains(facts, "active") {
			t.Errorf("eligibility view: position %q, facts %q", eligPos, facts)
		}
	})
}
