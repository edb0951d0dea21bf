package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/workflows"
)

// TestWorkerHTTPAndSDKMetrics runs `claimflow worker` in process against a
// real Postgres and Temporal dev server: its own listener answers /healthz,
// /readyz (Postgres, Temporal, the worker polling) and /metrics with the
// Temporal SDK's series once a workflow ran. In dev (API and worker in one
// process) the API's /metrics carries the SDK's series instead.
func TestWorkerHTTPAndSDKMetrics(t *testing.T) {
	srv := testenv.DevServer(t)
	dsn := testenv.DatabaseURL(t)
	// One database, one keyring: the payload keys in the database are
	// wrapped by its key-encryption key.
	dataDir := t.TempDir()
	start := func(t *testing.T, serve bool, queue string) *Main {
		t.Helper()
		m, err := NewMain(env(map[string]string{
			"DATABASE_URL":               dsn,
			"TEMPORAL_ADDRESS":           srv.FrontendHostPort(),
			"CLAIMFLOW_TASK_QUEUE":       queue,
			"CLAIMFLOW_HTTP_ADDR":        "127.0.0.1:0",
			"CLAIMFLOW_WORKER_HTTP_ADDR": "127.0.0.1:0",
			"CLAIMFLOW_DATA_DIR":         dataDir,
		}), testenv.LogFile(t, "claimflow"))
		if err != nil {
			t.Fatal(err)
		}
		m.Serve, m.Work = serve, true
		ctx, cancel := context.WithCancel(context.Background())
		if err := m.Open(ctx); err != nil {
			cancel()
			m.Close()
			t.Fatal(err)
		}
		if _, err := m.Store.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			m.Close()
		})
		return m
	}
	smoke := func(t *testing.T, m *Main, id string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := startSmoke(ctx, m.Temporal, m.Config.TaskQueue, workflows.SmokeInput{ID: id, Message: "metrics"}); err != nil {
			t.Fatal(err)
		}
	}
	// The worker-side series appear once the worker has reported the
	// workflow's completion; the client-side temporal_request at once.
	wantSDK := []string{"temporal_request{", "temporal_workflow_completed{", "temporal_activity_execution_latency_bucket{"}

	t.Run("worker", func(t *testing.T) {
		m := start(t, false, "worker-http")
		if m.Addr() != "" {
			t.Errorf("the worker serves the API on %s", m.Addr())
		}
		base := "http://" + m.WorkerAddr()
		code, body := get(t, base+"/healthz")
		if code != http.StatusOK || !strings.Contains(body, `"version":"`+version+`"`) {
			t.Errorf("/healthz = %d %s, want 200 with the version", code, body)
		}
		testenv.WaitFor(t, 30*time.Second, "/readyz to answer 200", func() bool {
			code, _ := get(t, base+"/readyz")
			return code == http.StatusOK
		})
		_, body = get(t, base+"/readyz")
		var ready struct{ Checks map[string]string }
		if err := json.Unmarshal([]byte(body), &ready); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"postgres", "temporal", "worker"} {
			if ready.Checks[c] != "ok" {
				t.Errorf("/readyz check %s = %q, want ok (%s)", c, ready.Checks[c], body)
			}
		}
		smoke(t, m, "worker-http")
		waitForMetrics(t, base+"/metrics", append(wantSDK, "go_goroutines ", "process_cpu_seconds_total "))
		if code, _ := get(t, base+"/v1/claims"); code != http.StatusNotFound {
			t.Errorf("/v1/claims on the worker listener = %d, want 404 (no API there)", code)
		}
	})

	t.Run("dev", func(t *testing.T) {
		m := start(t, true, "dev-http")
		if m.WorkerAddr() != "" {
			t.Errorf("dev opened the worker's own listener on %s; the API serves its endpoints", m.WorkerAddr())
		}
		if m.API.Registry() != m.Registry {
			t.Error("the API's registry is not the process's")
		}
		smoke(t, m, "dev-http")
		waitForMetrics(t, "http://"+m.Addr()+"/metrics", wantSDK)
	})
}

// TestWorkerHTTPAddressTaken: an address set on purpose must be free; the
// default may be taken by another worker on the same machine, and then the
// worker runs without its endpoints.
func TestWorkerHTTPAddressTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var logs bytes.Buffer
	m, err := NewMain(env(map[string]string{"CLAIMFLOW_WORKER_HTTP_ADDR": taken.Addr().String()}), &logs)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.openWorkerHTTP(); err == nil || !strings.Contains(err.Error(), "worker http: listen") {
		t.Errorf("explicit address taken: err = %v, want a listen error", err)
	}

	def := config.Default("CLAIMFLOW_WORKER_HTTP_ADDR")
	if ln, err := net.Listen("tcp", def); err == nil {
		defer ln.Close()
	} else if !errors.Is(err, syscall.EADDRINUSE) {
		t.Skipf("cannot occupy %s: %v", def, err)
	}
	if m, err = NewMain(env(nil), &logs); err != nil {
		t.Fatal(err)
	}
	if err := m.openWorkerHTTP(); err != nil {
		t.Fatalf("default address taken: %v, want a warning", err)
	}
	if m.WorkerAddr() != "" || !strings.Contains(logs.String(), "default address is taken") {
		t.Errorf("default address taken: listening on %q, logs %s", m.WorkerAddr(), logs.String())
	}
}

// TestSmokeNamesABadTemporalTLSSetting: every dial goes through
// temporalOptions, so a command fails on a bad TLS file before dialing, and
// says which setting is wrong.
func TestSmokeNamesABadTemporalTLSSetting(t *testing.T) {
	var out, errOut bytes.Buffer
	vars := env(map[string]string{
		"CLAIMFLOW_DATA_DIR":   t.TempDir(),
		"TEMPORAL_TLS_CA_FILE": "missing-ca.pem",
	})
	if code := run(context.Background(), []string{"smoke"}, vars, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "TEMPORAL_TLS_CA_FILE") {
		t.Errorf("smoke: exit %d, stderr %q; want 1 naming TEMPORAL_TLS_CA_FILE", code, errOut.String())
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// waitForMetrics waits until the exposition at url has a line starting with
// each of prefixes.
func waitForMetrics(t *testing.T, url string, prefixes []string) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, url+" to have "+strings.Join(prefixes, ", "), func() bool {
		_, body := get(t, url)
		for _, p := range prefixes {
			if !strings.Contains(body, "\n"+p) {
				return false
			}
		}
		return true
	})
}
