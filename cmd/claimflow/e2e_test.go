package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/archive/archivetest"
	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// e2e is one end-to-end run's world: a real Temporal dev server, Postgres,
// versitygw (the archive), the clearinghouse simulator with its
// adjudicating payer over real SFTP, and claimflow's API and worker.
type e2e struct {
	t     testing.TB
	vars  map[string]string // the environment of claimflow processes
	m     *Main
	sim   *sim.Server
	payer *payer.Adjudicator
	token string
	base  string
	org   string
}

const simRules = `{
  "payer": {"name": "TEST PAYER", "id": "ZZPAYER1", "tin": "999999999",
    "address": {"line1": "1 PAYER WAY", "city": "TESTVILLE", "state": "ZZ", "zip": "00001"},
    "contact": "EDI", "phone": "5550100000", "claimControlPrefix": "ZZCLM", "tracePrefix": "ZZEFT"},
  "delay": "1s",
  "filingLimitDays": 365,
  "feeSchedule": {"99213": "90.00", "97140": "40.00", "36415": "5.00"},
  "members": {"ZZ0000006": {"lastName": "TESTPATIENT", "firstName": "ONE", "plan": "TEST PLAN", "deductible": "0"},
              "ZZ0000007": {"lastName": "TESTPATIENT", "firstName": "TWO", "plan": "TEST PLAN", "deductible": "0", "coinsurancePercent": 20},
              "ZZ0000030": {"lastName": "TESTPATIENT", "firstName": "COB", "plan": "TEST PLAN", "deductible": "0", "coinsurancePercent": 20},
              "ZZ0000031": {"lastName": "TESTPATIENT", "firstName": "COB", "plan": "SECOND PLAN", "deductible": "0"},
              "ZZ0000032": {"lastName": "TESTPATIENT", "firstName": "CROSS", "plan": "TEST PLAN", "deductible": "0", "coinsurancePercent": 20,
                            "crossover": {"payerName": "SECOND TEST PAYER", "payerId": "ZZPAYER2", "memberId": "ZZ0000033", "delay": "4s"}},
              "ZZ0000033": {"lastName": "TESTPATIENT", "firstName": "CROSS", "plan": "SECOND PLAN", "deductible": "0"}},
  "payerFeeSchedules": {"ZZPAYER2": {"99213": "85.00"}},
  "require": ["subscriberBirthDate"],
  "denials": [
    {"name": "medical necessity", "procedures": ["97140"], "group": "CO", "reason": "50", "remarks": ["N115"]},
    {"name": "bundled", "procedures": ["36415"], "group": "CO", "reason": "97", "remarks": ["N20"]},
    {"name": "unspecified diagnosis", "diagnoses": ["R69"], "group": "CO", "reason": "16", "remarks": ["M76"]}
  ]
}`

// newE2E starts the world; extra adds to (or overrides) claimflow's
// environment.
func newE2E(t testing.TB, inProcessWorker bool, extra ...map[string]string) *e2e {
	t.Helper()
	return newE2EWith(t, inProcessWorker, nil, extra...)
}

