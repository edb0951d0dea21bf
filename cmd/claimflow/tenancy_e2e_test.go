package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// cliTenant is an organisation tree made as a new operator makes one:
// `claimflow users create-admin -token`.
type cliTenant struct {
	name, org, token string
	provider, payer  string
	claim            idOnly
}

func createTenantWithCLI(t *testing.T, e *e2e, name string) *cliTenant {
	t.Helper()
	var out, logs bytes.Buffer
	args := []string{"users", "create-admin", "-org", "TEST TENANT " + name, "-login", "tenant-" + strings.ToLower(name) + "-admin", "-token"}
	if code := run(context.Background(), args, env(e.vars), &out, &logs); code != 0 {
		t.Fatalf("claimflow %s = exit %d: %s", strings.Join(args, " "), code, logs.String())
	}
	org := regexp.MustCompile(`(?m)^organisation\s+(\S+)`).FindStringSubmatch(out.String())
	tok := regexp.MustCompile(`(?m)^API token\s+(\S+)`).FindStringSubmatch(out.String())
	if org == nil || tok == nil {
		t.Fatalf("create-admin printed no organisation or token")
	}
	return &cliTenant{name: name, org: org[1], token: tok[1]}
}

// as makes e's API calls act for tenant tn.
func (e *e2e) as(tn *cliTenant) { e.token, e.org = tn.token, tn.org }

// call is api for an answer that may be a refusal.
func (e *e2e) call(token, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.base+path, rd)
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

