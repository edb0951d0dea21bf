package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi/codes"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// appealWorld is the dashboard world with a second health system (another
// tenant) and a running claim worker on a real Temporal dev server.
type appealWorld struct {
	*world
	c                   client.Client
	other               store.Org
	otherAdmin          string
	otherProv           store.Provider
	otherPayer, payer30 store.Payer
}

func newAppealWorld(t *testing.T) *appealWorld {
	t.Helper()
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := &appealWorld{world: newDashboardWorld(t, TemporalClaims{Client: c}), c: c}
	ctx := context.Background()
	profile := store.BillingProfile{OrgID: w.root.ID, Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}
	require.NoError(t, w.store.PutBillingProfile(ctx, profile))
	_, err := w.store.PutPracticeBilling(ctx, store.System, w.facA.ID, rcm.BillingSetup{InheritFromParent: true})
	require.NoError(t, err)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/payers", map[string]any{"org_id": w.root.ID, "payer_id": "ZZPAYER30", "name": "TEST PAYER THIRTY", "clearinghouse": "local"}, &w.payer30)

	w.other, err = w.store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "OTHER TEST SYSTEM"})
	require.NoError(t, err)
	w.otherAdmin = w.token(w.other.ID, "other-admin", "admin")
	profile.OrgID, profile.Name, profile.NPI = w.other.ID, "OTHER TEST PRACTICE", "1234567893"
	require.NoError(t, w.store.PutBillingProfile(ctx, profile))
	w.mustCall(201, w.otherAdmin, "POST", "/v1/providers", map[string]any{"org_id": w.other.ID, "npi": "1234567893", "last_name": "TESTDOC OTHER", "taxonomy": "207Q00000X"}, &w.otherProv)
	w.mustCall(201, w.otherAdmin, "POST", "/v1/payers", map[string]any{"org_id": w.other.ID, "payer_id": "ZZPAYER9", "name": "OTHER TEST PAYER", "clearinghouse": "local"}, &w.otherPayer)

	// Filing limits by payer: the thirty-day payer's denials come due first.
	claims := &activities.ClaimStore{Records: w.store, DefaultFilingDays: 90, FilingDays: map[string]int{"ZZPAYER30": 30}}
	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.Register(wk, &activities.Activities{Claims: claims, Appeals: &activities.AppealLog{Records: w.store}})
	require.NoError(t, wk.Start())
	t.Cleanup(wk.Stop)
	return w
}

// deniedClaim creates a claim in org (through the API as admin), runs its
// workflow and drives it to a denial with CO-50 and N115 (appeal_pending).
func (w *appealWorld) deniedClaim(t *testing.T, admin, org string, prov store.Provider, payer store.Payer, last, member string) store.Claim {
	t.Helper()
	ctx := context.Background()
	var pat store.Patient
	var cov store.Coverage
	var enc store.Encounter
	var claim store.Claim
	w.mustCall(201, admin, "POST", "/v1/patients", map[string]any{"org_id": org, "first_name": "TESTPATIENT", "last_name": last,
		"birth_date": "1901-02-03", "sex": "U", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
	w.mustCall(201, admin, "POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payer.ID, "member_id": member,
		"relationship": "self", "priority": 1}, &cov)
	w.mustCall(201, admin, "POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": prov.ID, "coverage_id": cov.ID,
		"date_of_service": time.Now().AddDate(0, 0, -20).Format("2006-01-02"), "place_of_service": "11", "diagnoses": []string{"Z00.00"},
		"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 12500}}}, &enc)
	w.mustCall(201, admin, "POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &claim)
	wid := workflows.ClaimIDPrefix + claim.ID
	_, err := w.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: workflows.DefaultTaskQueue},
		workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: claim.ID})
	require.NoError(t, err)
	status := func() string {
		var c store.Claim
		w.mustCall(200, admin, "GET", "/v1/claims/"+claim.ID, nil, &c)
		return c.Status
	}
	testenv.WaitFor(t, 30*time.Second, "the claim to be ready", func() bool { return status() == "ready" })
	signal := func(name string, v any) { require.NoError(t, w.c.SignalWorkflow(ctx, wid, "", name, v)) }
	signal(workflows.SignalClaimSubmitted, workflows.SubmittedSignal{BatchID: "batch-" + last, InterchangeControl: "000000001", GroupControl: "1", TransactionControl: "0001"})
	signal(workflows.SignalClaimAck, workflows.AckSignal{Source: "999", Accepted: true, FileKey: "ack-" + claim.ID})
	signal(workflows.SignalClaimAck277CA, workflows.ClaimAckSignal{Accepted: true, PayerClaimNumber: "PAYERCLM" + last, FileKey: "ca-" + claim.ID})
	signal(workflows.SignalClaimRemit, workflows.RemitSignal{ClaimID: claim.ID, TraceNumber: "TRN" + last, FileKey: "era-" + claim.ID,
		ClaimStatusCode: "4", ChargeCents: 12500, PayerClaimNumber: "PAYERCLM" + last,
		Adjustments: []activities.Adjustment{{Group: "CO", Reason: "50", AmountCents: 12500}}, RARCs: []string{"N115"}})
	testenv.WaitFor(t, 30*time.Second, "the denial", func() bool { return status() == "appeal_pending" })
	w.mustCall(200, admin, "GET", "/v1/claims/"+claim.ID, nil, &claim)
	return claim
}

