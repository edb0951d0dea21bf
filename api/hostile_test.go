package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/store"
)

// hostileMarker is in every hostile text value, so a log line that carries
// a caller's value is found by searching for it.
const hostileMarker = "HOSTILE7"

// notUUID is 36 characters, the length of an ID, but not a UUID.
const notUUID = hostileMarker + "-zzzz-zzzz-zzzz-zzzzzzzzzzzz"

// x12Fields are the body fields that go into X12 (837, 270, 276) as
// text, by the collection that receives them: X12 delimiters are refused
// there.
var x12Fields = map[string][]string{
	"patients":  {"first_name", "last_name", "address"},
	"coverages": {"member_id", "group_number", "subscriber_first_name", "subscriber_last_name"},
	"providers": {"first_name", "last_name"},
	"payers":    {"name", "clearinghouse_payer_id"},
}

// hostileIDs makes one patient's records and returns the IDs a path or a
// body names, by "<collection>/<path parameter>" and by property name.
func hostileIDs(w *world) map[string]string {
	r := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	sys := w.userID("root-admin")
	if err := w.store.Grant(context.Background(), store.System, sys, w.root.ID, "compliance"); err != nil { // audit:read
		w.t.Fatal(err)
	}
	var tok store.IssuedToken
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+sys+"/tokens", nil, &tok)
	return map[string]string{
		"org_id": w.facA.ID, "parent_id": w.root.ID, "patient_id": r.patient.ID, "provider_id": w.provA.ID,
		"payer_id": w.payer.ID, "coverage_id": r.coverage.ID, "appointment_id": r.appointment.ID,
		"encounter_id": r.encounter.ID, "claim_id": r.claim.ID, "actor_id": sys, "user_id": sys,
		"orgs/id": w.facA.ID, "users/id": sys, "users/token_id": tok.ID, "providers/id": w.provA.ID,
		"payers/id": w.payer.ID, "patients/id": r.patient.ID, "coverages/id": r.coverage.ID,
		"appointments/id": r.appointment.ID, "waitlist/id": r.waitlist.ID, "encounters/id": r.encounter.ID,
		"claims/id": r.claim.ID,
		// Work items are numbered; none exists, so the body is read and
		// the item then not found.
		"work-queue/id": "1",
	}
}

// hostileCase is one request and the field (JSON pointer or query
// parameter) its 4xx problem must name.
type hostileCase struct {
	name         string
	method, path string
	body         any
	pointer      string
	parameter    string
	// then, when the request was accepted (before the fix), shows what
	// the stored value does next.
	then func(t *testing.T, w *world, ids map[string]string, raw []byte)
}

