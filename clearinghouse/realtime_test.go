package clearinghouse_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim"
)

// counting wraps the ack responder and counts real-time answers computed.
type counting struct {
	sim.AckResponder
	n atomic.Int64
}

func (c *counting) RealTime(ctx context.Context, pt string, body []byte) (sim.RealTimeReply, error) {
	c.n.Add(1)
	return c.AckResponder.RealTime(ctx, pt, body)
}

func startRealTime(t *testing.T, faults sim.Faults, resp sim.Responder) string {
	t.Helper()
	_, pub := clientKey(t)
	s, err := sim.New(sim.Config{DataDir: t.TempDir(), Faults: faults, Responder: resp,
		Users: []sim.User{{Name: "claimflow", AuthorizedKeys: []ssh.PublicKey{pub}, Password: "rt-secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.RealTimeHandler())
	t.Cleanup(hs.Close)
	return hs.URL
}

// request270 is a synthetic eligibility request interchange (no real
// people): only its envelope matters to the acknowledgment responder.
func request270(n int) []byte {
	return []byte(strings.Join([]string{
		"ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*SIMCH          *260101*1200*^*00501*" + pad9(n) + "*0*T*:~",
		"GS*HS*CLAIMFLOW*SIMCH*20260101*1200*" + itoa(n) + "*X*005010X279A1~",
		"ST*270*0001*005010X279A1~",
		"BHT*0022*13*REQ" + itoa(n) + "*20260101*1200~",
		"SE*3*0001~",
		"GE*1*" + itoa(n) + "~",
		"IEA*1*" + pad9(n) + "~",
	}, "\n"))
}

func itoa(n int) string { return strconv.Itoa(n) }
func pad9(n int) string { return fmt.Sprintf("%09d", n) }

// TestRealTimeUnderFaults sends 50 requests through dropped connections
// (before and after the answer), slow and malformed responses. The client
// makes one attempt per call; each request is an activity whose retry
// policy (Temporal's, in the SDK's test environment) repeats it with the
// same PayloadID. Every request gets its answer, Temporal did retry, and
// the server computed each answer once: a repeat gets the stored response.
func TestRealTimeUnderFaults(t *testing.T) {
	t.Parallel()
	resp := &counting{AckResponder: sim.AckResponder{ID: "SIMCH"}}
	url := startRealTime(t, sim.Faults{Drop: 0.3, Slow: 0.2, SlowBy: 300 * time.Millisecond, Malformed: 0.2, Seed: 9}, resp)
	e := newEnv(t)
	c := &clearinghouse.RealTimeClient{URL: url, Partner: "simch", SenderID: "CLAIMFLOW", ReceiverID: "SIMCH",
		Username: "claimflow", Password: "rt-secret", Timeout: 200 * time.Millisecond, Archive: e.archive}
	const n = 50
	var attempts atomic.Int64
	send := func(ctx context.Context, i int) (string, error) {
		attempts.Add(1)
		r, err := c.DoWithID(ctx, fmt.Sprintf("00000000-0000-4000-8000-%012d", i), clearinghouse.PayloadType270, request270(i))
		if err != nil {
			if clearinghouse.IsPermanent(err) {
				return "", temporal.NewNonRetryableApplicationError(err.Error(), "RealTimeRejected", err)
			}
			return "", err
		}
		if r.ErrorCode != clearinghouse.CORESuccess || r.PayloadType != clearinghouse.PayloadType999 || !strings.Contains(string(r.Payload), "ST*999") {
			return "", temporal.NewNonRetryableApplicationError("unexpected answer "+r.PayloadType+" "+r.ErrorCode, "Unexpected", nil)
		}
		return r.PayloadID, nil
	}
	all := func(ctx workflow.Context) ([]string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 2,
				MaximumInterval: 20 * time.Millisecond, MaximumAttempts: 30}})
		futs := make([]workflow.Future, n)
		for i := range futs {
			futs[i] = workflow.ExecuteActivity(ctx, "send", i+1)
		}
		out := make([]string, n)
		for i, f := range futs {
			if err := f.Get(ctx, &out[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(send, activity.RegisterOptions{Name: "send"})
	env.RegisterWorkflowWithOptions(all, workflow.RegisterOptions{Name: "all"})
	env.ExecuteWorkflow("all")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := env.GetWorkflowResult(&ids); err != nil || len(ids) != n {
		t.Fatalf("%d answers (%v), want %d", len(ids), err, n)
	}
	if got := attempts.Load(); got <= n {
		t.Fatalf("%d attempts for %d requests: the faults should have made Temporal retry some", got, n)
	}
	if got := resp.n.Load(); got != n {
		t.Fatalf("server computed %d answers for %d requests, want one each", got, n)
	}
	// Requests and answers are archived.
	out, _ := e.archive.List(context.Background(), archive.Filter{Partner: "simch", Direction: archive.Outbound})
	in, _ := e.archive.List(context.Background(), archive.Filter{Partner: "simch", Direction: archive.Inbound})
	if len(out) != n || len(in) != n {
		t.Fatalf("archive: %d requests and %d answers, want %d each", len(out), len(in), n)
	}
}

// TestRealTimeEnvelopeErrors checks the CORE error codes.
func TestRealTimeEnvelopeErrors(t *testing.T) {
	t.Parallel()
	url := startRealTime(t, sim.Faults{}, &sim.AckResponder{})
	post := func(env *clearinghouse.COREEnvelope, user, pass string) (*clearinghouse.COREEnvelope, int) {
		t.Helper()
		body, ct, err := env.Encode()
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ct)
		req.SetBasicAuth(user, pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got, err := clearinghouse.DecodeCOREEnvelope(res.Header.Get("Content-Type"), res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return got, res.StatusCode
	}
	good := func() *clearinghouse.COREEnvelope {
		return &clearinghouse.COREEnvelope{PayloadType: clearinghouse.PayloadType270, ProcessingMode: clearinghouse.RealTime,
			PayloadID: "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", TimeStamp: "2026-01-01T12:00:00Z", SenderID: "CLAIMFLOW",
			ReceiverID: "SIMCH", CORERuleVersion: clearinghouse.CORERuleVersion, Payload: request270(1)}
	}
	for _, c := range []struct {
		name   string
		edit   func(*clearinghouse.COREEnvelope)
		pass   string
		want   string
		status int
	}{
		{"success", func(*clearinghouse.COREEnvelope) {}, "rt-secret", clearinghouse.CORESuccess, 200},
		{"no payload id", func(e *clearinghouse.COREEnvelope) { e.PayloadID = "" }, "rt-secret", clearinghouse.COREPayloadIDRequired, 400},
		{"version", func(e *clearinghouse.COREEnvelope) { e.CORERuleVersion = "2.1.0" }, "rt-secret", clearinghouse.COREVersionMismatch, 400},
		{"mode", func(e *clearinghouse.COREEnvelope) { e.ProcessingMode = "Batch" }, "rt-secret", clearinghouse.COREProcessingModeBad, 400},
		{"auth", func(*clearinghouse.COREEnvelope) {}, "wrong", clearinghouse.COREUnauthorized, 401},
		{"id reused for another payload", func(e *clearinghouse.COREEnvelope) { e.Payload = request270(2) }, "rt-secret", clearinghouse.CORERequestMalformed, 400},
	} {
		env := good()
		c.edit(env)
		got, status := post(env, "claimflow", c.pass)
		if got.ErrorCode != c.want || status != c.status {
			t.Errorf("%s: got %s (HTTP %d), want %s (HTTP %d)", c.name, got.ErrorCode, status, c.want, c.status)
		}
	}
	// The same request again gets the same response, byte for byte.
	a, _ := post(good(), "claimflow", "rt-secret")
	b, _ := post(good(), "claimflow", "rt-secret")
	if a.TimeStamp != b.TimeStamp || string(a.Payload) != string(b.Payload) || a.PayloadID != good().PayloadID {
		t.Fatal("a repeated PayloadID got a different response")
	}
	// The client does not retry an error about the request itself.
	c := &clearinghouse.RealTimeClient{URL: url, SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Username: "claimflow", Password: "wrong"}
	_, err := c.Do(context.Background(), clearinghouse.PayloadType270, request270(3))
	var ce *clearinghouse.COREError
	if !errors.As(err, &ce) || ce.Code != clearinghouse.COREUnauthorized {
		t.Fatalf("client with a wrong password: got %v, want UnAuthorized", err)
	}
	if !clearinghouse.IsPermanent(err) {
		t.Fatalf("UnAuthorized is not marked permanent, so an activity would retry it: %v", err)
	}
}
