package api

import (
	"net/http/httptest"
	"testing"
)

// TestClientIP: behind a trusted proxy (an ingress controller) the client
// is the right-most X-Forwarded-For address that is not a trusted proxy,
// so sign-in limits count clients, not the proxy; a client cannot forge
// its address through a proxy that is not trusted.
func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR parsed")
	}
	for _, c := range []struct {
		name, peer, xff string
		trusted         bool
		want            string
	}{
		{"no trusted proxies", "10.1.2.3:5000", "203.0.113.7", false, "10.1.2.3"},
		{"through the ingress", "10.1.2.3:5000", "203.0.113.7", true, "203.0.113.7"},
		{"through two trusted hops", "10.1.2.3:5000", "198.51.100.4, 203.0.113.7, 192.0.2.9", true, "203.0.113.7"},
		{"forged first hop ignored", "10.1.2.3:5000", "1.1.1.1, 203.0.113.7", true, "203.0.113.7"},
		{"untrusted peer's header ignored", "203.0.113.50:5000", "1.1.1.1", true, "203.0.113.50"},
		{"malformed chain", "10.1.2.3:5000", "203.0.113.7, not-an-ip", true, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:5000", "10.9.9.9", true, "10.1.2.3"},
		{"no header", "10.1.2.3:5000", "", true, "10.1.2.3"},
	} {
		s := &Server{}
		if c.trusted {
			s.trusted = trusted
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s: clientIP = %q, want %q", c.name, got, c.want)
		}
	}
}