// newE2EWith is newE2E with the simulator's responder made by wrap from
// the adjudicating payer (nil: the payer itself), e.g. one that alters
// the files the payer sends.
func newE2EWith(t testing.TB, inProcessWorker bool, wrap func(*payer.Adjudicator) sim.Responder, extra ...map[string]string) *e2e {
	t.Helper()
	ctx := context.Background()
	e := &e2e{t: t}
	dev := testenv.DevServer(t)
	s3 := archivetest.StartS3(t)
	stripeAddr := startStripeMock(t)

	// The simulated clearinghouse and payer.
	cfg, err := payer.ParseConfig([]byte(simRules))
	if err != nil {
		t.Fatal(err)
	}
	if e.payer, err = payer.New(cfg, payer.Options{}); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "client_key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	var responder sim.Responder = e.payer
	if wrap != nil {
		responder = wrap(e.payer)
	}
	if e.sim, err = sim.New(sim.Config{DataDir: t.TempDir(), Responder: responder, Tick: 200 * time.Millisecond,
		Users: []sim.User{{Name: "claimflow", AuthorizedKeys: []ssh.PublicKey{sshPub}, Password: "pw"}}}); err != nil {
		t.Fatal(err)
	}
	addr, err := e.sim.ListenSFTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.sim.Close() })
	rt := httptest.NewServer(e.sim.RealTimeHandler())
	t.Cleanup(rt.Close)
	partners, _ := json.Marshal([]map[string]any{{"id": "sim", "addr": addr, "user": "claimflow", "private_key_file": keyFile,
		"host_key": e.sim.HostKeyLine(), "outbound_dir": "/upload", "inbound_dir": "/download", "timeout": "5s",
		"realtime": map[string]any{"url": rt.URL, "sender_id": "ZZSUBMIT1", "receiver_id": "SIM", "username": "claimflow",
			"password_env": "E2E_SIM_REALTIME_PASSWORD", "timeout": "5s"}}})
	partnersFile := filepath.Join(dir, "clearinghouses.json")
	if err := os.WriteFile(partnersFile, partners, 0o600); err != nil {
		t.Fatal(err)
	}

	e.vars = map[string]string{
		"DATABASE_URL":              testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":          dev.FrontendHostPort(),
		"CLAIMFLOW_HTTP_ADDR":       "127.0.0.1:0",
		"CLAIMFLOW_DATA_DIR":        t.TempDir(),
		"CLAIMFLOW_S3_ENDPOINT":     s3.Endpoint,
		"CLAIMFLOW_S3_ACCESS_KEY":   s3.AccessKey,
		"CLAIMFLOW_S3_SECRET_KEY":   s3.SecretKey,
		"CLAIMFLOW_CLEARINGHOUSES":  partnersFile,
		"CLAIMFLOW_BATCH_EVERY":     "2s",
		"CLAIMFLOW_POLL_EVERY":      "1s",
		"CLAIMFLOW_ISA_USAGE":       "T",
		"CLAIMFLOW_STRIPE_API_BASE": "http://" + stripeAddr,
		"CLAIMFLOW_SMTP_ADDR":       "127.0.0.1:1", // no mail server in these tests: notices retry
		"CLAIMFLOW_LOG_LEVEL":       "warn",
		"E2E_SIM_REALTIME_PASSWORD": "pw",
	}
	for _, x := range extra {
		for k, v := range x {
			e.vars[k] = v
		}
	}
	e.m, err = NewMain(env(e.vars), testenv.LogFile(t, "claimflow"))
	if err != nil {
		t.Fatal(err)
	}
	e.m.Serve, e.m.Work = true, inProcessWorker
	runCtx, stop := context.WithCancel(ctx)
	if err := e.m.Open(runCtx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.m.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		e.m.Close()
	})
	e.base = "http://" + e.m.Addr()

	// An organisation, its billing profile and an admin's API token.
	org, err := e.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	e.org = org.ID
	u, _, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: "e2e-admin", DisplayName: "E2E"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, u.ID, org.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if e.token, err = e.m.Store.CreateAPIToken(ctx, store.System, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.PutBillingProfile(ctx, store.BillingProfile{OrgID: org.ID, Name: "TEST HEALTH", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// api calls the records API and decodes the answer into out.
func (e *e2e) api(method, path string, body, out any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

type idOnly struct {
	ID                   string `json:"id"`
	PatientControlNumber string `json:"patient_control_number"`
}

type line struct {
	code  string
	cents int64
	diag  int
}

// claim creates, through the API, a patient, coverage, encounter and claim.
func (e *e2e) claim(provider, payerID, name string, diags []string, lines ...line) idOnly {
	return e.claimFor("ZZ0000006", provider, payerID, name, diags, lines...)
}

func (e *e2e) claimFor(member, provider, payerID, name string, diags []string, lines ...line) idOnly {
	e.t.Helper()
	var pat, cov, enc, c idOnly
	e.api("POST", "/v1/patients", map[string]any{"org_id": e.org, "first_name": "TESTPATIENT", "last_name": name,
		"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
	e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": payerID, "member_id": member,
		"relationship": "self", "priority": 1}, &cov)
	var charges []map[string]any
	for _, l := range lines {
		charges = append(charges, map[string]any{"code": l.code, "diagnosis_pointers": []int{l.diag}, "units": 1, "amount_cents": l.cents})
	}
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	e.api("POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": provider, "date_of_service": dos,
		"place_of_service": "11", "diagnoses": diags, "charges": charges}, &enc)
	e.api("POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &c)
	return c
}

func (e *e2e) state(id string) workflows.ClaimState {
	e.t.Helper()
	v, err := e.m.Temporal.QueryWorkflow(context.Background(), workflows.ClaimIDPrefix+id, "", workflows.QueryClaimState)
	if err != nil {
		return workflows.ClaimState{}
	}
	var st workflows.ClaimState
	_ = v.Get(&st)
	return st
}

func (e *e2e) waitStatus(id, status string) workflows.ClaimState {
	e.t.Helper()
	var st workflows.ClaimState
	testenv.WaitFor(e.t, 90*time.Second, "claim "+id+" to be "+status, func() bool {
		st = e.state(id)
		return st.Status == status
	})
	return st
}

func (e *e2e) decide(id string, d workflows.Decision) {
	e.t.Helper()
	ctx := context.Background()
	h, err := e.m.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ClaimIDPrefix + id,
		UpdateName: workflows.UpdateClaimDecide, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{d}})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		e.t.Fatalf("decide %s on %s: %v", d.Action, id, err)
	}
}

// posted sums what was posted for a claim, by adjustment.
func (e *e2e) posted(claimID string) (paid int64, adj map[string]int64) {
	e.t.Helper()
	ctx := context.Background()
	adj = map[string]int64{}
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT coalesce(sum(paid_cents), 0) FROM claim_payments WHERE claim_id = $1", claimID).Scan(&paid); err != nil {
		e.t.Fatal(err)
	}
	rows, err := e.m.Store.Pool.Query(ctx, `SELECT a.group_code || '-' || a.reason, sum(a.amount_cents)
		FROM claim_adjustments a JOIN claim_payments p USING (remittance_id, seq) WHERE p.claim_id = $1 GROUP BY 1`, claimID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			e.t.Fatal(err)
		}
		adj[k] = v
	}
	return paid, adj
}

