package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaultsAndOverrides(t *testing.T) {
	env := map[string]string{
		"CLAIMFLOW_HTTP_ADDR":        ":9090",
		"CLAIMFLOW_SHUTDOWN_TIMEOUT": "3s",
		"CLAIMFLOW_WORKER_POLLERS":   "4",
	}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HTTPAddr, ":9090"; got != want {
		t.Errorf("HTTPAddr = %q, want %q", got, want)
	}
	if got, want := c.ShutdownTimeout, 3*time.Second; got != want {
		t.Errorf("ShutdownTimeout = %v, want %v", got, want)
	}
	if got, want := c.WorkerPollers, 4; got != want {
		t.Errorf("WorkerPollers = %d, want %d", got, want)
	}
	if got, want := c.TemporalAddress, "127.0.0.1:7233"; got != want {
		t.Errorf("TemporalAddress = %q, want %q", got, want)
	}
	if got, want := c.KeyFile, ".data/keys/kek.json"; got != want {
		t.Errorf("KeyFile = %q, want %q", got, want)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ name, key, val, want string }{
		{"duration", "CLAIMFLOW_SHUTDOWN_TIMEOUT", "soon", "CLAIMFLOW_SHUTDOWN_TIMEOUT"},
		{"int", "CLAIMFLOW_WORKER_POLLERS", "many", "CLAIMFLOW_WORKER_POLLERS"},
		{"level", "CLAIMFLOW_LOG_LEVEL", "loud", "CLAIMFLOW_LOG_LEVEL"},
		{"pollers", "CLAIMFLOW_WORKER_POLLERS", "0", "CLAIMFLOW_WORKER_POLLERS"},
		{"idle beyond max age", "CLAIMFLOW_SESSION_IDLE", "9h", "CLAIMFLOW_SESSION_IDLE"},
		{"no failures allowed", "CLAIMFLOW_LOGIN_MAX_FAILURES", "0", "CLAIMFLOW_LOGIN_MAX_FAILURES"},
		{"negative runners", "CLAIMFLOW_BOOKING_RUNNERS", "-1", "CLAIMFLOW_BOOKING_RUNNERS"},
		{"empty batch", "CLAIMFLOW_BOOKING_BATCH_MAX", "0", "CLAIMFLOW_BOOKING_BATCH_MAX"},
		{"tls flag", "TEMPORAL_TLS", "sometimes", "TEMPORAL_TLS"},
		{"client certificate without its key", "TEMPORAL_TLS_CERT_FILE", "client.pem", "TEMPORAL_TLS_KEY_FILE"},
		{"client key without its certificate", "TEMPORAL_TLS_KEY_FILE", "client-key.pem", "TEMPORAL_TLS_CERT_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(func(k string) string {
				if k == tc.key {
					return tc.val
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestPrintMasksSecrets(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":      "postgres://app:hunter2@db.example:5432/claimflow",
		"STRIPE_SECRET_KEY": "sk_live_verysecret",
	}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.Print(&buf)
	out := buf.String()
	for _, secret := range []string{"hunter2", "sk_live_verysecret", "claimflow-dev-secret", "whsec_claimflow_dev"} {
		if strings.Contains(out, secret) {
			t.Errorf("Print shows secret %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "DATABASE_URL=postgres://app:%2A%2A%2A%2A%2A@db.example:5432/claimflow") &&
		!strings.Contains(out, "DATABASE_URL=postgres://app:*****@db.example:5432/claimflow") {
		t.Errorf("Print lost the shape of DATABASE_URL:\n%s", out)
	}
	if !strings.Contains(out, "CLAIMFLOW_HTTP_ADDR=127.0.0.1:8080") {
		t.Errorf("Print lacks a plain setting:\n%s", out)
	}
}

func TestLoadTemporalSecurityAndWorkerHTTP(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalTLS || c.TemporalAPIKey != "" || c.TemporalTLSCert != "" {
		t.Errorf("defaults turn Temporal TLS on: %+v", c)
	}
	if got, want := c.WorkerHTTPAddr, "127.0.0.1:8081"; got != want {
		t.Errorf("WorkerHTTPAddr = %q, want %q", got, want)
	}
	env := map[string]string{
		"TEMPORAL_TLS":               "true",
		"TEMPORAL_TLS_CERT_FILE":     "client.pem",
		"TEMPORAL_TLS_KEY_FILE":      "client-key.pem",
		"TEMPORAL_API_KEY":           "test-api-key",
		"CLAIMFLOW_WORKER_HTTP_ADDR": "-",
	}
	if c, err = Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if !c.TemporalTLS || c.TemporalTLSCert != "client.pem" || c.TemporalTLSKey != "client-key.pem" {
		t.Errorf("TLS settings not read: %+v", c)
	}
	if c.WorkerHTTPAddr != "" {
		t.Errorf("WorkerHTTPAddr = %q, want empty (- disables)", c.WorkerHTTPAddr)
	}
	var buf bytes.Buffer
	c.Print(&buf)
	if strings.Contains(buf.String(), "test-api-key") {
		t.Errorf("Print shows the Temporal API key:\n%s", buf.String())
	}
}

// Development secrets go only to loopback servers: an S3 endpoint or
// Stripe API base elsewhere with the variable unset or empty gets no dev
// key (issue 20: an empty Secret must not fall back to sk_test_123).
func TestDevSecretsOnlyOnLoopback(t *testing.T) {
	load := func(env map[string]string) (Config, error) { return Load(func(k string) string { return env[k] }) }

	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.S3AccessKey != "claimflow" || c.StripeSecretKey != "sk_test_123" {
		t.Errorf("local defaults: S3 key %q, Stripe key %q; want the development values", c.S3AccessKey, c.StripeSecretKey)
	}

	c, err = load(map[string]string{"CLAIMFLOW_S3_ENDPOINT": "aws", "CLAIMFLOW_S3_ACCESS_KEY": "", "CLAIMFLOW_S3_SECRET_KEY": ""})
	if err != nil {
		t.Fatal(err)
	}
	if c.S3AccessKey != "" || c.S3SecretKey != "" {
		t.Errorf("S3 on aws with empty keys: got %q/%q, want none (default credential chain)", c.S3AccessKey, c.S3SecretKey)
	}

	c, err = load(map[string]string{"CLAIMFLOW_S3_ENDPOINT": "https://s3.example.internal",
		"CLAIMFLOW_S3_ACCESS_KEY": "AKIDEXAMPLE", "CLAIMFLOW_S3_SECRET_KEY": "s3cr3t"})
	if err != nil || c.S3AccessKey != "AKIDEXAMPLE" || c.S3SecretKey != "s3cr3t" {
		t.Errorf("explicit S3 keys: %q/%q, %v", c.S3AccessKey, c.S3SecretKey, err)
	}

	if _, err = load(map[string]string{"CLAIMFLOW_S3_ENDPOINT": "aws", "CLAIMFLOW_S3_ACCESS_KEY": "AKIDEXAMPLE"}); err == nil ||
		!strings.Contains(err.Error(), "CLAIMFLOW_S3_SECRET_KEY") {
		t.Errorf("half an S3 key pair: err = %v, want one naming CLAIMFLOW_S3_SECRET_KEY", err)
	}

	_, err = load(map[string]string{"CLAIMFLOW_STRIPE_API_BASE": "https://api.stripe.com", "STRIPE_SECRET_KEY": ""})
	if err == nil || !strings.Contains(err.Error(), "STRIPE_SECRET_KEY") {
		t.Errorf("real Stripe with an empty key: err = %v, want one naming STRIPE_SECRET_KEY", err)
	}
	c, err = load(map[string]string{"CLAIMFLOW_STRIPE_API_BASE": "https://api.stripe.com",
		"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"})
	if err != nil || c.StripeSecretKey != "sk_live_x" {
		t.Errorf("real Stripe with keys: %q, %v", c.StripeSecretKey, err)
	}
}
