// Package paymentstest starts a real stripe-mock for tests and builds
// signed (and forged) Stripe webhook deliveries.
package paymentstest

import (
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/claimflow/claimflow/internal/testenv"
)

// WebhookSecret is the signing secret tests use.
const WebhookSecret = "whsec_claimflow_test"

// StartStripeMock starts stripe-mock (testenv.Tool "stripe-mock") on a free
// loopback port and returns its base URL.
func StartStripeMock(t testing.TB) string {
	t.Helper()
	bin := testenv.Tool(t, "stripe-mock")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:0") // HTTPS on a free port: its default 12112 is shared by every instance
	log := testenv.LogFile(t, "stripe-mock")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	testenv.WaitFor(t, 30*time.Second, "stripe-mock to listen", func() bool {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/balance", nil)
		req.SetBasicAuth("sk_test_123", "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base
}

// Event builds a Stripe event payload of type typ around object obj.
func Event(t testing.TB, id, typ string, obj any) []byte {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false,
		"data": map[string]json.RawMessage{"object": raw},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PaymentSucceeded is a payment_intent.succeeded payload.
func PaymentSucceeded(t testing.TB, eventID, intentID, statementID string, cents int64) []byte {
	return Event(t, eventID, "payment_intent.succeeded", map[string]any{
		"id": intentID, "object": "payment_intent", "amount": cents, "amount_received": cents,
		"currency": "usd", "status": "succeeded",
		"metadata": map[string]string{"claimflow_statement_id": statementID},
	})
}

// ChargeRefunded is a charge.refunded payload with refundedCents refunded so far.
func ChargeRefunded(t testing.TB, eventID, intentID string, refundedCents int64) []byte {
	return Event(t, eventID, "charge.refunded", map[string]any{
		"id": "ch_" + eventID, "object": "charge", "amount_refunded": refundedCents,
		"currency": "usd", "refunded": true, "payment_intent": intentID,
	})
}

// Sign returns the Stripe-Signature header for payload signed with secret now.
func Sign(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
}

// SignAt signs as of ts (an old timestamp makes a stale replay).
func SignAt(payload []byte, secret string, ts time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: ts}).Header
}
