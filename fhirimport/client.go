package fhirimport

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// FHIRServer is one EHR's FHIR R4 endpoint and its SMART Backend Services
// registration: the worker's configuration, never workflow input.
type FHIRServer struct {
	BaseURL  string `json:"base_url"`
	TokenURL string `json:"token_url"` // "" for an open server
	ClientID string `json:"client_id"`
	// KeyFile is the PEM private key (RSA → RS384, EC P-384 → ES384) whose
	// public half the EHR holds (its JWKS); KeyID is its "kid".
	KeyFile string `json:"key_file"`
	KeyID   string `json:"key_id"`
	Scope   string `json:"scope"` // e.g. "system/*.read"
	// MaxWait bounds a Bulk Data export's polling (default 1 hour).
	MaxWait time.Duration `json:"max_wait"`
}

// Client talks to one FHIR server. Authorisation is SMART Backend
// Services: a client_credentials grant whose client is authenticated by a
// signed JWT assertion (RFC 7523). golang.org/x/oauth2 does the grant and
// token reuse, go-jose signs the assertion; only the assertion's claims
// (iss = sub = client id, aud = token URL, exp within 5 minutes, a unique
// jti) are written here.
type Client struct {
	srv  FHIRServer
	http *http.Client
	err  error
}

// NewClient builds a client; base carries transport settings (nil: default).
func NewClient(ctx context.Context, srv FHIRServer, base *http.Client) *Client {
	if base == nil {
		base = &http.Client{Timeout: 5 * time.Minute}
	}
	c := &Client{srv: srv, http: base}
	if srv.TokenURL == "" {
		return c
	}
	key, err := loadKey(srv.KeyFile)
	if err != nil {
		c.err = err
		return c
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, base)
	src := &assertionSource{ctx: ctx, srv: srv, key: key}
	c.http = oauth2.NewClient(ctx, oauth2.ReuseTokenSource(nil, src))
	c.http.Timeout = base.Timeout
	return c
}

func loadKey(file string) (crypto.Signer, error) {
	b, err := os.ReadFile(file) //nolint:gosec // the operator configures the key file
	if err != nil {
		return nil, fmt.Errorf("fhir: private key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("fhir: private key: no PEM block")
	}
	for _, parse := range []func([]byte) (any, error){x509.ParsePKCS8PrivateKey,
		func(d []byte) (any, error) { return x509.ParsePKCS1PrivateKey(d) },
		func(d []byte) (any, error) { return x509.ParseECPrivateKey(d) }} {
		if k, err := parse(blk.Bytes); err == nil {
			if s, ok := k.(crypto.Signer); ok {
				return s, nil
			}
		}
	}
	return nil, errors.New("fhir: private key: not an RSA or EC private key")
}

type assertionSource struct {
	ctx context.Context
	srv FHIRServer
	key crypto.Signer
}

// Assertion signs a fresh client assertion.
func (s *assertionSource) assertion() (string, error) {
	alg := jose.RS384
	if _, ec := s.key.(*ecdsa.PrivateKey); ec {
		alg = jose.ES384
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: s.key, KeyID: s.srv.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	return jwt.Signed(sig).Claims(jwt.Claims{Issuer: s.srv.ClientID, Subject: s.srv.ClientID, Audience: jwt.Audience{s.srv.TokenURL},
		Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: uuid.NewString()}).Serialize()
}

func (s *assertionSource) Token() (*oauth2.Token, error) {
	a, err := s.assertion()
	if err != nil {
		return nil, err
	}
	cfg := clientcredentials.Config{ClientID: s.srv.ClientID, TokenURL: s.srv.TokenURL, AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}}
	if s.srv.Scope != "" {
		cfg.Scopes = strings.Fields(s.srv.Scope)
	}
	return cfg.Token(s.ctx)
}

func (c *Client) url(path string) string {
	return strings.TrimRight(c.srv.BaseURL, "/") + "/" + strings.TrimLeft(path, "/")
}

func (c *Client) get(ctx context.Context, u, accept string, hdr map[string]string) (*http.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return c.http.Do(req)
}

func httpError(resp *http.Response, what string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = b // the server's OperationOutcome may echo PHI: report the status only
	return fmt.Errorf("fhir: %s: HTTP %d", what, resp.StatusCode)
}

// Search pulls each resource type by REST search, following the Bundle's
// "next" links (paging) until the last page.
func (c *Client) Search(ctx context.Context, types []string, emit Emit) error {
	for _, typ := range orderTypes(types) {
		if err := c.searchType(ctx, typ, nil, emit); err != nil {
			return err
		}
	}
	return nil
}

// searchType runs one search of typ with extra parameters, following
// every "next" page.
func (c *Client) searchType(ctx context.Context, typ string, params url.Values, emit Emit) error {
	qs := url.Values{"_count": {"200"}}
	for k, v := range params {
		qs[k] = v
	}
	next := c.url(typ) + "?" + qs.Encode()
	for page := 0; next != ""; page++ {
		resp, err := c.get(ctx, next, "application/fhir+json", nil)
		if err != nil {
			return err
		}
		var b struct {
			Link []struct {
				Relation string `json:"relation"`
				URL      string `json:"url"`
			} `json:"link"`
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if resp.StatusCode != http.StatusOK {
			err = httpError(resp, "search "+typ)
		} else {
			err = json.NewDecoder(resp.Body).Decode(&b)
		}
		resp.Body.Close()
		if err != nil {
			return err
		}
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
		for _, e := range b.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			}
			_ = json.Unmarshal(e.Resource, &head)
			if head.ResourceType != typ { // search may include OperationOutcome entries
				continue
			}
			if err := emit(head.ResourceType, head.ID, e.Resource); err != nil {
				return err
			}
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, typ+" page "+strconv.Itoa(page))
		}
	}
	return nil
}

