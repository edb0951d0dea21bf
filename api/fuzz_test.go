package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// FuzzAPIBodies sends fuzzed JSON bodies and query strings to every
// operation of schemas/openapi.yaml through the real router, over a real
// Postgres database with one patient's records; no input may answer 5xx.
// The seed corpus is a body built from each operation's request schema
// (seedBody: every property with a valid value), the required query
// parameters, and hostile variants of an encounter (a NUL in a text
// field, an amount past a bigint): one seed per operation keeps the
// baseline short (TestHostileInput sends the hostile table). One exec is one request (a few ms: one
// transaction); scripts/fuzz.sh runs it with the other targets.
func FuzzAPIBodies(f *testing.F) {
	w := newDashboardWorld(f, &fakeClaimWorkflows{})
	ids := hostileIDs(w)
	// Paths name a throwaway system user, so disabling it, revoking its
	// grants or rotating its token leaves the caller's own access alone.
	var spare store.User
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users", map[string]any{"org_id": w.facA.ID, "kind": "system", "login": "fuzz-spare", "display_name": "FUZZ SPARE"}, &spare)
	var spareTok store.IssuedToken
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+spare.ID+"/tokens", nil, &spareTok)
	ids["users/id"], ids["users/token_id"] = spare.ID, spareTok.ID
	w.checkSpec = false
	// The operations that read a body or query parameters (the rest read
	// neither, and TestHostileInput covers their paths).
	var ops []specOp
	for _, o := range w.spec.ops() {
		if o.Body != nil || len(o.Query) > 0 {
			ops = append(ops, o)
		}
	}

	for i, o := range ops {
		q := url.Values{}
		for _, p := range o.Query {
			if p.Required {
				q.Set(p.Name, seedQuery(p, ids))
			}
		}
		var body []byte
		if o.Body != nil {
			base := seedBody(o.Body, "", ids)
			body, _ = json.Marshal(base)
			if _, ok := base.(map[string]any)["charges"]; ok {
				hostile, _ := json.Marshal(withValue(base, "/date_of_service", "x\x00y"))
				f.Add(uint16(i), q.Encode(), hostile)
				big, _ := json.Marshal(withValue(base, "/charges/0/amount_cents", int64(9223372036854775807)))
				f.Add(uint16(i), q.Encode(), big)
			}
		}
		f.Add(uint16(i), q.Encode(), body)
	}

	f.Fuzz(func(t *testing.T, op uint16, query string, body []byte) {
		o := ops[int(op)%len(ops)]
		target := fillPath(o.Path, ids)
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(o.Method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request line net/http would accept
		}
		req.RemoteAddr = "192.0.2.1:4321"
		req.Header.Set("Content-Type", "application/json")
		if o.Path != "/v1/auth/login" {
			req.Header.Set("Authorization", "Bearer "+w.rootAdmin)
		}
		rec := httptest.NewRecorder()
		w.api.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s = %d: %s", o.Method, o.Path, rec.Code, rec.Body.Bytes())
		}
	})
}
