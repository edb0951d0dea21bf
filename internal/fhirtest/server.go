// Package fhirtest holds a recorded-response FHIR R4 server for tests
// (fhirimport's and the CLI's): no FHIR R4 server can be installed from
// the package registries reachable here, so this answers what a real one
// answers to claimflow's client, from NDJSON files, and checks what a
// real one checks of it.
package fhirtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
)

// RecordedFHIRServer is a recorded-response FHIR R4 server (not a FHIR
// implementation): no FHIR R4 server could be installed from the package
// registries reachable here (npm has no @medplum/server; node-fhir-server-
// core is a framework without storage; HAPI is Java from Maven Central).
// It answers what a SMART Backend Services token endpoint, a Bulk Data
// $export and a paged REST search answer, from the NDJSON files of a data
// set, and checks what a real server checks of the client: the signed
// client assertion (signature with the registered public key, iss, sub,
// aud, exp, a fresh jti) and the bearer token on every other request.
type RecordedFHIRServer struct {
	t        *testing.T
	Srv      *httptest.Server
	dir      string
	pub      *rsa.PublicKey
	ClientID string

	mu        sync.Mutex
	jtis      map[string]bool
	Tokens    atomic.Int64
	Polls     atomic.Int64
	Pages     atomic.Int64
	lastPoll  time.Time
	PollGaps  []time.Duration
	Unauthed  atomic.Int64
	pollsWant int64
	Refusing  bool // a refused token request is expected
}

// PageSize is how many resources one search page holds.
const PageSize = 7

func New(t *testing.T, dir string, pub *rsa.PublicKey) *RecordedFHIRServer {
	f := &RecordedFHIRServer{t: t, dir: dir, pub: pub, ClientID: "claimflow-test", jtis: map[string]bool{}, pollsWant: 2}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /fhir/{what}", f.auth(f.fhir))
	mux.HandleFunc("GET /fhir/status/{id}", f.auth(f.status))
	mux.HandleFunc("GET /fhir/files/{name}", f.auth(f.file))
	f.Srv = httptest.NewServer(mux)
	t.Cleanup(f.Srv.Close)
	return f
}