// syncChunk is how many ids one _id or context search names.
const syncChunk = 50

// SyncSearch pulls what a sync pass needs: every Location (the places of
// service encounters refer to), then the Appointments, Encounters and
// ChargeItems changed after since (_lastUpdated=gt<since>; everything
// when since is ""), then the Encounters of changed ChargeItems that did
// not change themselves (_id) and every ChargeItem of each changed
// Encounter (context), because an encounter is billed with all its
// charges. Each resource is emitted once.
func (c *Client) SyncSearch(ctx context.Context, since string, emit Emit) error {
	if err := c.searchType(ctx, "Location", nil, emit); err != nil {
		return err
	}
	var changed url.Values
	if since != "" {
		changed = url.Values{"_lastUpdated": {"gt" + since}}
	}
	seen := map[string]bool{}
	var encounters, wanted []string
	once := func(e Emit) Emit {
		return func(typ, id string, body []byte) error {
			if seen[typ+"/"+id] {
				return nil
			}
			seen[typ+"/"+id] = true
			if typ == "Encounter" {
				encounters = append(encounters, id)
			}
			if typ == "ChargeItem" {
				var ci struct {
					Context *struct {
						Reference string `json:"reference"`
					} `json:"context"`
				}
				if json.Unmarshal(body, &ci) == nil && ci.Context != nil {
					if i := strings.LastIndex(ci.Context.Reference, "Encounter/"); i >= 0 {
						wanted = append(wanted, ci.Context.Reference[i+len("Encounter/"):])
					}
				}
			}
			return e(typ, id, body)
		}
	}
	for _, typ := range []string{"Appointment", "Encounter", "ChargeItem"} {
		if err := c.searchType(ctx, typ, changed, once(emit)); err != nil {
			return err
		}
	}
	var missing []string
	for _, id := range wanted {
		if !seen["Encounter/"+id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	for ids := range slices.Chunk(missing, syncChunk) {
		if err := c.searchType(ctx, "Encounter", url.Values{"_id": {strings.Join(ids, ",")}}, once(emit)); err != nil {
			return err
		}
	}
	for ids := range slices.Chunk(slices.Clone(encounters), syncChunk) {
		refs := make([]string, len(ids))
		for i, id := range ids {
			refs[i] = "Encounter/" + id
		}
		if err := c.searchType(ctx, "ChargeItem", url.Values{"context": {strings.Join(refs, ",")}}, once(emit)); err != nil {
			return err
		}
	}
	return nil
}

func orderTypes(types []string) []string {
	out := slices.Clone(types)
	rank := func(t string) int {
		if i := slices.Index(Order, t); i >= 0 {
			return i
		}
		return len(Order)
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// BulkExport runs a Bulk Data system export: kick-off (Prefer:
// respond-async, 202 with Content-Location), status polling honouring
// Retry-After until 200 with the manifest, then each NDJSON output file in
// type order.
func (c *Client) BulkExport(ctx context.Context, types []string, emit Emit) error {
	kick := c.url("$export") + "?_type=" + url.QueryEscape(strings.Join(types, ","))
	resp, err := c.get(ctx, kick, "application/fhir+json", map[string]string{"Prefer": "respond-async"})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return httpError(resp, "$export kick-off")
	}
	status := resp.Header.Get("Content-Location")
	if status == "" {
		return errors.New("fhir: $export kick-off: no Content-Location")
	}
	manifest, err := c.poll(ctx, status)
	if err != nil {
		return err
	}
	outs := manifest.Output
	slices.SortStableFunc(outs, func(a, b bulkOutput) int {
		return slices.Index(orderTypes(types), a.Type) - slices.Index(orderTypes(types), b.Type)
	})
	for _, o := range outs {
		if err := c.download(ctx, o.URL, emit); err != nil {
			return err
		}
	}
	return nil
}

type bulkOutput struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type bulkManifest struct {
	Output []bulkOutput `json:"output"`
	Error  []bulkOutput `json:"error"`
}

func (c *Client) poll(ctx context.Context, status string) (bulkManifest, error) {
	var m bulkManifest
	wait := c.srv.MaxWait
	if wait <= 0 {
		wait = time.Hour
	}
	deadline := time.Now().Add(wait)
	for {
		resp, err := c.get(ctx, status, "application/json", nil)
		if err != nil {
			return m, err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			err = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			return m, err
		case http.StatusAccepted, http.StatusTooManyRequests:
			resp.Body.Close()
			d := retryAfter(resp.Header.Get("Retry-After"))
			if time.Now().Add(d).After(deadline) {
				return m, fmt.Errorf("fhir: $export not complete after %s", wait)
			}
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, "export "+resp.Header.Get("X-Progress"))
			}
			select {
			case <-ctx.Done():
				return m, ctx.Err()
			case <-time.After(d):
			}
		default:
			defer resp.Body.Close()
			return m, httpError(resp, "$export status")
		}
	}
}

// retryAfter reads seconds or an HTTP date; default 2 s, at most 2 min.
func retryAfter(v string) time.Duration {
	d := 2 * time.Second
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return max(min(d, 2*time.Minute), 100*time.Millisecond)
}

func (c *Client) download(ctx context.Context, u string, emit Emit) error {
	resp, err := c.get(ctx, u, "application/fhir+ndjson", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return httpError(resp, "$export download")
	}
	return ReadNDJSON(resp.Body, emit)
}
