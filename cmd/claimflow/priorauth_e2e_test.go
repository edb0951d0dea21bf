package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// apiAs calls the API with another token and returns the status and body.
func (e *e2e) apiAs(token, method, path string, body any) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestEndToEndPriorAuthorization (issue 19) plays prior authorization
// through the API, the worker, the real Temporal dev server and the
// clearinghouse simulator's real-time 278 endpoint, as billing staff
// would: the payer's rules are set through the API; booking a visit whose
// service needs an authorization answers with a warning; an authorization
// the payer pends is followed up and approved, and the claim for that
// service carries its number in REF*G1 (read back from the 837 the claim
// went out in) and is paid; a claim for a service with no authorization is
// held with the reason; a denied request ends denied; a second tenant sees
// none of it.
func TestEndToEndPriorAuthorization(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true, map[string]string{"CLAIMFLOW_AUTH_FOLLOWUP": "1s"})
	ctx := context.Background()
	if err := e.payer.SetAuthorizations([]payer.AuthRule{
		{Name: "lumbar MRI to a nurse reviewer", Procedures: []string{"72148"}, Action: "pend", Units: 2},
		{Name: "experimental", Procedures: []string{"22867"}, Action: "deny", Reason: "35"},
	}); err != nil {
		t.Fatal(err)
	}
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	var rules rcm.AuthRules
	e.api("PUT", "/v1/payers/"+pay.ID+"/auth-rules", map[string]any{"rules": []map[string]any{
		{"from": "70551", "to": "70553", "note": "advanced imaging"}, {"from": "72148"}, {"from": "22867"}}}, &rules)
	if len(rules.Rules) != 3 || rules.Rules[0].To != "70553" {
		t.Fatalf("auth rules = %+v", rules)
	}

	patient := func(name string) (idOnly, idOnly) {
		var pat, cov idOnly
		e.api("POST", "/v1/patients", map[string]any{"org_id": e.org, "first_name": "TESTPATIENT", "last_name": name,
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
		e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": pay.ID, "member_id": "ZZ0000006",
			"relationship": "self", "priority": 1}, &cov)
		return pat, cov
	}
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	claimFor := func(pat, cov idOnly, code string, units int, cents int64) idOnly {
		var enc, c idOnly
		e.api("POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": prov.ID, "coverage_id": cov.ID, "date_of_service": dos,
			"place_of_service": "11", "diagnoses": []string{"M54.50"},
			"charges": []map[string]any{{"code": code, "diagnosis_pointers": []int{1}, "units": units, "amount_cents": cents}}}, &enc)
		e.api("POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &c)
		return c
	}
	requestAuth := func(pat, cov idOnly, code string) rcm.Authorization {
		var a rcm.Authorization
		e.api("POST", "/v1/authorizations", map[string]any{"patient_id": pat.ID, "coverage_id": cov.ID, "provider_id": prov.ID,
			"codes": []string{code}, "diagnoses": []string{"M54.50"}, "units": 2,
			"service_from": time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly), "service_to": time.Now().UTC().AddDate(0, 0, 40).Format(time.DateOnly)}, &a)
		if a.Status != rcm.AuthRequested || a.Trace == "" {
			t.Fatalf("new authorization = %+v", a)
		}
		return a
	}
	waitAuth := func(id, status string) rcm.Authorization {
		var a rcm.Authorization
		testenv.WaitFor(t, 60*time.Second, "authorization "+id+" to be "+status, func() bool {
			e.api("GET", "/v1/authorizations/"+id, nil, &a)
			return a.Status == status
		})
		return a
	}

	// Booking a lumbar MRI visit before any authorization: booked, with a warning.
	alpha, alphaCov := patient("ALPHA")
	at := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Hour)
	var booked struct {
		ID       string   `json:"id"`
		Status   string   `json:"status"`
		Warnings []string `json:"warnings"`
	}
	e.api("POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": alpha.ID, "visit_type": "follow_up",
		"starts_at": at.Format(time.RFC3339), "ends_at": at.Add(30 * time.Minute).Format(time.RFC3339), "procedure_codes": []string{"72148"}}, &booked)
	const warn = "prior authorization required by TEST PAYER for 72148: no authorization is on file"
	if booked.Status != "booked" || len(booked.Warnings) != 1 || booked.Warnings[0] != warn {
		t.Errorf("booking = %+v; want booked with the warning %q", booked, warn)
	}

	// The payer pends the review; the workflow follows up and it is approved.
	auth := requestAuth(alpha, alphaCov, "72148")
	approved := waitAuth(auth.ID, rcm.AuthApproved)
	if approved.Decision != "A1" || approved.Number == "" || approved.ApprovedUnits != 2 || approved.ApprovedFrom != auth.ServiceFrom || approved.ApprovedTo != auth.ServiceTo {
		t.Errorf("approved = %+v; want A1 with a number, 2 units, the requested dates", approved)
	}
	v, err := e.m.Temporal.QueryWorkflow(ctx, workflows.PriorAuthIDPrefix+auth.ID, "", workflows.QueryPriorAuthState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.PriorAuthState
	if err := v.Get(&st); err != nil || st.Attempts != 2 || st.Number != approved.Number {
		t.Errorf("workflow state = %+v (%v); want 2 attempts (pended, then approved) with the number", st, err)
	}

	// The claim for the authorized service goes out with REF*G1 and is paid.
	paid := claimFor(alpha, alphaCov, "72148", 1, 90000)
	e.waitStatus(paid.ID, "paid")
	var raw struct {
		Segments []string `json:"segments"`
	}
	e.api("GET", "/v1/claims/"+paid.ID+"/edi?kind=837&n=0&reveal=true", nil, &raw)
	if !slices.Contains(raw.Segments, "REF*G1*"+approved.Number+"~") && !slices.Contains(raw.Segments, "REF*G1*"+approved.Number) {
		t.Errorf("the claim's 837 loop 2300 = %q; want REF*G1*%s", raw.Segments, approved.Number)
	}
	e.api("GET", "/v1/authorizations/"+auth.ID, nil, &approved)
	if approved.UsedUnits != 1 {
		t.Errorf("used units = %d, want 1 (the paid claim's)", approved.UsedUnits)
	}
	// Booking another lumbar MRI visit now: no warning.
	var again struct {
		Warnings []string `json:"warnings"`
	}
	e.api("POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": alpha.ID, "visit_type": "follow_up",
		"starts_at": at.Add(24 * time.Hour).Format(time.RFC3339), "ends_at": at.Add(24*time.Hour + 30*time.Minute).Format(time.RFC3339),
		"procedure_codes": []string{"72148"}}, &again)
	if len(again.Warnings) != 0 {
		t.Errorf("booking under the approved authorization warned: %q", again.Warnings)
	}
	// A claim for 2 more units would pass the 2 approved: held as used up.
	over := claimFor(alpha, alphaCov, "72148", 2, 180000)
	overState := e.waitStatus(over.ID, "scrub_failed")
	usedUp := "prior authorization required by TEST PAYER for 72148: authorization " + approved.Number + " is used up (1 of 2 units)"
	if !slices.Contains(overState.Problems, usedUp) {
		t.Errorf("over-units claim problems = %q; want %q", overState.Problems, usedUp)
	}

	// A claim for advanced imaging with no authorization is held with the reason.
	beta, betaCov := patient("BETA")
	held := claimFor(beta, betaCov, "70553", 1, 120000)
	hs := e.waitStatus(held.ID, "scrub_failed")
	const reason = "prior authorization required by TEST PAYER for 70553: no authorization is on file"
	if !slices.Contains(hs.Problems, reason) {
		t.Errorf("held claim problems = %q; want %q", hs.Problems, reason)
	}

	// The payer denies the experimental procedure.
	denied := waitAuth(requestAuth(beta, betaCov, "22867").ID, rcm.AuthDenied)
	if denied.Decision != "A3" || denied.Reason != "35" || denied.Number != "" {
		t.Errorf("denied = %+v; want A3 reason 35 without a number", denied)
	}

	// The list shows both; a second tenant sees none of it.
	var list struct {
		Items []rcm.Authorization `json:"items"`
	}
	e.api("GET", "/v1/authorizations", nil, &list)
	if len(list.Items) != 2 {
		t.Errorf("authorizations listed = %d, want 2", len(list.Items))
	}
	org2, err := e.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "OTHER HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	u2, _, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: org2.ID, Kind: "system", Login: "e2e-other", DisplayName: "OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, u2.ID, org2.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	tok2, err := e.m.Store.CreateAPIToken(ctx, store.System, u2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.apiAs(tok2, "GET", "/v1/authorizations", nil); code != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("second tenant's list = %d %s; want an empty list", code, body)
	}
	for _, p := range []string{"/v1/authorizations/" + auth.ID, "/v1/payers/" + pay.ID + "/auth-rules"} {
		if code, _ := e.apiAs(tok2, "GET", p, nil); code != http.StatusNotFound {
			t.Errorf("second tenant GET %s = %d, want 404", p, code)
		}
	}
	if code, body := e.apiAs(tok2, "POST", "/v1/authorizations", map[string]any{"patient_id": alpha.ID, "coverage_id": alphaCov.ID, "provider_id": prov.ID,
		"codes": []string{"72148"}, "diagnoses": []string{"M54.50"}, "units": 1, "service_from": dos, "service_to": dos}); code != 422 || !strings.Contains(string(body), "/patient_id") {
		t.Errorf("second tenant requesting for the first's patient = %d %s; want 422 naming /patient_id", code, body)
	}
}
