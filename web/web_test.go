package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerIndexOrNotBuilt(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if Built() {
		if rec.Code != http.StatusOK || !strings.Contains(body, `<div id="root">`) {
			t.Errorf("GET / = %d %q, want the app's index.html", rec.Code, body)
		}
	} else if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "make web") {
		t.Errorf("GET / without a build = %d %q, want 503 naming make web", rec.Code, body)
	}
	rec = httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", rec.Code)
	}
}
