package fhirimport_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// recordedFHIRServer is a recorded-response FHIR R4 server (not a FHIR
// implementation): no FHIR R4 server could be installed from the package
// registries reachable here (npm has no @medplum/server; node-fhir-server-
// core is a framework without storage; HAPI is Java from Maven Central).
// It answers what a SMART Backend Services token endpoint, a Bulk Data
// $export and a paged REST search answer, from the NDJSON files of a data
// set, and checks what a real server checks of the client: the signed
// client assertion (signature with the registered public key, iss, sub,
// aud, exp, a fresh jti) and the bearer token on every other request.
type recordedFHIRServer struct {
	t        *testing.T
	srv      *httptest.Server
	dir      string
	pub      *rsa.PublicKey
	clientID string

	mu        sync.Mutex
	jtis      map[string]bool
	tokens    atomic.Int64
	polls     atomic.Int64
	pages     atomic.Int64
	lastPoll  time.Time
	pollGaps  []time.Duration
	unauthed  atomic.Int64
	pollsWant int64
	refusing  bool // a refused token request is expected
}

const pageSize = 7

func newRecordedFHIRServer(t *testing.T, dir string, pub *rsa.PublicKey) *recordedFHIRServer {
	f := &recordedFHIRServer{t: t, dir: dir, pub: pub, clientID: "claimflow-test", jtis: map[string]bool{}, pollsWant: 2}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /fhir/{what}", f.auth(f.fhir))
	mux.HandleFunc("GET /fhir/status/{id}", f.auth(f.status))
	mux.HandleFunc("GET /fhir/files/{name}", f.auth(f.file))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *recordedFHIRServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	fail := func(msg string) {
		if !f.refusing {
			f.t.Errorf("token request: %s", msg)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
	}
	if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		fail("grant_type " + r.Form.Get("grant_type") + ", assertion type " + r.Form.Get("client_assertion_type"))
		return
	}
	if r.Form.Get("scope") != "system/*.read" {
		fail("scope " + r.Form.Get("scope"))
		return
	}
	tok, err := jwt.ParseSigned(r.Form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS384})
	if err != nil {
		fail("assertion: " + err.Error())
		return
	}
	var c jwt.Claims
	if err := tok.Claims(f.pub, &c); err != nil {
		fail("signature: " + err.Error())
		return
	}
	if err := c.Validate(jwt.Expected{Issuer: f.clientID, Subject: f.clientID, AnyAudience: jwt.Audience{f.srv.URL + "/token"}, Time: time.Now()}); err != nil {
		fail("claims: " + err.Error())
		return
	}
	if c.Expiry == nil || c.Expiry.Time().After(time.Now().Add(5*time.Minute)) || c.ID == "" || tok.Headers[0].KeyID != "key-1" {
		fail("exp over 5 minutes, no jti, or wrong kid")
		return
	}
	f.mu.Lock()
	seen := f.jtis[c.ID]
	f.jtis[c.ID] = true
	f.mu.Unlock()
	if seen {
		fail("jti replayed")
		return
	}
	n := f.tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":300,"scope":"system/*.read"}`, n)
}

func (f *recordedFHIRServer) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			f.unauthed.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (f *recordedFHIRServer) lines(typ string) []string {
	b, err := os.ReadFile(filepath.Join(f.dir, typ+".ndjson"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// fhir answers $export kick-off and type searches.
func (f *recordedFHIRServer) fhir(w http.ResponseWriter, r *http.Request) {
	what := r.PathValue("what")
	if what == "$export" {
		if r.Header.Get("Prefer") != "respond-async" || r.URL.Query().Get("_type") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Location", f.srv.URL+"/fhir/status/1")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	lines := f.lines(what)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f.pages.Add(1)
	var entries []string
	for i := page * pageSize; i < len(lines) && i < (page+1)*pageSize; i++ {
		entries = append(entries, `{"resource":`+lines[i]+`}`)
	}
	links := []string{`{"relation":"self","url":"` + f.srv.URL + r.URL.String() + `"}`}
	if (page+1)*pageSize < len(lines) {
		links = append(links, fmt.Sprintf(`{"relation":"next","url":"%s/fhir/%s?_count=%d&page=%d"}`, f.srv.URL, what, pageSize, page+1))
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	_, _ = fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","total":%d,"link":[%s],"entry":[%s]}`,
		len(lines), strings.Join(links, ","), strings.Join(entries, ","))
}

// status answers "in progress" (202, Retry-After: 1) twice, then the manifest.
func (f *recordedFHIRServer) status(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if !f.lastPoll.IsZero() {
		f.pollGaps = append(f.pollGaps, time.Since(f.lastPoll))
	}
	f.lastPoll = time.Now()
	f.mu.Unlock()
	if f.polls.Add(1) <= f.pollsWant {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-Progress", "exporting")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var out []map[string]string
	for _, typ := range fhirimport.Order {
		if len(f.lines(typ)) > 0 {
			out = append(out, map[string]string{"type": typ, "url": f.srv.URL + "/fhir/files/" + typ + ".ndjson"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"transactionTime": time.Now().Format(time.RFC3339), "request": f.srv.URL + "/fhir/$export",
		"requiresAccessToken": true, "output": out, "error": []any{}})
}

func (f *recordedFHIRServer) file(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.PathValue("name"))
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	_, _ = w.Write(b)
}

func smartSetup(t *testing.T, patients int) (*recordedFHIRServer, fhirimport.FHIRServer, fhirimport.SynthCounts) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "smart-key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: patients, Providers: 3, PayerIDs: []string{"PAYERA1"}, Prefix: "ehr"})
	if err != nil {
		t.Fatal(err)
	}
	f := newRecordedFHIRServer(t, dir, &key.PublicKey)
	return f, fhirimport.FHIRServer{BaseURL: f.srv.URL + "/fhir", TokenURL: f.srv.URL + "/token", ClientID: f.clientID,
		KeyFile: keyFile, KeyID: "key-1", Scope: "system/*.read", MaxWait: time.Minute}, counts
}

func collect(t *testing.T, run func(fhirimport.Emit) error) map[string]int {
	t.Helper()
	got := map[string]int{}
	seen := map[string]bool{}
	if err := run(func(typ, id string, body []byte) error {
		if seen[typ+"/"+id] {
			t.Errorf("%s/%s emitted twice", typ, id)
		}
		seen[typ+"/"+id] = true
		got[typ]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSMARTSearchAndBulkExportAgainstRecordedFHIRServer: REST search
// follows every "next" page and Bulk Data $export polls with Retry-After
// before downloading the NDJSON; one SMART token (a signed client
// assertion) serves every request.
func TestSMARTSearchAndBulkExportAgainstRecordedFHIRServer(t *testing.T) {
	f, cfg, counts := smartSetup(t, 12)
	ctx := context.Background()
	c := fhirimport.NewClient(ctx, cfg, nil)
	got := collect(t, func(e fhirimport.Emit) error { return c.Search(ctx, fhirimport.Order, e) })
	for typ, n := range counts {
		if got[typ] != n {
			t.Errorf("search: %d %s; want %d", got[typ], typ, n)
		}
	}
	if f.pages.Load() < 9+4 { // 12 patients span 2 pages of 7, and so on
		t.Errorf("search read %d pages; paging not followed", f.pages.Load())
	}
	start := time.Now()
	got = collect(t, func(e fhirimport.Emit) error { return c.BulkExport(ctx, fhirimport.Order, e) })
	for typ, n := range counts {
		if got[typ] != n {
			t.Errorf("$export: %d %s; want %d", got[typ], typ, n)
		}
	}
	if f.polls.Load() != 3 || time.Since(start) < 2*time.Second {
		t.Errorf("$export polled %d times in %v; want 3 polls, waiting Retry-After (1 s) twice", f.polls.Load(), time.Since(start))
	}
	for _, g := range f.pollGaps {
		if g < 900*time.Millisecond {
			t.Errorf("polled again after %v, before Retry-After", g)
		}
	}
	if f.tokens.Load() != 1 || f.unauthed.Load() != 0 {
		t.Errorf("%d tokens issued, %d unauthenticated requests; want 1 token reused, none", f.tokens.Load(), f.unauthed.Load())
	}
	// A client whose key the server does not hold gets no token, and the
	// error says so without a record in it.
	other, _, _ := smartSetup(t, 1)
	cfg.TokenURL = other.srv.URL + "/token"
	other.refusing = true
	bad := fhirimport.NewClient(ctx, cfg, nil)
	if err := bad.Search(ctx, []string{"Patient"}, func(string, string, []byte) error { return nil }); err == nil {
		t.Fatal("a client with the wrong key got through")
	}
}

// TestImportFromRecordedFHIRServer runs the import's steps on a FHIR
// source (Bulk Data) into Postgres, as the worker would: every resource
// of the EHR arrives as a claimflow record.
func TestImportFromRecordedFHIRServer(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST FHIR SOURCE A", "PAYERA1")
	_, cfg, counts := smartSetup(t, 15)
	acts := &fhirimport.Activities{Store: s, FHIRServers: map[string]fhirimport.FHIRServer{"ehr": cfg}}
	run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceFHIR, SourceName: "ehr"})
	if err != nil {
		t.Fatal(err)
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceFHIR, Server: "ehr", Bulk: true}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	p, err := acts.ImportValidate(ctx, in)
	if err != nil || p.Invalid != 0 {
		t.Fatalf("validate: %+v %v", p, err)
	}
	p, err = acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 10000})
	total := 0
	for _, n := range counts {
		total += n
	}
	if err != nil || p.Total != total || p.Done != total || p.Failed != 0 {
		t.Fatalf("commit: %+v %v; want %d records done", p, err, total)
	}
	if n := count(t, s, `SELECT count(*)::int FROM encounters WHERE org_id = $1`, a.org.ID); n != counts["Encounter"] {
		t.Fatalf("%d encounters; want %d", n, counts["Encounter"])
	}
	// An unknown server name is a permanent failure naming it.
	in.Server = "nowhere"
	if _, err := acts.ImportFetch(ctx, in); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("unknown server: %v", err)
	}
}