// TestTenantsEndToEnd (issue 14, tried as a new user would): two
// organisation trees made with the CLI bill the same payer (same payer ID)
// through the same clearinghouse account of the simulator; each one's
// claim is paid by an 835. Tenant B then sees its own remittance and none
// of A's remittances, claim payments, work items, claims or users, and
// cannot resolve A's work item (the answer a made-up ID gets). The routes
// the fully wired server mounts under /v1 are those the API's
// route-walking isolation test covers.
func TestTenantsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	a := createTenantWithCLI(t, e, "A")
	b := createTenantWithCLI(t, e, "B")
	for i, tn := range []*cliTenant{a, b} {
		e.as(tn)
		// Each bills under its own NPI. (No API or CLI sets a billing
		// profile yet: the store call is what the other end-to-end tests do.)
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
		tn.claim = e.claim(prov.ID, pay.ID, "TENANT"+tn.name, []string{"E11.9"}, line{"99213", 15000, 1})
	}
	e.waitStatus(a.claim.ID, workflows.StatusPaid)
	e.waitStatus(b.claim.ID, workflows.StatusPaid)

	type remList struct {
		Items []struct {
			ID          string `json:"id"`
			TraceNumber string `json:"trace_number"`
			Totals      struct {
				ClaimPayments int `json:"claim_payments"`
			} `json:"totals"`
		} `json:"items"`
		WorkQueue []struct {
			ID string `json:"id"`
		} `json:"work_queue"`
	}
	remittances := func(tn *cliTenant) remList {
		t.Helper()
		var r remList
		st, raw := e.call(tn.token, "GET", "/v1/dashboard/remittances", nil)
		if st != 200 || json.Unmarshal(raw, &r) != nil {
			t.Fatalf("tenant %s: remittances = %d %s", tn.name, st, raw)
		}
		return r
	}
	// The list carries each remittance's totals; its ERA view its claim
	// payments.
	eraClaims := func(tn *cliTenant, id string) []string {
		t.Helper()
		var era struct {
			Claims []struct {
				ClaimID string `json:"claim_id"`
			} `json:"claims"`
		}
		st, raw := e.call(tn.token, "GET", "/v1/dashboard/remittances/"+id, nil)
		if st != 200 || json.Unmarshal(raw, &era) != nil {
			t.Fatalf("tenant %s: remittance %s = %d %s", tn.name, id, st, raw)
		}
		var ids []string
		for _, c := range era.Claims {
			ids = append(ids, c.ClaimID)
		}
		return ids
	}
	remA, remB := remittances(a), remittances(b)
	if len(remA.Items) != 1 || remA.Items[0].Totals.ClaimPayments != 1 || !slices.Equal(eraClaims(a, remA.Items[0].ID), []string{a.claim.ID}) {
		t.Fatalf("tenant A's remittances = %+v, want the one paying its claim", remA.Items)
	}
	if len(remB.Items) != 1 || remB.Items[0].Totals.ClaimPayments != 1 || !slices.Equal(eraClaims(b, remB.Items[0].ID), []string{b.claim.ID}) {
		t.Errorf("tenant B's remittances = %+v, want only the one paying its own claim", remB.Items)
	}
	if len(remA.WorkQueue) == 0 {
		t.Fatalf("tenant A has no work item (its remittance waits for its deposit): nothing to protect")
	}
	secrets := []string{a.org, a.claim.ID, a.claim.PatientControlNumber, a.provider, a.payer, remA.Items[0].ID, remA.Items[0].TraceNumber, "TENANTA"}
	for _, it := range remA.WorkQueue {
		secrets = append(secrets, it.ID)
	}
	var aUsers struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if st, raw := e.call(a.token, "GET", "/v1/users", nil); st != 200 || json.Unmarshal(raw, &aUsers) != nil || len(aUsers.Items) < 2 {
		t.Fatalf("tenant A's users = %d %s", st, raw)
	}
	for _, u := range aUsers.Items {
		secrets = append(secrets, u.ID)
	}
	for _, path := range []string{"/v1/dashboard/remittances", "/v1/dashboard/remittances/work-queue", "/v1/dashboard/remittances/summary",
		"/v1/dashboard/claims", "/v1/claims", "/v1/users", "/v1/orgs", "/v1/payers", "/v1/providers", "/v1/patients", "/v1/audit",
		"/v1/dashboard/receivables", "/v1/dashboard/denials"} {
		st, raw := e.call(b.token, "GET", path, nil)
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("tenant B: GET %s (%d) carries tenant A's %q", path, st, s)
			}
		}
	}
	for _, it := range remA.WorkQueue {
		st, raw := e.call(b.token, "POST", "/v1/dashboard/remittances/work-queue/"+it.ID+"/resolve", map[string]any{"resolution": "not_ours"})
		stM, rawM := e.call(b.token, "POST", "/v1/dashboard/remittances/work-queue/"+uuid.NewString()+"/resolve", map[string]any{"resolution": "not_ours"})
		if st != 404 || stM != 404 || !sameProblem(raw, rawM) {
			t.Errorf("tenant B resolving A's work item = %d %s; a made-up ID = %d %s; want the same 404", st, raw, stM, rawM)
		}
	}
	if got := remittances(a); len(got.WorkQueue) != len(remA.WorkQueue) {
		t.Errorf("tenant A's work queue went from %d to %d items after B's attempts", len(remA.WorkQueue), len(got.WorkQueue))
	}

	// Payloads: tenant A's claim workflow input, posted to the codec by each
	// tenant's admin (who holds workflow:decode in its own tree): A reads
	// it, B gets it back still sealed with the codec's reason.
	ev, err := e.m.Temporal.GetWorkflowHistory(ctx, workflows.ClaimIDPrefix+a.claim.ID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).Next()
	if err != nil {
		t.Fatal(err)
	}
	input := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(input) != 1 || !payloadcodec.Sealed(input[0]) {
		t.Fatalf("tenant A's claim input in history = %v, want one sealed payload", input)
	}
	decode := func(tn *cliTenant) *commonpb.Payload {
		t.Helper()
		body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: input})
		req, _ := http.NewRequest("POST", e.base+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tn.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out commonpb.Payloads
		if resp.StatusCode != http.StatusOK || protojson.Unmarshal(raw, &out) != nil || len(out.Payloads) != 1 {
			t.Fatalf("tenant %s: /codec/decode = %d %s", tn.name, resp.StatusCode, raw)
		}
		return out.Payloads[0]
	}
	if p := decode(a); payloadcodec.Sealed(p) || !bytes.Contains(p.GetData(), []byte(a.claim.ID)) {
		t.Errorf("tenant A's admin did not get its own claim's input decoded: %v", p)
	}
	if p := decode(b); !payloadcodec.Sealed(p) || p.GetMetadata()[payloadcodec.MetadataRefused] == nil {
		t.Errorf("tenant B's admin got tenant A's claim input decoded: %v", p)
	}

	// The routes the wired server mounts under /v1 are the API's own (which
	// TestRouteIsolation walks and covers); anything else is not tenant data.
	own := map[string]bool{}
	bare := api.New(api.Options{Records: e.m.Store})
	bare.MountDashboard(api.Dashboard{})
	bare.MountImports(api.Imports{Records: e.m.Store})
	bare.MountImportSyncs(api.ImportSyncs{Records: e.m.Store})
	walk := func(r chi.Router, fn func(string)) {
		if err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			fn(method + " " + route)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	walk(bare.Router(), func(rt string) { own[rt] = true })
	// Outside /v1: the dashboard, probes, webhooks (signed by their
	// senders), the codec (per-tenant keys; TestCodecEndpointDecodesOnly-
	// TheCallersTenants, TestCodecAuthenticatesAccessTokens) and the OpenID
	// Connect provider's protocol endpoints, which hold no tenant's records
	// (identity's tests; a token of B still decodes none of A's payloads),
	// and the patient payment and appointment pages, reached only with a
	// sealed link for one statement or appointment (TestPayPage,
	// TestAppointmentPage).
	outside := regexp.MustCompile(`^[A-Z]+ (/|/assets/\*|/codec/\*|/oidc/\*|/webhooks/(twilio/sms|stripe)|/pay|/appointment|/healthz|/readyz|/metrics)$`)
	walk(e.m.API.Router(), func(rt string) {
		if !own[rt] && !outside.MatchString(rt) {
			t.Errorf("the wired server mounts %s, which no isolation test covers", rt)
		}
	})
}

// sameProblem compares two problem answers without their request-specific
// members.
func sameProblem(a, b []byte) bool {
	norm := func(raw []byte) string {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			return string(raw)
		}
		delete(m, "instance")
		delete(m, "request_id")
		out, _ := json.Marshal(m)
		return string(out)
	}
	return norm(a) == norm(b)
}
