package api

import (
	"net/http"
	"testing"
)

// TestSecurityHeaders (issue 14, finding 8): every API answer, success,
// problem or 304, tells browsers and proxies not to store it and not to
// sniff its type.
func TestSecurityHeaders(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	r := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/v1/patients/" + r.patient.ID, w.rootAdmin, 200},
		{"/v1/patients", w.rootAdmin, 200},
		{"/v1/dashboard/claims/summary", w.rootAdmin, 200},
		{"/v1/patients", "", 401},
	} {
		req, _ := http.NewRequest("GET", w.srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := w.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s = %d, want %d", c.path, res.StatusCode, c.want)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control = %q, want no-store", c.path, got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q, want nosniff", c.path, got)
		}
	}
	srv, _ := newTestServer(t)
	for _, path := range []string{"/healthz", "/metrics", "/no-such-route"} {
		rec := do(t, srv, "GET", path, nil)
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %v, want no-store and nosniff", path, rec.Code, rec.Header())
		}
	}
}