// TestEndToEndClaims: claims created through the API travel the whole
// lifecycle against the clearinghouse simulator — 837 batch over SFTP,
// 999, 277CA, 835 — and end paid, partially paid, denied (written off by
// staff) and appealed, each with the postings the payer's rules dictate.
func TestEndToEndClaims(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)

	paid := e.claim(prov.ID, pay.ID, "PAID", []string{"E11.9"}, line{"99213", 15000, 1})
	partial := e.claim(prov.ID, pay.ID, "PARTIAL", []string{"E11.9"}, line{"99213", 15000, 1}, line{"97140", 8000, 1})
	denied := e.claim(prov.ID, pay.ID, "DENIED", []string{"R69"}, line{"99213", 15000, 1})
	appealed := e.claim(prov.ID, pay.ID, "APPEALED", []string{"E11.9"}, line{"36415", 2500, 1})
	coins := e.claimFor("ZZ0000007", prov.ID, pay.ID, "COINSURED", []string{"E11.9"}, line{"99213", 15000, 1})

	// Paid: allowed 90.00 of 150.00, CO-45 60.00.
	e.waitStatus(paid.ID, workflows.StatusPaid)
	if p, adj := e.posted(paid.ID); p != 9000 || adj["CO-45"] != 6000 || len(adj) != 1 {
		t.Errorf("paid claim: paid %d, adjustments %v; want 9000 and CO-45 6000", p, adj)
	}
	// Partially paid: 99213 paid 90.00 (CO-45 60.00), 97140 denied CO-50 80.00.
	e.waitStatus(partial.ID, workflows.StatusPartiallyPaid)
	if p, adj := e.posted(partial.ID); p != 9000 || adj["CO-45"] != 6000 || adj["CO-50"] != 8000 {
		t.Errorf("partial claim: paid %d, adjustments %v", p, adj)
	}
	// Denied CO-16 (correctable): staff write it off.
	st := e.waitStatus(denied.ID, workflows.StatusNeedsCorrection)
	if st.Denial == nil || st.Denial.Category != workflows.DenialCorrectable || st.Denial.Codes[0] != "CO-16" {
		t.Errorf("denied claim: %+v", st.Denial)
	}
	if p, adj := e.posted(denied.ID); p != 0 || adj["CO-16"] != 15000 {
		t.Errorf("denied claim: paid %d, adjustments %v", p, adj)
	}
	e.decide(denied.ID, workflows.Decision{Action: workflows.ActionWriteOff, User: "e2e-biller", Note: "diagnosis cannot be specified"})
	e.waitStatus(denied.ID, workflows.StatusWrittenOff)
	// Denied CO-97 (bundled, appealable): staff appeal.
	st = e.waitStatus(appealed.ID, workflows.StatusAppealPending)
	if st.Denial == nil || st.Denial.Category != workflows.DenialAppealable || st.Deadline.IsZero() {
		t.Errorf("appealable claim: %+v deadline %v", st.Denial, st.Deadline)
	}
	e.decide(appealed.ID, workflows.Decision{Action: workflows.ActionAppeal, User: "e2e-biller", Note: "separately identifiable service"})
	e.waitStatus(appealed.ID, workflows.StatusAppealed)
	var appeals int
	if err := e.m.Store.Pool.QueryRow(context.Background(), "SELECT count(*) FROM claim_appeals WHERE claim_id = $1", appealed.ID).Scan(&appeals); err != nil || appeals != 1 {
		t.Errorf("appeals recorded = %d (%v), want 1", appeals, err)
	}

	// The claims' statuses and histories are in Postgres too.
	for id, want := range map[string]string{paid.ID: workflows.StatusPaid, partial.ID: workflows.StatusPartiallyPaid,
		denied.ID: workflows.StatusWrittenOff, appealed.ID: workflows.StatusAppealed} {
		var got string
		if err := e.m.Store.Pool.QueryRow(context.Background(), "SELECT status FROM claims WHERE id = $1", id).Scan(&got); err != nil || got != want {
			t.Errorf("claim %s status in Postgres = %q (%v), want %q", id, got, err, want)
		}
	}
	// Co-insurance: paid 72.00, PR-2 18.00, CO-45 60.00; the patient's
	// 18.00 goes to billing as a statement.
	e.waitStatus(coins.ID, workflows.StatusPaid)
	if p, adj := e.posted(coins.ID); p != 7200 || adj["PR-2"] != 1800 || adj["CO-45"] != 6000 {
		t.Errorf("co-insured claim: paid %d, adjustments %v", p, adj)
	}
	testenv.WaitFor(t, 30*time.Second, "the patient's statement", func() bool {
		it, err := e.m.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'PatientStatement'"})
		return err == nil && len(it.Executions) == 1
	})
	// The workflow is listed before its first activity writes the
	// statement row: wait for the row, not only the workflow (issue 22:
	// read at once, it failed under load with "no rows in result set").
	var stmtCents int64
	testenv.WaitFor(t, 30*time.Second, "the patient's statement row", func() bool {
		return e.m.Store.Pool.QueryRow(context.Background(), "SELECT amount_cents FROM patient_statements").Scan(&stmtCents) == nil
	})
	if stmtCents != 1800 {
		t.Errorf("statement amount = %d, want 1800", stmtCents)
	}
	e.releaseAndPayStatement(1800)
	// A 276 status inquiry about the paid claim: the payer says finalized.
	inq, err := e.m.activities.Inquirer.Inquire(context.Background(), paid.ID)
	if err != nil || inq.Category != "F1" {
		t.Errorf("276/277 for the paid claim = %+v (%v), want category F1", inq, err)
	}
	if inq, err := e.m.activities.Inquirer.Inquire(context.Background(), denied.ID); err != nil || inq.Category != "F2" {
		t.Errorf("276/277 for the denied claim = %+v (%v), want category F2", inq, err)
	}
	for _, id := range []string{paid.ID, partial.ID, denied.ID, appealed.ID} {
		for _, ev := range e.state(id).Events {
			t.Logf("claim %s: %s %s", id[:8], ev.Status, ev.Note)
		}
	}
	// Every remittance balanced and reconciles nothing twice.
	var rem, unbalanced int
	_ = e.m.Store.Pool.QueryRow(context.Background(), "SELECT count(*), count(*) FILTER (WHERE NOT balanced) FROM remittances").Scan(&rem, &unbalanced)
	if rem == 0 || unbalanced != 0 {
		t.Errorf("remittances = %d, unbalanced = %d", rem, unbalanced)
	}
}

