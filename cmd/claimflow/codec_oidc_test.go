package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
)

// TestCodecAuthenticatesAccessTokens: the codec endpoint takes claimflow
// access tokens (here from `claimflow token` exchanging an API token),
// decodes with them only the token user's organisations' payloads (another
// organisation's engineer gets them sealed, with the reason; both audited
// under the payload's organisation), and answers every refusal with what
// is missing: 401 for no, a tampered or a
// disabled user's token, 403 for a user without workflow:decode; the
// browser preflight admits the UI's Authorization-Extras header.
func TestCodecAuthenticatesAccessTokens(t *testing.T) {
	m, err := NewMain(env(map[string]string{
		"DATABASE_URL":        testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":    "127.0.0.1:1",
		"CLAIMFLOW_HTTP_ADDR": "127.0.0.1:0",
		"CLAIMFLOW_DATA_DIR":  t.TempDir(),
		"TEMPORAL_UI_URL":     "http://127.0.0.1:18233",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m.Serve = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + m.Addr()

	orgA, err := m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST SYSTEM"})
	if err != nil {
		t.Fatal(err)
	}
	org := orgA
	// accessToken makes a system user with role, and exchanges its API
	// token for an access token as `claimflow token` does.
	accessToken := func(login, role string) (string, string) {
		u, _, err := m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: login, DisplayName: login})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Store.Grant(ctx, store.System, u.ID, org.ID, role); err != nil {
			t.Fatal(err)
		}
		api, err := m.Store.CreateAPIToken(ctx, store.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run(ctx, []string{"token", "-url", base}, env(map[string]string{"CLAIMFLOW_API_TOKEN": api}), &out, &errOut); code != 0 {
			t.Fatalf("claimflow token: exit %d: %s", code, errOut.String())
		}
		return strings.TrimSpace(out.String()), u.ID
	}
	engineer, engID := accessToken("eng", "engineer")
	desk, _ := accessToken("desk", "front_desk")
	// Another organisation's engineer, with a valid token of their own.
	orgB, err := m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "OTHER SYSTEM"})
	if err != nil {
		t.Fatal(err)
	}
	org = orgB
	engineerB, engBID := accessToken("eng-b", "engineer")

	// A payload of the first organisation.
	p, err := converter.GetDefaultDataConverter().ToPayload("TESTPATIENT-NUMBAT")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := payloadcodec.New(m.Keyring, m.Store).EncodeFor(ctx, orgA.ID, []*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})

	decode := func(auth string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	parts := strings.Split(engineer, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for _, tc := range []struct {
		name, auth string
		status     int
		says       string
	}{
		{"engineer's access token", "Bearer " + engineer, http.StatusOK, ""},
		{"no token", "", http.StatusUnauthorized, "claimflow token"},
		{"tampered signature", "Bearer " + tampered, http.StatusUnauthorized, "signature does not verify"},
		{"an unknown session", "Bearer cf_ses_nope", http.StatusUnauthorized, "expired, revoked or unknown"},
		{"front desk (no workflow:decode)", "Bearer " + desk, http.StatusForbidden, "workflow:decode"},
	} {
		code, body := decode(tc.auth)
		if code != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.name, code, body, tc.status, tc.says)
		}
	}
	// The engineer reads the payload; the other organisation's engineer,
	// signed in and holding workflow:decode there, gets it still sealed
	// with the reason; both are audited under the payload's organisation.
	if code, body := decode("Bearer " + engineer); code != http.StatusOK || !strings.Contains(body, base64.StdEncoding.EncodeToString([]byte(`"TESTPATIENT-NUMBAT"`))) {
		t.Errorf("engineer of the payload's organisation: %d %s; want it decoded", code, body)
	}
	code, out := decode("Bearer " + engineerB)
	var got commonpb.Payloads
	if code != http.StatusOK || protojson.Unmarshal([]byte(out), &got) != nil || len(got.Payloads) != 1 ||
		bytes.Contains(got.Payloads[0].Data, []byte("NUMBAT")) || len(got.Payloads[0].Metadata[payloadcodec.MetadataRefused]) == 0 {
		t.Errorf("another organisation's engineer: %d %s; want the payload still sealed with a reason", code, out)
	}
	q := `SELECT count(*) FROM audit_log WHERE resource = 'workflow_payloads' AND org_id = $1 AND action = $2 AND actor_id = $3`
	var decodes, refusals int
	if err := m.Store.Pool.QueryRow(ctx, q, orgA.ID, "decode", engID).Scan(&decodes); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.Pool.QueryRow(ctx, q, orgA.ID, "decode_refused", engBID).Scan(&refusals); err != nil {
		t.Fatal(err)
	}
	if decodes != 2 || refusals != 1 { // the table's first case decoded too
		t.Errorf("audit rows under the payload's organisation: %d decodes by the engineer, %d refusals of the other organisation's; want 2 and 1", decodes, refusals)
	}

	// A disabled user's token stops at once.
	if _, err := m.Store.Pool.Exec(ctx, "UPDATE users SET disabled = true WHERE id = $1", engID); err != nil {
		t.Fatal(err)
	}
	if code, body := decode("Bearer " + engineer); code != http.StatusUnauthorized || !strings.Contains(body, "disabled") {
		t.Errorf("disabled user's token: %d %s; want 401 saying disabled", code, body)
	}
	// The UI's preflight.
	req, _ := http.NewRequest("OPTIONS", base+"/codec/decode", nil)
	req.Header.Set("Origin", "http://127.0.0.1:18233")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,authorization-extras,content-type,x-namespace")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if allow := resp.Header.Get("Access-Control-Allow-Headers"); resp.StatusCode != http.StatusNoContent || !strings.Contains(allow, "Authorization-Extras") ||
		resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:18233" {
		t.Errorf("preflight: %d, allow headers %q, origin %q", resp.StatusCode, allow, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestIssuerWithoutConfiguration: an API listening on every interface (the
// container image's :8080) without CLAIMFLOW_OIDC_ISSUER still starts, its
// provider on the loopback address; a configured issuer is used as is.
func TestIssuerWithoutConfiguration(t *testing.T) {
	for _, tc := range []struct{ addr, issuer, want string }{
		{":0", "", "http://127.0.0.1:"},
		{"127.0.0.1:0", "https://claimflow.example.test/oidc", "https://claimflow.example.test/oidc"},
	} {
		m, err := NewMain(env(map[string]string{
			"DATABASE_URL":          testenv.DatabaseURL(t),
			"TEMPORAL_ADDRESS":      "127.0.0.1:1",
			"CLAIMFLOW_HTTP_ADDR":   tc.addr,
			"CLAIMFLOW_DATA_DIR":    t.TempDir(),
			"CLAIMFLOW_OIDC_ISSUER": tc.issuer,
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		m.Serve = true
		if err := m.Open(context.Background()); err != nil {
			t.Fatalf("listen %s: %v", tc.addr, err)
		}
		if got := m.Identity.Issuer(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("listen %s, issuer %q: provider issuer %q, want %q...", tc.addr, tc.issuer, got, tc.want)
		}
		m.Close()
	}
}
