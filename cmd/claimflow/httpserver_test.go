package main

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/claimflow/claimflow/config"
)

// TestHTTPServerTimeouts (issue 14, finding 8): the API server has read,
// write and idle timeouts, from the configuration, besides the header
// timeout; sign-in limits and token lifetimes reach the store's policy.
func TestHTTPServerTimeouts(t *testing.T) {
	c, err := config.Load(func(k string) string {
		return map[string]string{"CLAIMFLOW_HTTP_WRITE_TIMEOUT": "45s", "CLAIMFLOW_API_TOKEN_TTL": "720h"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newHTTPServer(c, http.NotFoundHandler(), slog.Default())
	for _, x := range []struct {
		name      string
		got, want time.Duration
	}{{"ReadHeaderTimeout", s.ReadHeaderTimeout, 10 * time.Second}, {"ReadTimeout", s.ReadTimeout, 30 * time.Second},
		{"WriteTimeout", s.WriteTimeout, 45 * time.Second}, {"IdleTimeout", s.IdleTimeout, 120 * time.Second}} {
		if x.got != x.want {
			t.Errorf("%s = %v, want %v", x.name, x.got, x.want)
		}
	}
	p := authPolicy(c)
	if p.APITokenTTL != 720*time.Hour || p.TokenRotationGrace != time.Hour || p.AccountAttempts != 5 || p.AddressAttempts != 20 || p.AttemptWindow != time.Minute {
		t.Errorf("policy = %+v", p)
	}
	if _, err := config.Load(func(k string) string {
		return map[string]string{"CLAIMFLOW_API_TOKEN_TTL": "0s"}[k]
	}); err == nil {
		t.Error("CLAIMFLOW_API_TOKEN_TTL=0s loaded: tokens must expire")
	}
}
