package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	sdkpb "go.temporal.io/api/sdk/v1"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// uiStack is claimflow (API on http and https, worker, OIDC provider) with
// the real Temporal UI server (tools/temporal-ui) signing in through it, as
// scripts/run.sh wires them.
type uiStack struct {
	*e2e
	uiURL, tlsBase string
}

const uiClientSecret = "test-ui-client-secret"

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newUIStack(t *testing.T) *uiStack {
	t.Helper()
	port := freePort(t)
	uiURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	e := newE2E(t, true, map[string]string{
		"CLAIMFLOW_HTTPS_ADDR":           "127.0.0.1:0",
		"TEMPORAL_UI_URL":                uiURL,
		"TEMPORAL_UI_OIDC_CLIENT_SECRET": uiClientSecret,
	})
	s := &uiStack{e2e: e, uiURL: uiURL, tlsBase: "https://" + e.m.TLSAddr()}
	s.startUIServer(t, port)
	return s
}

// startUIServer runs the pinned ui-server with the official image's
// docker.yaml, configured by the same variables as deploy/ and run.sh.
func (s *uiStack) startUIServer(t *testing.T, port int) {
	t.Helper()
	bin := testenv.Tool(t, "temporal-ui")
	root := filepath.Dir(bin)
	cmd := exec.Command(bin, "--root", root, "--config", "config", "--env", "docker", "start")
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+s.vars["TEMPORAL_ADDRESS"],
		fmt.Sprintf("TEMPORAL_UI_PORT=%d", port),
		"TEMPORAL_AUTH_ENABLED=true",
		"TEMPORAL_AUTH_PROVIDER_URL="+s.m.Identity.Issuer(),
		"TEMPORAL_AUTH_CLIENT_ID=temporal-ui",
		"TEMPORAL_AUTH_CLIENT_SECRET="+uiClientSecret,
		"TEMPORAL_AUTH_CALLBACK_URL="+s.uiURL+"/auth/sso/callback",
		"TEMPORAL_AUTH_SCOPES=openid,profile",
		"TEMPORAL_CODEC_ENDPOINT="+s.tlsBase+"/codec",
		"TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true",
		"TEMPORAL_CORS_ORIGINS="+s.uiURL,
		"TEMPORAL_CSRF_COOKIE_INSECURE=true",
		"TEMPORAL_NOTIFY_ON_NEW_VERSION=false",
	)
	logf := testenv.LogFile(t, "temporal-ui")
	if dir := os.Getenv("CLAIMFLOW_TEMPORAL_UI_LOG_DIR"); dir != "" { // keep the whole log
		f, err := os.Create(filepath.Join(dir, "temporal-ui.log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		logf = f
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	testenv.WaitFor(t, 30*time.Second, "the Temporal UI server to answer", func() bool {
		resp, err := http.Get(s.uiURL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// staffEngineer adds a staff user with the engineer role at org and
// returns its login and TOTP secret (password: testPassword).
func (s *uiStack) staffEngineer(t *testing.T, org, login string) (string, string) {
	t.Helper()
	ctx := context.Background()
	u, secret, err := s.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "staff", Login: login,
		DisplayName: strings.ToUpper(login), Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.m.Store.Grant(ctx, store.System, u.ID, org, "engineer"); err != nil {
		t.Fatal(err)
	}
	return login, secret
}

const testPassword = "correct horse battery staple 2"

// paidClaim makes a claim at the stack's organisation and waits for it to
// be paid.
func (s *uiStack) paidClaim(t *testing.T) idOnly {
	t.Helper()
	var prov, pay idOnly
	s.api("POST", "/v1/providers", map[string]any{"org_id": s.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	s.api("POST", "/v1/payers", map[string]any{"org_id": s.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	c := s.claim(prov.ID, pay.ID, "TEMPORALUI", []string{"E11.9"}, line{"99213", 15000, 1})
	s.waitStatus(c.ID, workflows.StatusPaid)
	return c
}

// TestTemporalUISignInAndDecode drives the real Temporal UI server in
// headless Chromium: an engineer of the claim's organisation signs in
// through claimflow (password and TOTP), opens the claim's workflow and
// reads its input decoded; an engineer of another organisation opening the
// same workflow sees it still encoded. Screenshots go to
// .data/test-output/temporal-ui (or $CLAIMFLOW_TEST_OUTPUT).
func TestTemporalUISignInAndDecode(t *testing.T) {
	chromium, out := browserTest(t, "temporal-ui", false)
	s := newUIStack(t)
	ctx := context.Background()
	c := s.paidClaim(t)
	engA, secretA := s.staffEngineer(t, s.org, "test-engineer-a")
	orgB, err := s.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "OTHER HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	engB, secretB := s.staffEngineer(t, orgB.ID, "test-engineer-b")
	workflowURL := s.uiURL + "/namespaces/default/workflows/" + strings.ReplaceAll(workflows.ClaimIDPrefix, "/", "%2F") + c.ID

	// view signs in as one engineer in a fresh browser and returns the
	// workflow page's text.
	view := func(name, login, secret string) string {
		// The codec endpoint's certificate is the self-signed one
		// claimflow makes for 127.0.0.1 (make run's too).
		bctx, stop := startChromium(t, ctx, chromium, 1400, 1000, chromedp.Flag("ignore-certificate-errors", true))
		defer stop()
		shot := func(file string) chromedp.Action { return screenshot(t, out, file) }
		run := func(what string, actions ...chromedp.Action) {
			t.Helper()
			sctx, cancel := context.WithTimeout(bctx, 45*time.Second)
			defer cancel()
			if err := chromedp.Run(sctx, actions...); err != nil {
				fctx, cancel := context.WithTimeout(bctx, 10*time.Second)
				defer cancel()
				var text, loc string
				_ = chromedp.Run(fctx, shot(name+"-failed"), chromedp.Location(&loc), chromedp.Evaluate(`document.body.innerText`, &text))
				t.Fatalf("%s (%s): %v; at %s the page says: %.2000s", what, name, err, loc, text)
			}
		}
		// The UI sends an engineer who is not signed in to its sign-in
		// page; its button goes to claimflow's.
		// The UI sends an engineer who is not signed in to its sign-in
		// page (it may redirect more than once); its button goes to
		// claimflow's. Click until claimflow's page is there.
		const sso = `//button[contains(., "Continue to SSO")] | //a[contains(., "Continue to SSO")]`
		run("open the workflow", chromedp.Navigate(workflowURL), chromedp.WaitVisible(sso, chromedp.BySearch))
		deadline := time.Now().Add(60 * time.Second)
		for {
			var onClaimflow bool
			ectx, cancel := context.WithTimeout(bctx, 5*time.Second)
			_ = chromedp.Run(ectx, chromedp.Evaluate(`!!document.getElementById("totp")`, &onClaimflow))
			cancel()
			if onClaimflow {
				break
			}
			if time.Now().After(deadline) {
				run("reach claimflow's sign-in page", shot(name+"-failed"))
				t.Fatalf("%s: the UI's sign-in button did not lead to claimflow", name)
			}
			cctx, cancel := context.WithTimeout(bctx, 5*time.Second)
			_ = chromedp.Run(cctx, chromedp.Click(sso, chromedp.BySearch))
			cancel()
			time.Sleep(time.Second)
		}
		run("claimflow's sign-in page", chromedp.WaitVisible(`#totp`, chromedp.ByID), shot(name+"-1-claimflow-sign-in"))
		run("sign in",
			sendKeys(`#login`, login, chromedp.ByID),
			sendKeys(`#password`, testPassword, chromedp.ByID),
			sendKeys(`#totp`, store.TOTPCode(secret, time.Now()), chromedp.ByID),
			chromedp.Click(`form button[type="submit"]`))
		// The page navigates several times (claimflow, the UI's callback,
		// the workflow): read its text until the history is there.
		var text string
		deadline = time.Now().Add(60 * time.Second)
		for !strings.Contains(text, "Event History") || !strings.Contains(text, "Input") {
			if time.Now().After(deadline) {
				run("wait for the workflow page", shot(name+"-failed"))
				t.Fatalf("%s: the workflow page did not show its history; the page says: %.2000s", name, text)
			}
			time.Sleep(500 * time.Millisecond)
			ectx, cancel := context.WithTimeout(bctx, 5*time.Second)
			_ = chromedp.Run(ectx, chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text))
			cancel()
			// The UI may return to its own sign-in page (its return URL
			// was that page): signed in now, open the workflow again.
			if strings.Contains(text, "Continue to SSO") {
				run("open the workflow signed in", chromedp.Navigate(workflowURL))
				text = ""
			}
		}
		run("read the history", chromedp.Sleep(3*time.Second), shot(name+"-2-workflow"),
			chromedp.Evaluate(`document.body.innerText`, &text))
		return text
	}

	decoded := view("a-same-tenant", engA, secretA)
	if !strings.Contains(decoded, `"ClaimID": "`+c.ID+`"`) || !strings.Contains(decoded, `"FrequencyCode": "1"`) {
		t.Errorf("engineer of the claim's organisation: the workflow input is not decoded; the page says: %.3000s", decoded)
	}
	encoded := view("b-other-tenant", engB, secretB)
	if strings.Contains(encoded, `"ClaimID": "`+c.ID+`"`) || strings.Contains(encoded, `"FrequencyCode"`) {
		t.Errorf("engineer of another organisation sees the input decoded: %.3000s", encoded)
	}
	// The UI shows the payload as it came back: still sealed (encoding
	// binary/encrypted, in base64 as the UI prints metadata) with the
	// codec's reason beside it.
	if !strings.Contains(encoded, base64.StdEncoding.EncodeToString([]byte("binary/encrypted"))) || !strings.Contains(encoded, `"claimflow-decode-refused"`) {
		t.Errorf("engineer of another organisation: want the payload shown still encrypted, with the refusal; the page says: %.3000s", encoded)
	}
}

// TestTemporalCLIDecodesWithClaimflowToken: `claimflow token` signs an
// engineer in (password and TOTP prompted) and prints an access token; the
// Temporal CLI decodes the claim's history through the codec endpoint with
// it; no patient name, birth date or member ID is in the decoded history.
// An engineer of another organisation gets it still encrypted, with the
// reason. Without a token the codec answers 401 saying what to send.
func TestTemporalCLIDecodesWithClaimflowToken(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	s := &uiStack{e2e: newE2E(t, true)}
	c := s.paidClaim(t)
	login, secret := s.staffEngineer(t, s.org, "test-cli-engineer")

	var tokOut, tokErr bytes.Buffer
	stdin = strings.NewReader(testPassword + "\n" + store.TOTPCode(secret, time.Now()) + "\n")
	defer func() { stdin = os.Stdin }()
	if code := run(context.Background(), []string{"token", "-url", s.base, "-login", login}, env(nil), &tokOut, &tokErr); code != 0 {
		t.Fatalf("claimflow token: exit %d: %s", code, tokErr.String())
	}
	token := strings.TrimSpace(tokOut.String())
	if strings.Count(token, ".") != 2 {
		t.Fatalf("claimflow token printed %q, want a JWT", token)
	}
	// show prints the claim's history through the codec, and the
	// payloads in it (base64 in the CLI's JSON), decoded from base64.
	show := func(auth string) (history, payloads string) {
		args := []string{"workflow", "show", "--address", s.vars["TEMPORAL_ADDRESS"], "--workflow-id", workflows.ClaimIDPrefix + c.ID,
			"--output", "json", "--codec-endpoint", s.base + "/codec", "--codec-auth", auth}
		var o, e bytes.Buffer
		for attempt := 1; ; attempt++ {
			o.Reset()
			e.Reset()
			cmd := exec.Command(testenv.Tool(t, "temporal"), args...)
			cmd.Stdout, cmd.Stderr = &o, &e
			began := time.Now()
			err := cmd.Run()
			t.Logf("temporal workflow show, attempt %d: %v", attempt, time.Since(began).Round(time.Millisecond))
			if err == nil {
				break
			}
			// The CLI decodes each history page within the page's RPC
			// deadline; on a loaded machine that can run out. Retry that,
			// nothing else.
			if !strings.Contains(e.String(), "deadline exceeded") {
				t.Fatalf("temporal workflow show: %v: %s", err, e.String())
			}
			if attempt == 3 {
				// A codec answer other than 200 makes the CLI retry until
				// this deadline: the stalls once seen here were tokens
				// whose subject zitadel had made up (identity's
				// TestTokenExchangeSubjectIsTheUser).
				t.Fatalf("temporal workflow show: %v: %s", err, e.String())
			}
			t.Logf("temporal workflow show, attempt %d: %s", attempt, strings.TrimSpace(e.String()))
		}
		var all strings.Builder
		for _, m := range payloadData.FindAllStringSubmatch(o.String(), -1) {
			b, _ := base64.StdEncoding.DecodeString(m[1])
			all.Write(b)
			all.WriteByte('\n')
		}
		return o.String(), all.String()
	}
	hist, payloads := show("Bearer " + token)
	if !strings.Contains(payloads, `{"ClaimID":"`+c.ID+`"`) {
		t.Errorf("history with the token: the claim input is not decoded; payloads: %.2000s", payloads)
	}
	if strings.Contains(hist, "YmluYXJ5L2VuY3J5cHRlZA==") { // binary/encrypted
		t.Errorf("history with the token still has encrypted payloads")
	}
	if strings.Contains(payloads, "TESTPATIENT") || strings.Contains(payloads, "1980-01-01") || strings.Contains(payloads, "ZZ0000006") {
		t.Errorf("decoded history carries the patient's name, birth date or member ID: %.2000s", payloads)
	}

	// The run's summary line (static summary at start; the status as the
	// run's current details, which the UI and CLI show).
	ctx := context.Background()
	d, err := s.m.Temporal.DescribeWorkflow(ctx, workflows.ClaimIDPrefix+c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := d.GetStaticSummary(); err != nil || sum != "Claim "+c.ID {
		t.Errorf("static summary = %q (%v), want %q", sum, err, "Claim "+c.ID)
	}
	v, err := s.m.Temporal.QueryWorkflow(ctx, workflows.ClaimIDPrefix+c.ID, "", "__temporal_workflow_metadata")
	if err != nil {
		t.Fatal(err)
	}
	var meta sdkpb.WorkflowMetadata
	if err := v.Get(&meta); err != nil || meta.GetCurrentDetails() != "Claim "+c.ID+": paid (attempt 1)" {
		t.Errorf("current details = %q (%v), want the claim's status", meta.GetCurrentDetails(), err)
	}

	// The engineer's filter in the CLI (and the UI's list): the claim's
	// search attributes as its workflow upserts them, since the lean
	// version only those that changed (claim-rcm-lifecycle 2): the final
	// status, the claim's ID and its payer.
	query := fmt.Sprintf(`ClaimID=%q AND ClaimStatus="paid" AND ClaimPayer!=""`, c.ID)
	var listed string
	for deadline := time.Now().Add(15 * time.Second); ; {
		out, err := exec.Command(testenv.Tool(t, "temporal"), "workflow", "list", "--address", s.vars["TEMPORAL_ADDRESS"],
			"--query", query, "--output", "json").CombinedOutput()
		if err != nil {
			t.Fatalf("temporal workflow list: %v: %s", err, out)
		}
		if listed = string(out); strings.Contains(listed, workflows.ClaimIDPrefix+c.ID) || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond) // visibility is eventually consistent
	}
	if !strings.Contains(listed, workflows.ClaimIDPrefix+c.ID) {
		t.Errorf("temporal workflow list --query %s: the paid claim is not listed: %.1000s", query, listed)
	}

	// An engineer of another organisation: the same history stays sealed,
	// each payload carrying the codec's reason.
	orgB, err := s.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "OTHER HEALTH"})
	if err != nil {
		t.Fatal(err)
	}
	loginB, secretB := s.staffEngineer(t, orgB.ID, "test-cli-engineer-b")
	tokOut.Reset()
	stdin = strings.NewReader(testPassword + "\n" + store.TOTPCode(secretB, time.Now()) + "\n")
	if code := run(context.Background(), []string{"token", "-url", s.base, "-login", loginB}, env(nil), &tokOut, &tokErr); code != 0 {
		t.Fatalf("claimflow token (B): exit %d: %s", code, tokErr.String())
	}
	histB, payloadsB := show("Bearer " + strings.TrimSpace(tokOut.String()))
	if strings.Contains(payloadsB, `"ClaimID"`) || !strings.Contains(histB, "YmluYXJ5L2VuY3J5cHRlZA==") || !strings.Contains(histB, "claimflow-decode-refused") {
		t.Errorf("another organisation's engineer: want the history still encrypted with the refusal; payloads %.1000s", payloadsB)
	}

	// Without a token the codec says what is missing (the CLI itself only
	// retries until its deadline).
	req, _ := http.NewRequest("POST", s.base+"/codec/decode", strings.NewReader(`{"payloads":[]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "claimflow token") {
		t.Errorf("no token: %d %s; want 401 naming claimflow token", resp.StatusCode, body)
	}
}

// payloadData finds the payloads' data in the Temporal CLI's JSON output.
var payloadData = regexp.MustCompile(`"data": "([A-Za-z0-9+/=]+)"`)