type appealList struct {
	Items []struct {
		ClaimID              string     `json:"claim_id"`
		Status               string     `json:"status"`
		PatientControlNumber string     `json:"patient_control_number"`
		PatientName          string     `json:"patient_name"`
		PatientMasked        bool       `json:"patient_masked"`
		PayerName            string     `json:"payer_name"`
		DateOfService        string     `json:"date_of_service"`
		BilledCents          int64      `json:"billed_cents"`
		OpenCents            int64      `json:"open_cents"`
		DenialCodes          []Code     `json:"denial_codes"`
		DenialRARCs          []Code     `json:"denial_rarcs"`
		Deadline             *time.Time `json:"deadline"`
		DaysLeft             *int       `json:"days_left"`
		Overdue              bool       `json:"overdue"`
		AppealLevel          int        `json:"appeal_level"`
		AppealState          string     `json:"appeal_state"`
		Letters              int        `json:"letters"`
	} `json:"items"`
}

// getPDF downloads a letter (raw bytes; the spec checks the answer).
func (w *appealWorld) getPDF(t *testing.T, tok, claimID, letterID string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", w.srv.URL+"/v1/claims/"+claimID+"/appeal-letters/"+letterID+".pdf", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := w.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// TestAppealsWorklistAndLetters (issue 16, appeals) over HTTP with the
// claim workflow on a real Temporal dev server: denied claims appear on
// the worklist with the workflow's filing deadline, soonest first; a
// letter generated from the claim carries the denial code explained, the
// reason and the PCN, is sealed, downloadable, listed and in the claim's
// timeline with the staff member's name; another tenant sees none of it;
// a user without patient:read cannot generate one; bad input answers 422
// naming the field; "Mark appeal filed" (the appeal decision) moves the
// row to filed.
func TestAppealsWorklistAndLetters(t *testing.T) {
	w := newAppealWorld(t)
	ctx := context.Background()
	before := time.Now()
	slow := w.deniedClaim(t, w.rootAdmin, w.facA.ID, w.provA, w.payer, "ALPHA", "ZZ0000001")   // 90 days to appeal
	soon := w.deniedClaim(t, w.rootAdmin, w.facA.ID, w.provA, w.payer30, "BRAVO", "ZZ0000002") // 30 days to appeal
	theirs := w.deniedClaim(t, w.otherAdmin, w.other.ID, w.otherProv, w.otherPayer, "OTHER", "ZZ0000009")
	after := time.Now()
	biller := w.token(w.facA.ID, "biller-appeals", "biller")

	// The worklist: both of facility A's denials, the thirty-day one first.
	var list appealList
	w.mustCall(200, biller, "GET", "/v1/dashboard/appeals", nil, &list)
	require.Len(t, list.Items, 2, "biller A's worklist")
	first, second := list.Items[0], list.Items[1]
	if first.ClaimID != soon.ID || second.ClaimID != slow.ID {
		t.Fatalf("worklist order = %s, %s; want the 30-day claim %s before the 90-day claim %s", first.ClaimID, second.ClaimID, soon.ID, slow.ID)
	}
	for _, c := range []struct {
		days int
		row  int
	}{{30, 0}, {90, 1}} {
		it := list.Items[c.row]
		lo, hi := before.Add(time.Duration(c.days)*24*time.Hour), after.Add(time.Duration(c.days)*24*time.Hour)
		if it.Deadline == nil || it.Deadline.Before(lo) || it.Deadline.After(hi) {
			t.Errorf("claim %s deadline = %v, want between %v and %v (the workflow's denial time + %d days)", it.ClaimID, it.Deadline, lo, hi, c.days)
		}
		if it.DaysLeft == nil || *it.DaysLeft != c.days-1 || it.Overdue {
			t.Errorf("claim %s days left = %v overdue %v, want %d (a deadline %d days less a few seconds away)", it.ClaimID, it.DaysLeft, it.Overdue, c.days-1, c.days)
		}
		if it.Status != "appeal_pending" || it.AppealState != "not_filed" || it.AppealLevel != 0 || it.BilledCents != 12500 || it.OpenCents != 12500 {
			t.Errorf("row = %+v", it)
		}
		if len(it.DenialCodes) != 1 || it.DenialCodes[0].Code != "CO-50" || it.DenialCodes[0].Description != codes.PaymentCode("CO-50") || it.DenialCodes[0].Description == "" {
			t.Errorf("denial codes = %+v, want CO-50 explained", it.DenialCodes)
		}
		if len(it.DenialRARCs) != 1 || it.DenialRARCs[0].Code != "N115" || it.DenialRARCs[0].Description == "" {
			t.Errorf("remarks = %+v, want N115 explained", it.DenialRARCs)
		}
		if it.PatientMasked || !strings.HasPrefix(it.PatientName, "TESTPATIENT ") || it.DateOfService != time.Now().AddDate(0, 0, -20).Format("2006-01-02") {
			t.Errorf("patient %q masked %v, service %s", it.PatientName, it.PatientMasked, it.DateOfService)
		}
	}
	// Filters: deadline within 45 days keeps the thirty-day claim only;
	// the payer filter the ninety-day one; appealed claims none yet.
	w.mustCall(200, biller, "GET", "/v1/dashboard/appeals?within_days=45", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ClaimID != soon.ID {
		t.Errorf("within 45 days = %+v, want only %s", list.Items, soon.ID)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/appeals?payer_id="+w.payer.ID, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ClaimID != slow.ID {
		t.Errorf("payer filter = %+v, want only %s", list.Items, slow.ID)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/appeals?status=appealed", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("appealed = %+v, want none yet", list.Items)
	}
	for _, q := range []struct{ query, param string }{{"within_days=-1", "within_days"}, {"within_days=soon", "within_days"}, {"status=paid", "status"}} {
		var p Problem
		w.mustCall(422, biller, "GET", "/v1/dashboard/appeals?"+q.query, nil, &p)
		if len(p.Errors) != 1 || p.Errors[0].Parameter != q.param {
			t.Errorf("%s: problem = %+v, want one naming %s", q.query, p, q.param)
		}
	}

	// A user who may act on claims but not read patients: masked rows, no letter.
	_, err := w.store.Pool.Exec(ctx, `INSERT INTO role_permissions (role, permission) VALUES ('test_claims_clerk', 'claim:read'), ('test_claims_clerk', 'claim:write')`)
	require.NoError(t, err)
	clerk := w.token(w.facA.ID, "clerk-appeals", "test_claims_clerk")
	w.mustCall(200, clerk, "GET", "/v1/dashboard/appeals", nil, &list)
	if len(list.Items) != 2 || !list.Items[0].PatientMasked || list.Items[0].PatientName != "" {
		t.Errorf("clerk's worklist = %+v, want both rows with the patient masked", list.Items)
	}
	var forbidden Problem
	w.mustCall(403, clerk, "POST", "/v1/claims/"+soon.ID+"/appeal-letter", map[string]any{"reason": "medically necessary"}, &forbidden)
	if !strings.Contains(forbidden.Detail, "patient:read") {
		t.Errorf("403 detail = %q, want it to name patient:read", forbidden.Detail)
	}

	// Bad input names the field.
	for _, c := range []struct {
		body map[string]any
		ptr  string
	}{
		{map[string]any{"contact_name": "BILLING"}, "/reason"},
		{map[string]any{"reason": "   "}, "/reason"},
		{map[string]any{"reason": strings.Repeat("x", rcm.MaxAppealReason+1)}, "/reason"},
		{map[string]any{"reason": "ok", "contact_name": strings.Repeat("y", rcm.MaxAppealContactName+1)}, "/contact_name"},
	} {
		var p Problem
		w.mustCall(422, biller, "POST", "/v1/claims/"+soon.ID+"/appeal-letter", c.body, &p)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != c.ptr {
			t.Errorf("%v: problem = %+v, want one naming %s", c.body, p, c.ptr)
		}
	}

	// The letter.
	reason := "The visit was medically necessary per the enclosed notes"
	var letter rcm.AppealLetter
	w.mustCall(201, biller, "POST", "/v1/claims/"+soon.ID+"/appeal-letter",
		map[string]any{"reason": reason, "contact_name": "TEST CONTACT", "attachments_note": "Visit notes, 2 pages"}, &letter)
	if letter.ClaimID != soon.ID || letter.CreatedByName != "biller-appeals" || letter.Reason != reason || letter.Bytes == 0 {
		t.Errorf("letter = %+v", letter)
	}
	status, ctype, pdf := w.getPDF(t, biller, soon.ID, letter.ID)
	if status != 200 || ctype != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) != letter.Bytes {
		t.Fatalf("download = %d %s, %d bytes (want %d)", status, ctype, len(pdf), letter.Bytes)
	}
	desc := codes.PaymentCode("CO-50")
	descStart := strings.Join(strings.Fields(desc)[:4], " ") // the first words stay on the description's first line
	for _, want := range []string{"CO-50", descStart, "N115", reason, soon.PatientControlNumber, "PAYERCLMBRAVO", "ZZ0000002",
		"1901-02-03", "TESTPATIENT BRAVO", "TEST PAYER THIRTY", "TEST PRACTICE", "1245319599", "000000001", "125.00", "TEST CONTACT", "biller-appeals"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the letter's PDF lacks %q", want)
		}
	}
	// Sealed at rest: neither the reason nor the PCN is in the stored row.
	var rawPDF, rawReason []byte
	require.NoError(t, w.store.Pool.QueryRow(ctx, `SELECT pdf, reason FROM appeal_letters WHERE id = $1`, letter.ID).Scan(&rawPDF, &rawReason))
	if bytes.Contains(rawPDF, []byte(soon.PatientControlNumber)) || bytes.Contains(rawPDF, []byte("%PDF")) || bytes.Contains(rawReason, []byte("medically")) {
		t.Error("the stored letter is not sealed")
	}

	var letters List[rcm.AppealLetter]
	w.mustCall(200, biller, "GET", "/v1/claims/"+soon.ID+"/appeal-letters", nil, &letters)
	if len(letters.Items) != 1 || letters.Items[0].ID != letter.ID || letters.Items[0].Reason != reason {
		t.Errorf("letters = %+v", letters.Items)
	}
	var tl struct {
		Steps []Step `json:"steps"`
	}
	w.mustCall(200, biller, "GET", "/v1/claims/"+soon.ID+"/timeline", nil, &tl)
	found := false
	for _, s := range tl.Steps {
		if s.Kind == rcm.EventAppealLetter && s.Summary == "appeal letter generated by biller-appeals" {
			found = true
		}
	}
	if !found {
		t.Errorf("timeline steps = %+v, want the appeal letter with the staff member's name", tl.Steps)
	}
	// The clerk sees the letter listed without its reason, and cannot download it.
	w.mustCall(200, clerk, "GET", "/v1/claims/"+soon.ID+"/appeal-letters", nil, &letters)
	if len(letters.Items) != 1 || letters.Items[0].Reason != "" {
		t.Errorf("clerk's letters = %+v, want the letter without its reason", letters.Items)
	}
	if status, _, _ := w.getPDF(t, clerk, soon.ID, letter.ID); status != 403 {
		t.Errorf("clerk's download = %d, want 403", status)
	}
	// A letter is found only under its own claim.
	if status, _, _ := w.getPDF(t, biller, slow.ID, letter.ID); status != 404 {
		t.Errorf("the letter under another claim = %d, want 404", status)
	}

	// The other tenant: its own row only; facility A's claim and letter do not exist.
	w.mustCall(200, w.otherAdmin, "GET", "/v1/dashboard/appeals", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ClaimID != theirs.ID {
		t.Errorf("other tenant's worklist = %+v, want only its claim %s", list.Items, theirs.ID)
	}
	w.mustCall(404, w.otherAdmin, "GET", "/v1/claims/"+soon.ID+"/appeal-letters", nil, nil)
	w.mustCall(404, w.otherAdmin, "POST", "/v1/claims/"+soon.ID+"/appeal-letter", map[string]any{"reason": "not theirs"}, nil)
	if status, _, body := w.getPDF(t, w.otherAdmin, soon.ID, letter.ID); status != 404 || bytes.Contains(body, []byte("%PDF")) {
		t.Errorf("other tenant's download = %d, want 404", status)
	}
	// And facility A sees nothing of the other tenant.
	w.mustCall(404, biller, "GET", "/v1/claims/"+theirs.ID+"/appeal-letters", nil, nil)

	// "Mark appeal filed" is the appeal decision: the row moves to filed.
	w.mustCall(202, biller, "POST", "/v1/claims/"+soon.ID+"/decisions", map[string]any{"action": "appeal", "note": reason}, nil)
	testenv.WaitFor(t, 30*time.Second, "the appeal to be filed", func() bool {
		w.mustCall(200, biller, "GET", "/v1/dashboard/appeals?status=appealed", nil, &list)
		return len(list.Items) == 1
	})
	it := list.Items[0]
	if it.ClaimID != soon.ID || it.AppealState != "filed" || it.AppealLevel != 1 || it.Letters != 1 || it.Deadline == nil {
		t.Errorf("filed row = %+v", it)
	}
}