// TestHostileInput sends every hostile input of the security review
// (issue 14, findings 5 and 6) to the real router: a NUL or control
// character in every text field of every body and every query parameter,
// a 36-character non-UUID in every ID parameter, X12 delimiters in every
// field that goes into an 837, amounts and dates no claim can carry. Each
// must answer a 4xx problem+json naming the field, never a 500, and no log
// line may carry the caller's value.
func TestHostileInput(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	ids := hostileIDs(w)
	ops := w.spec.ops()

	// Every /v1 route the router mounts is in the spec, so the cases
	// generated from the spec cover it.
	known := map[string]bool{}
	for _, o := range ops {
		known[o.Method+" "+o.Path] = true
	}
	err := chi.Walk(w.api.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/v1/") && !known[method+" "+route] {
			t.Errorf("%s %s is mounted but not in schemas/openapi.yaml: the hostile cases cannot cover it", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	var cases []hostileCase
	for _, o := range ops {
		if o.Body != nil {
			base := seedBody(o.Body, "", ids)
			res := pathResource(o.Path)
			for _, ptr := range stringLeaves(base, "") {
				field := ptr[strings.LastIndex(ptr, "/")+1:]
				for _, v := range []struct{ what, val string }{{"NUL", hostileMarker + "\x00"}, {"escape", hostileMarker + "\x1b[2J"}, {"C1 control", hostileMarker + "\u0085"}} {
					cases = append(cases, hostileCase{name: v.what + " in " + ptr, method: o.Method, path: o.Path, body: withValue(base, ptr, v.val), pointer: ptr})
				}
				if (o.Method == "POST" || o.Method == "PATCH") && slices.Contains(x12Fields[res], field) && !strings.Contains(o.Path, "{id}/") {
					for _, d := range []string{"~", "*", ":", "^"} {
						cases = append(cases, hostileCase{name: "X12 delimiter " + d + " in " + ptr, method: o.Method, path: o.Path,
							body: withValue(base, ptr, "ZZ"+d+hostileMarker), pointer: ptr})
					}
				}
			}
		}
		for _, p := range o.Query {
			vals := []string{hostileMarker + "\x00", hostileMarker + "\x01"}
			if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Format == "uuid" {
				vals = append(vals, notUUID)
			}
			for _, v := range vals {
				q := url.Values{}
				for _, other := range o.Query {
					if other.Required && other.Name != p.Name {
						q.Set(other.Name, seedQuery(other, ids))
					}
				}
				q.Set(p.Name, v)
				cases = append(cases, hostileCase{name: "query " + p.Name + "=" + strings.ToValidUTF8(v, "?"), method: o.Method,
					path: o.Path + "?" + q.Encode(), parameter: p.Name})
			}
		}
	}

	enc := func(charges ...map[string]any) map[string]any {
		return map[string]any{"patient_id": ids["patient_id"], "provider_id": ids["provider_id"], "date_of_service": "2030-01-07",
			"place_of_service": "11", "diagnoses": []string{"Z00.00"}, "charges": charges}
	}
	charge := func(cents any) map[string]any {
		return map[string]any{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": cents}
	}
	claimFrom := func(t *testing.T, w *world, ids map[string]string, raw []byte) {
		var e store.Encounter
		if json.Unmarshal(raw, &e) != nil || e.ID == "" {
			return
		}
		var out json.RawMessage
		status := w.call(w.rootAdmin, "POST", "/v1/claims", map[string]any{"encounter_id": e.ID}, &out)
		t.Errorf("then POST /v1/claims for it = %d %s", status, out)
	}
	patient := func(birth string) map[string]any {
		return map[string]any{"org_id": ids["org_id"], "first_name": "TESTPATIENT", "last_name": "HOSTILE", "birth_date": birth, "sex": "U"}
	}
	coverage := func(from, to string) map[string]any {
		return map[string]any{"patient_id": ids["patient_id"], "payer_id": ids["payer_id"], "member_id": "ZZ0000077", "relationship": "self",
			"priority": 2, "effective_from": from, "effective_to": to}
	}
	dos := func(d string) map[string]any {
		e := enc(charge(12500))
		e["date_of_service"] = d
		return e
	}
	cases = append(cases,
		hostileCase{name: "charge of the largest bigint", method: "POST", path: "/v1/encounters", body: enc(charge(int64(9223372036854775807))),
			pointer: "/charges/0/amount_cents", then: claimFrom},
		hostileCase{name: "charges whose sum overflows bigint", method: "POST", path: "/v1/encounters",
			body: enc(charge(int64(5000000000000000000)), charge(int64(5000000000000000000))), pointer: "/charges/0/amount_cents", then: claimFrom},
		hostileCase{name: "charges within a line's bound whose sum is not", method: "POST", path: "/v1/encounters",
			body: enc(charge(store.MaxAmountCents), charge(store.MaxAmountCents)), pointer: "/charges", then: claimFrom},
		hostileCase{name: "a 0-cent claim", method: "POST", path: "/v1/encounters", body: enc(charge(0)), pointer: "/charges", then: claimFrom},
		hostileCase{name: "date of service 9999-12-31", method: "POST", path: "/v1/encounters", body: dos("9999-12-31"), pointer: "/date_of_service"},
		hostileCase{name: "date of service 0001-01-01", method: "POST", path: "/v1/encounters", body: dos("0001-01-01"), pointer: "/date_of_service"},
		hostileCase{name: "birth date in 2999", method: "POST", path: "/v1/patients", body: patient("2999-01-01"), pointer: "/birth_date"},
		hostileCase{name: "birth date 0001-01-01", method: "POST", path: "/v1/patients", body: patient("0001-01-01"), pointer: "/birth_date"},
		hostileCase{name: "birth date in 2999 by patch", method: "PATCH", path: "/v1/patients/{id}", body: map[string]any{"birth_date": "2999-01-01"}, pointer: "/birth_date"},
		hostileCase{name: "coverage ending before it starts", method: "POST", path: "/v1/coverages", body: coverage("2030-12-31", "2030-01-01"), pointer: "/effective_to"},
		hostileCase{name: "coverage from 0001-01-01", method: "POST", path: "/v1/coverages", body: coverage("0001-01-01", ""), pointer: "/effective_from"},
		hostileCase{name: "NUL in a field name", method: "POST", path: "/v1/orgs", body: map[string]any{"parent_id": ids["parent_id"], "kind": "facility", "name": "X", hostileMarker + "\x00": "x"}, pointer: ""},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rd io.Reader
			if c.body != nil {
				b, err := json.Marshal(c.body)
				if err != nil {
					t.Fatal(err)
				}
				rd = bytes.NewReader(b)
			}
			req, err := http.NewRequest(c.method, w.srv.URL+fillPath(c.path, ids), rd)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.path, "/v1/auth/login") {
				req.Header.Set("Authorization", "Bearer "+w.rootAdmin)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := w.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode > 499 {
				t.Errorf("%s %s = %d, want a 4xx naming %q: %s", c.method, c.path, res.StatusCode, c.pointer+c.parameter, clip(raw))
				if c.then != nil && res.StatusCode < 300 {
					c.then(t, w, ids, raw)
				}
				return
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p Problem
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			named := false
			for _, f := range p.Errors {
				if c.parameter != "" && f.Parameter == c.parameter || c.parameter == "" && f.Pointer == c.pointer {
					named = true
				}
			}
			if !named {
				t.Errorf("%s %s = %d without naming %q: %s", c.method, c.path, res.StatusCode, c.pointer+c.parameter, clip(raw))
			}
			if bytes.Contains(raw, []byte(hostileMarker)) {
				t.Errorf("the problem repeats the caller's value: %s", clip(raw))
			}
		})
	}
	logs := w.logs.String()
	for _, v := range []string{hostileMarker, "9223372036854775807", "5000000000000000000", "9999-12-31", "0001-01-01", "2999-01-01"} {
		if strings.Contains(logs, v) {
			i := strings.Index(logs, v)
			t.Errorf("a log line carries the caller's value %q: ...%s...", v, logs[max(0, i-300):min(len(logs), i+100)])
		}
	}
	t.Logf("%d hostile cases", len(cases))
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
