package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/logging"
)

func newTestServer(t *testing.T, checks ...Check) (*Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	return New(Options{Logger: logging.New(&logs, "debug"), Checks: checks, Version: "test"}), &logs
}

func do(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestReadyz(t *testing.T) {
	ok := Check{Name: "postgres", Fn: func(context.Context) error { return nil }}
	down := Check{Name: "temporal", Fn: func(context.Context) error { return errors.New("connection refused") }}
	for _, tc := range []struct {
		name   string
		checks []Check
		want   int
	}{
		{"all up", []Check{ok}, http.StatusOK},
		{"one down", []Check{ok, down}, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, tc.checks...)
			rec := do(t, s, "GET", "/readyz", nil)
			if got := rec.Code; got != tc.want {
				t.Fatalf("status = %d, want %d: %s", got, tc.want, rec.Body)
			}
			var body struct {
				Checks map[string]string `json:"checks"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if len(body.Checks) != len(tc.checks) {
				t.Errorf("checks = %v, want %d entries", body.Checks, len(tc.checks))
			}
		})
	}
}

func TestHealthzAndRequestID(t *testing.T) {
	s, logs := newTestServer(t)
	rec := do(t, s, "GET", "/healthz", map[string]string{"X-Request-ID": "abc-123"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	if got, want := rec.Header().Get("X-Request-ID"), "abc-123"; got != want {
		t.Errorf("X-Request-ID = %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), `"request_id":"abc-123"`) {
		t.Errorf("access log lacks the request ID:\n%s", logs)
	}
	// A malformed caller ID is replaced, not echoed into logs.
	rec = do(t, s, "GET", "/healthz", map[string]string{"X-Request-ID": "bad id\n<script>"})
	if got := rec.Header().Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n<") {
		t.Errorf("X-Request-ID = %q, want a generated one", got)
	}
}

func TestUnknownRouteIsProblemJSON(t *testing.T) {
	s, _ := newTestServer(t)
	rec := do(t, s, "GET", "/nowhere", nil)
	if got, want := rec.Code, http.StatusNotFound; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	if got, want := rec.Header().Get("Content-Type"), "application/problem+json"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 404 || p.RequestID == "" || !strings.HasSuffix(p.Type, "/not-found") {
		t.Errorf("problem = %+v", p)
	}
}

func TestPanicIsInternalErrorWithoutDetail(t *testing.T) {
	s, logs := newTestServer(t)
	s.Router().Get("/boom", func(http.ResponseWriter, *http.Request) { panic("secret detail DOE JANE") })
	rec := do(t, s, "GET", "/boom", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	if strings.Contains(string(body), "DOE") || !strings.Contains(string(body), "internal error") {
		t.Errorf("body = %s", body)
	}
	if strings.Contains(logs.String(), "DOE") {
		t.Errorf("panic value reached the log:\n%s", logs)
	}
}

func TestMetrics(t *testing.T) {
	s, _ := newTestServer(t)
	do(t, s, "GET", "/healthz", nil)
	rec := do(t, s, "GET", "/metrics", nil)
	if !strings.Contains(rec.Body.String(), `claimflow_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics lack the healthz request:\n%s", rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Error("metrics lack the Go collector")
	}
}
