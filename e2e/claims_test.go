// Package e2e holds end-to-end tests that run against an already running
// claimflow deployment: `make prod-rehearsal` runs them against a Temporal
// cluster on Postgres with two workers and two API servers, the S3 archive
// and the clearinghouse simulator (sample payer rules). Without that
// deployment (CLAIMFLOW_E2E_API_URLS unset) they skip.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

type deployment struct {
	t     *testing.T
	apis  []string
	token string
	n     int // round-robin over the API servers
}

func (d *deployment) api(method, path string, body, out any) {
	d.t.Helper()
	base := d.apis[d.n%len(d.apis)]
	d.n++
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		d.t.Fatalf("%s %s%s: %d %s", method, base, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			d.t.Fatal(err)
		}
	}
}

type idOnly struct {
	ID string `json:"id"`
}

// TestClaimsWithAWorkerKilled creates claims through both API servers,
// kills worker 1 with SIGKILL while they are in flight, starts a
// replacement, and checks every claim ends paid, posted exactly once, with
// claims completed on more than one worker process.
func TestClaimsWithAWorkerKilled(t *testing.T) {
	urls := os.Getenv("CLAIMFLOW_E2E_API_URLS")
	if urls == "" {
		t.Skip("no deployment: run through make prod-rehearsal")
	}
	n, _ := strconv.Atoi(os.Getenv("REHEARSAL_CLAIMS"))
	if n <= 0 {
		n = 20
	}
	ctx := context.Background()
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.FromConfig(ctx, keyringSettings(cfg))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.UseKeys(store.KeysFrom[*keyring.DataKey](kr))

	// Organisation, billing profile and an admin token, through the store.
	org, err := st.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: fmt.Sprintf("REHEARSAL %d", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := st.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: "rehearsal-" + org.ID[:8], DisplayName: "REHEARSAL"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Grant(ctx, store.System, u.ID, org.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	tok, err := st.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutBillingProfile(ctx, store.BillingProfile{OrgID: org.ID, Name: "REHEARSAL HEALTH", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}); err != nil {
		t.Fatal(err)
	}
	d := &deployment{t: t, apis: strings.Split(urls, ","), token: tok}
	var prov, pay idOnly
	d.api("POST", "/v1/providers", map[string]any{"org_id": org.ID, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	d.api("POST", "/v1/payers", map[string]any{"org_id": org.ID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)

	// Claims through both APIs: the sample payer pays 90.00 of 150.00 for
	// member ZZ0000006 (no deductible, no co-insurance).
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	claims := make([]string, 0, n)
	for i := range n {
		var pat, cov, enc, c idOnly
		d.api("POST", "/v1/patients", map[string]any{"org_id": org.ID, "first_name": "TESTPATIENT", "last_name": fmt.Sprintf("REHEARSAL%d", i),
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
		d.api("POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": pay.ID, "member_id": "ZZ0000006", "relationship": "self", "priority": 1}, &cov)
		d.api("POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": prov.ID, "date_of_service": dos, "place_of_service": "11",
			"diagnoses": []string{"E11.9"}, "charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 15000}}}, &enc)
		d.api("POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &c)
		claims = append(claims, c.ID)
	}
	count := func(q string) int {
		var c int
		if err := st.Pool.QueryRow(ctx, q, claims).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	waitFor := func(what string, d time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// Kill worker 1 once some claims are paid and others still in flight.
	waitFor("the first claims to be paid", 3*time.Minute, func() bool {
		return count("SELECT count(*) FROM claims WHERE id = ANY($1) AND status = 'paid'") >= 1
	})
	pids := strings.Split(os.Getenv("CLAIMFLOW_E2E_WORKER_PIDS"), ",")
	killed, _ := strconv.Atoi(pids[0])
	paidBefore := count("SELECT count(*) FROM claims WHERE id = ANY($1) AND status = 'paid'")
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatalf("kill worker 1 (PID %d): %v", killed, err)
	}
	t.Logf("worker 1 (PID %d) killed with %d of %d claims paid", killed, paidBefore, n)
	logDir := filepath.Dir(cfg.DataDir)
	replacementLog := filepath.Join(logDir, "worker-1-replacement.log")
	if bin := os.Getenv("CLAIMFLOW_BIN"); bin != "" {
		f, err := os.Create(replacementLog)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command(bin, "worker")
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
		t.Logf("replacement worker 1 started (PID %d)", cmd.Process.Pid)
	}

	waitFor(fmt.Sprintf("all %d claims to be paid", n), 5*time.Minute, func() bool {
		return count("SELECT count(*) FROM claims WHERE id = ANY($1) AND status = 'paid'") == n
	})
	if got := count("SELECT count(*) FROM claim_payments WHERE claim_id = ANY($1)"); got != n {
		t.Errorf("claim payments = %d, want %d (one each, exactly once)", got, n)
	}
	if got := count("SELECT count(*) FROM claims WHERE id = ANY($1) AND paid_cents = 9000"); got != n {
		t.Errorf("claims paid exactly 90.00 = %d, want %d", got, n)
	}

	// Which worker process recorded each claim's payment. A local activity
	// may run again after a kill (at least once), so a claim can appear in
	// two logs; its posting and status change happened once (checked above).
	perWorker := map[string]map[string]bool{}
	seen := map[string]bool{}
	for _, name := range []string{"worker-1.log", "worker-2.log", "worker-1-replacement.log"} {
		b, _ := os.ReadFile(filepath.Join(logDir, name))
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, `"msg":"claim status recorded"`) || !strings.Contains(line, `"status":"paid"`) {
				continue
			}
			for _, id := range claims {
				if strings.Contains(line, id) {
					if perWorker[name] == nil {
						perWorker[name] = map[string]bool{}
					}
					perWorker[name][id] = true
					seen[id] = true
				}
			}
		}
	}
	for _, name := range []string{"worker-1.log", "worker-2.log", "worker-1-replacement.log"} {
		t.Logf("claims completed (paid recorded) by %s: %d", strings.TrimSuffix(name, ".log"), len(perWorker[name]))
	}
	if len(seen) != n {
		t.Errorf("paid recorded for %d distinct claims in the worker logs, want %d", len(seen), n)
	}
	if len(perWorker) < 2 {
		t.Errorf("claims completed on %d worker process(es), want at least 2", len(perWorker))
	}
}

// keyringSettings passes the configuration's key settings to the keyring.
func keyringSettings(c config.Config) keyring.Settings {
	return keyring.Settings{KeyFile: c.KeyFile, KMSEndpoint: c.KMSEndpoint, KMSKeyID: c.KMSKeyID, KMSRegion: c.KMSRegion, KMSIndexKey: c.KMSIndexKey}
}