// TestKillMidPostingAndRedelivery: the worker (its own process) is killed
// with SIGKILL after the first slice of an 835's claim payments (two of
// four, slices of two) is committed; a second worker finishes the posting. Then the same 835 is
// delivered again as a new file and routed again by hand. Every claim ends
// paid with exactly its payment, posted once.
func TestKillMidPostingAndRedelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	// Mostly waiting on the killed worker's sticky queue (a minute, see
	// workflows.StickyScheduleToStart): run beside the other kill test.
	t.Parallel()
	e := newE2E(t, false)
	ctx := context.Background()
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	vars := map[string]string{"CLAIMFLOW_TEST_KILL_AFTER_POSTS": "2"}
	for k, v := range e.vars {
		vars[k] = v
	}
	first := startProcess(t, "worker-1", vars, "worker")
	var claims []idOnly
	for i := range 4 {
		claims = append(claims, e.claim(prov.ID, pay.ID, fmt.Sprintf("KILL%d", i), []string{"E11.9"}, line{"99213", 15000 + int64(i)*100, 1}))
	}
	// The first worker dies mid-posting (its hook kills it after the
	// second payment commits).
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("the first worker was not killed mid-posting")
	}
	var postedBefore int
	_ = e.m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM claim_payments").Scan(&postedBefore)
	if postedBefore != 2 {
		t.Fatalf("%d claim payments committed before the kill, want 2", postedBefore)
	}
	delete(vars, "CLAIMFLOW_TEST_KILL_AFTER_POSTS")
	startProcess(t, "worker-2", vars, "worker")
	for _, c := range claims {
		e.waitStatus(c.ID, workflows.StatusPaid)
	}

	// Re-deliver the same 835: as a new file on the server, and routed
	// again (as if the connector's ledger had lost it).
	var fileKey string
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT file_key FROM remittances LIMIT 1").Scan(&fileKey); err != nil {
		t.Fatal(err)
	}
	arch, err := openArchive(ctx, e.m.Config)
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := arch.Get(ctx, fileKey)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Put("claimflow", sim.OutboundFile{Name: "again.835", Body: body})
	router := &activities.Router{Files: &connectorFiles{archive: arch}, Records: e.m.Store, Temporal: e.m.Temporal, TaskQueue: e.m.Config.TaskQueue}
	res, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: fileKey})
	if err != nil || res.Remittances != 0 {
		t.Fatalf("re-routed 835 started %d postings (%v), want 0", res.Remittances, err)
	}
	testenv.WaitFor(t, 30*time.Second, "the re-delivered 835 to be polled off the server", func() bool {
		for _, n := range e.sim.Downloads("claimflow") {
			if n == "again.835" {
				return false
			}
		}
		return true
	})
	var dups int
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM clearinghouse_inbound WHERE remote_name = 'again.835'").Scan(&dups); err != nil || dups != 1 {
		t.Errorf("re-delivered file in the inbound ledger %d times (%v), want 1", dups, err)
	}

	var payments, distinct int
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT claim_id) FROM claim_payments").Scan(&payments, &distinct); err != nil {
		t.Fatal(err)
	}
	if payments != 4 || distinct != 4 {
		t.Errorf("claim payments = %d for %d claims, want 4 for 4", payments, distinct)
	}
	for i, c := range claims {
		var paid int64
		if err := e.m.Store.Pool.QueryRow(ctx, "SELECT paid_cents FROM claims WHERE id = $1", c.ID).Scan(&paid); err != nil || paid != 9000 {
			t.Errorf("claim %d paid_cents = %d (%v), want 9000 exactly once", i, paid, err)
		}
		if st := e.state(c.ID); st.PaidCents != 9000 {
			t.Errorf("claim %d workflow paid = %d, want 9000", i, st.PaidCents)
		}
	}
}