func (f *RecordedFHIRServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	fail := func(msg string) {
		if !f.Refusing {
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
	if err := c.Validate(jwt.Expected{Issuer: f.ClientID, Subject: f.ClientID, AnyAudience: jwt.Audience{f.Srv.URL + "/token"}, Time: time.Now()}); err != nil {
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
	n := f.Tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":300,"scope":"system/*.read"}`, n)
}

func (f *RecordedFHIRServer) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			f.Unauthed.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (f *RecordedFHIRServer) lines(typ string) []string {
	b, err := os.ReadFile(filepath.Join(f.dir, typ+".ndjson"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// fhir answers $export kick-off and type searches.
func (f *RecordedFHIRServer) fhir(w http.ResponseWriter, r *http.Request) {
	what := r.PathValue("what")
	if what == "$export" {
		if r.Header.Get("Prefer") != "respond-async" || r.URL.Query().Get("_type") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Location", f.Srv.URL+"/fhir/status/1")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	lines := f.search(what, r.URL.Query())
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f.Pages.Add(1)
	var entries []string
	for i := page * PageSize; i < len(lines) && i < (page+1)*PageSize; i++ {
		entries = append(entries, `{"resource":`+lines[i]+`}`)
	}
	links := []string{`{"relation":"self","url":"` + f.Srv.URL + r.URL.String() + `"}`}
	if (page+1)*PageSize < len(lines) {
		q := r.URL.Query()
		q.Set("_count", strconv.Itoa(PageSize))
		q.Set("page", strconv.Itoa(page+1))
		links = append(links, fmt.Sprintf(`{"relation":"next","url":"%s/fhir/%s?%s"}`, f.Srv.URL, what, q.Encode()))
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	_, _ = fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","total":%d,"link":[%s],"entry":[%s]}`, //nolint:gosec // G705: the test server's recorded JSON, served as application/fhir+json
		len(lines), strings.Join(links, ","), strings.Join(entries, ","))
}

// search answers the resources of typ matching the search parameters a
// sync uses: _lastUpdated=gt<instant> (meta.lastUpdated after it; a
// resource without meta.lastUpdated never matches), _id=a,b and, for
// ChargeItem, context=Encounter/a,Encounter/b. Any other parameter but
// _count and page is refused, as a server refuses an unknown one under
// "Prefer: handling=strict".
func (f *RecordedFHIRServer) search(typ string, q url.Values) []string {
	var out []string
	for k := range q {
		switch k {
		case "_count", "page", "_lastUpdated", "_id", "context":
		default:
			f.t.Errorf("search %s: unsupported parameter %s", typ, k)
		}
	}
	var after time.Time
	if v := q.Get("_lastUpdated"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(v, "gt"))
		if err != nil || !strings.HasPrefix(v, "gt") {
			f.t.Errorf("search %s: _lastUpdated=%s", typ, v)
			return nil
		}
		after = t
	}
	ids := splitSet(q.Get("_id"))
	contexts := splitSet(q.Get("context"))
	for _, l := range f.lines(typ) {
		var res struct {
			ID   string `json:"id"`
			Meta struct {
				LastUpdated string `json:"lastUpdated"`
			} `json:"meta"`
			Context struct {
				Reference string `json:"reference"`
			} `json:"context"`
		}
		if json.Unmarshal([]byte(l), &res) != nil {
			continue
		}
		if !after.IsZero() {
			t, err := time.Parse(time.RFC3339Nano, res.Meta.LastUpdated)
			if err != nil || !t.After(after) {
				continue
			}
		}
		if ids != nil && !ids[res.ID] || contexts != nil && !contexts[res.Context.Reference] {
			continue
		}
		out = append(out, l)
	}
	return out
}

func splitSet(v string) map[string]bool {
	if v == "" {
		return nil
	}
	m := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		m[s] = true
	}
	return m
}

// status answers "in progress" (202, Retry-After: 1) twice, then the manifest.
func (f *RecordedFHIRServer) status(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if !f.lastPoll.IsZero() {
		f.PollGaps = append(f.PollGaps, time.Since(f.lastPoll))
	}
	f.lastPoll = time.Now()
	f.mu.Unlock()
	if f.Polls.Add(1) <= f.pollsWant {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-Progress", "exporting")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var out []map[string]string
	for _, typ := range fhirimport.Order {
		if len(f.lines(typ)) > 0 {
			out = append(out, map[string]string{"type": typ, "url": f.Srv.URL + "/fhir/files/" + typ + ".ndjson"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"transactionTime": time.Now().Format(time.RFC3339), "request": f.Srv.URL + "/fhir/$export",
		"requiresAccessToken": true, "output": out, "error": []any{}})
}

func (f *RecordedFHIRServer) file(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.PathValue("name"))
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	_, _ = w.Write(b)
}

// SMART starts a recorded-response server over the NDJSON files of dir
// with a fresh RSA key registered for the client, and answers the FHIR
// server settings (base URL, token URL, client ID, the key file) the
// importer is configured with.
func SMART(t *testing.T, dir string) (*RecordedFHIRServer, fhirimport.FHIRServer) {
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
	f := New(t, dir, &key.PublicKey)
	return f, fhirimport.FHIRServer{BaseURL: f.Srv.URL + "/fhir", TokenURL: f.Srv.URL + "/token", ClientID: f.ClientID,
		KeyFile: keyFile, KeyID: "key-1", Scope: "system/*.read", MaxWait: time.Minute}
}

// Edit rewrites the resources of typ in dir for which edit answers true
// (edit changes the decoded resource in place), as the EHR changing
// records between two searches; every edited resource gets
// meta.lastUpdated = at. It answers how many it edited.
func Edit(t *testing.T, dir, typ string, at time.Time, edit func(res map[string]any) bool) int {
	t.Helper()
	file := filepath.Join(dir, typ+".ndjson")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var res map[string]any
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatal(err)
		}
		if edit(res) {
			n++
			res["meta"] = map[string]any{"lastUpdated": at.UTC().Format(time.RFC3339Nano)}
			nb, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			l = string(nb)
		}
		out = append(out, l)
	}
	if err := os.WriteFile(file, []byte(strings.Join(out, "\n")+"\n"), 0o600); err != nil { //nolint:gosec // G703: the test's own recorded file
		t.Fatal(err)
	}
	return n
}
