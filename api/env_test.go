package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/store"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// spec validates responses against schemas/openapi.yaml.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

func loadSpec(t testing.TB) *spec {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(testenv.RepoRoot(t), "schemas", "openapi.yaml"))
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &spec{doc: doc, router: router}
}

// check validates one response; an undocumented route, status or body
// shape is an error.
func (sp *spec) check(r *http.Request, status int, header http.Header, body []byte) error {
	u := *r.URL
	u.Scheme, u.Host = "", ""
	req := r.Clone(context.Background())
	req.URL = &u
	req.Host = ""
	route, params, err := sp.router.FindRoute(req)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  status,
		Header:  header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// env is a real HTTP server over a fresh database, every response checked
// against the OpenAPI spec.
type env struct {
	t     testing.TB
	store *store.Store
	dsn   string
	srv   *httptest.Server
	logs  *syncBuffer
	spec  *spec
	api   *Server

	mu        sync.Mutex
	checkSpec bool
	drift     []string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s, dsn := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	e := &env{t: t, store: s, dsn: dsn, logs: &syncBuffer{}, spec: loadSpec(t), checkSpec: true}
	api := New(Options{Logger: logging.New(e.logs, "debug"), Version: "test", Records: s})
	e.api = api
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		e.mu.Lock()
		check := e.checkSpec
		e.mu.Unlock()
		if check && strings.HasPrefix(r.URL.Path, "/v1/") {
			if err := e.spec.check(r, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				e.mu.Lock()
				e.drift = append(e.drift, r.Method+" "+r.URL.Path+" "+rec.Result().Status+": "+err.Error())
				e.mu.Unlock()
			}
		}
	}))
	t.Cleanup(func() {
		e.srv.Close()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, d := range e.drift {
			t.Errorf("response drifts from schemas/openapi.yaml: %s", d)
		}
	})
	return e
}

// call sends a request and decodes a JSON answer into out (when non-nil).
func (e *env) call(tok, method, path string, body any, out any, hdr ...string) int {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode
}

// mustCall is call expecting a status.
func (e *env) mustCall(want int, tok, method, path string, body any, out any, hdr ...string) {
	e.t.Helper()
	var raw json.RawMessage
	got := e.call(tok, method, path, body, &raw, hdr...)
	if got != want {
		e.t.Fatalf("%s %s = %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatal(err)
		}
	}
}

// world is a health system with facilities A and B, an admin token at the
// root and records in both facilities.
type world struct {
	*env
	root, facA, facB store.Org
	rootAdmin        string // token
	provA, provB     store.Provider
	payer            store.Payer
}

func (e *env) token(org, login string, roles ...string) string {
	e.t.Helper()
	ctx := context.Background()
	u, _, err := e.store.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: login})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range roles {
		if err := e.store.Grant(ctx, store.System, u.ID, org, r); err != nil {
			e.t.Fatal(err)
		}
	}
	tok, err := e.store.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{env: newEnv(t)}
	ctx := context.Background()
	var err error
	if w.root, err = w.store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST HEALTH SYSTEM"}); err != nil {
		t.Fatal(err)
	}
	w.rootAdmin = w.token(w.root.ID, "root-admin", "admin")
	w.mustCall(201, w.rootAdmin, "POST", "/v1/orgs", map[string]any{"parent_id": w.root.ID, "kind": "facility", "name": "TEST FACILITY A"}, &w.facA)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/orgs", map[string]any{"parent_id": w.root.ID, "kind": "facility", "name": "TEST FACILITY B"}, &w.facB)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/providers", map[string]any{"org_id": w.facA.ID, "npi": "1234567893", "last_name": "TESTDOC A", "taxonomy": "207Q00000X", "credentials": []string{"MD"}}, &w.provA)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/providers", map[string]any{"org_id": w.facB.ID, "npi": "1245319599", "last_name": "TESTDOC B", "taxonomy": "207Q00000X"}, &w.provB)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/payers", map[string]any{"org_id": w.root.ID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "local"}, &w.payer)
	return w
}

// records is one patient's records in one facility.
type records struct {
	patient     store.Patient
	coverage    store.Coverage
	appointment store.Appointment
	waitlist    store.WaitlistEntry
	encounter   store.Encounter
	claim       store.Claim
}

func (w *world) makeRecords(org store.Org, prov store.Provider, last, member string, day int) records {
	w.t.Helper()
	return w.makeRecordsWith(w.rootAdmin, w.payer, org, prov, last, member, day)
}

// makeRecordsWith is makeRecords by admin (a token) with payer.
func (w *world) makeRecordsWith(admin string, payer store.Payer, org store.Org, prov store.Provider, last, member string, day int) records {
	w.t.Helper()
	var r records
	w.mustCall(201, admin, "POST", "/v1/patients", map[string]any{"org_id": org.ID, "first_name": "TESTPATIENT", "last_name": last,
		"birth_date": "1901-02-03", "sex": "U", "phone": "555-0100"}, &r.patient)
	w.mustCall(201, admin, "POST", "/v1/coverages", map[string]any{"patient_id": r.patient.ID, "payer_id": payer.ID, "member_id": member,
		"relationship": "self", "priority": 1}, &r.coverage)
	start := testDay(day)
	w.mustCall(201, admin, "POST", "/v1/appointments", map[string]any{"provider_id": prov.ID, "patient_id": r.patient.ID, "visit_type": "new",
		"starts_at": start, "ends_at": start.Add(30 * 60e9)}, &r.appointment)
	w.mustCall(201, admin, "POST", "/v1/waitlist", map[string]any{"org_id": org.ID, "patient_id": r.patient.ID, "provider_id": prov.ID,
		"visit_type": "follow-up", "priority": 5, "weekdays": []int{1, 3}, "time_from": "08:00", "time_to": "12:00"}, &r.waitlist)
	w.mustCall(201, admin, "POST", "/v1/encounters", map[string]any{"patient_id": r.patient.ID, "provider_id": prov.ID, "coverage_id": r.coverage.ID,
		"appointment_id": r.appointment.ID, "date_of_service": start.Format("2006-01-02"), "place_of_service": "11", "diagnoses": []string{"Z00.00"},
		"charges": []map[string]any{{"code": "99213", "modifiers": []string{"25"}, "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 12500}}}, &r.encounter)
	w.mustCall(201, admin, "POST", "/v1/claims", map[string]any{"encounter_id": r.encounter.ID}, &r.claim)
	return r
}