// TestEndToEndEligibility: booking an appointment through the API starts
// its eligibility check (outbox), which sends a real-time 270 to the
// simulator and stores the 271's benefits, sealed; an uninsured member's
// booking gets the payer's AAA rejection.
func TestEndToEndEligibility(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	book := func(name, member string, at time.Time) idOnly {
		var pat, cov, appt idOnly
		e.api("POST", "/v1/patients", map[string]any{"org_id": e.org, "first_name": "TESTPATIENT", "last_name": name,
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
		e.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": pay.ID, "member_id": member,
			"relationship": "self", "priority": 1}, &cov)
		e.api("POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": pat.ID, "visit_type": "follow_up",
			"starts_at": at.Format(time.RFC3339), "ends_at": at.Add(30 * time.Minute).Format(time.RFC3339)}, &appt)
		return appt
	}
	day := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	insured := book("INSURED", "ZZ0000006", day)
	unknown := book("UNKNOWN", "ZZ9999999", day.Add(time.Hour))
	result := func(id string) activities.EligibilityResult {
		var res activities.EligibilityResult
		testenv.WaitFor(t, 60*time.Second, "eligibility for "+id, func() bool {
			run := e.m.Temporal.GetWorkflow(ctx, workflows.EligibilityIDPrefix+id, "")
			return run.Get(ctx, &res) == nil
		})
		return res
	}
	if res := result(insured.ID); res.Status != "active" || res.Mode != "realtime" {
		t.Errorf("insured = %+v, want active in real time", res)
	}
	var b activities.Benefits
	chk, err := e.m.Store.LatestEligibility(ctx, store.System, insured.ID, &b)
	if err != nil || chk.Status != "active" || !b.Active || b.Plan != "TEST PLAN" {
		t.Errorf("stored eligibility = %+v benefits %+v (%v)", chk, b, err)
	}
	if res := result(unknown.ID); res.Status != "rejected" || len(res.RejectCodes) == 0 {
		t.Errorf("unknown member = %+v, want an AAA rejection", res)
	}
	// Booking also started the appointment's reminders; cancelling through
	// the API ends them (outbox signal in the cancel's transaction).
	testenv.WaitFor(t, 30*time.Second, "the reminder workflow", func() bool {
		_, err := e.m.Temporal.DescribeWorkflowExecution(ctx, workflows.ReminderIDPrefix+insured.ID, "")
		return err == nil
	})
	e.api("POST", "/v1/appointments/"+insured.ID+"/cancel", map[string]any{"reason": "patient_request"}, nil)
	var rem workflows.ReminderResult
	testenv.WaitFor(t, 30*time.Second, "the reminders to end", func() bool {
		return e.m.Temporal.GetWorkflow(ctx, workflows.ReminderIDPrefix+insured.ID, "").Get(ctx, &rem) == nil
	})
	if rem.Outcome != workflows.ReminderCancelledElsewise {
		t.Errorf("reminders ended %q, want %q", rem.Outcome, workflows.ReminderCancelledElsewise)
	}
	// The benefits are sealed at rest.
	var raw []byte
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT benefits FROM eligibility_checks WHERE appointment_id = $1", insured.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("TEST PLAN")) || bytes.Contains(raw, []byte("active")) {
		t.Errorf("benefits stored in plaintext")
	}
}

// startStripeMock runs stripe-mock (Stripe has no local server of its own;
// stripe-mock is Stripe's published API mock) on a free loopback port.
func startStripeMock(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(testenv.Tool(t, "stripe-mock"), "-http-addr", addr, "-https-addr", "127.0.0.1:0") // HTTPS on a free port: its default 12112 is shared by every instance
	log := testenv.LogFile(t, "stripe-mock")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	testenv.WaitFor(t, 30*time.Second, "stripe-mock", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}
