package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/claimflow/claimflow/store"
)

// fakeUsers is the store's users as the provider sees them: one engineer
// (workflow:decode) and one front-desk user, password "pw" and code
// "123456".
type fakeUsers struct {
	mu       sync.Mutex
	sessions map[string]string // token -> user ID
}

var testUsers = map[string]store.Identity{
	"u-eng":  {UserID: "u-eng", OrgID: "org-a", Kind: "staff", Login: "eng", DisplayName: "TEST ENGINEER", Permissions: map[string]bool{store.PermWorkflowDecode: true}},
	"u-desk": {UserID: "u-desk", OrgID: "org-a", Kind: "staff", Login: "desk", DisplayName: "TEST DESK", Permissions: map[string]bool{}},
}

func (f *fakeUsers) Login(_ context.Context, login, password, code string) (string, error) {
	for _, u := range testUsers {
		if u.Login == login && password == "pw" && code == "123456" {
			f.mu.Lock()
			defer f.mu.Unlock()
			tok := "cf_ses_" + newID()
			f.sessions[tok] = u.UserID
			return tok, nil
		}
	}
	return "", store.ErrUnauthenticated
}

func (f *fakeUsers) Logout(_ context.Context, tok string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, tok)
	return nil
}

func (f *fakeUsers) Authenticate(_ context.Context, tok string) (store.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.sessions[tok]
	if !ok {
		return store.Principal{}, store.ErrUnauthenticated
	}
	u := testUsers[id]
	return store.Principal{UserID: u.UserID, Kind: u.Kind, Permissions: u.Permissions}, nil
}

func (f *fakeUsers) UserIdentity(_ context.Context, id string) (store.Identity, error) {
	if u, ok := testUsers[id]; ok {
		return u, nil
	}
	return store.Identity{}, store.ErrUnauthenticated
}

// memKeys is the signing-key table in memory; plainSealer seals nothing.
type memKeys struct {
	mu   sync.Mutex
	rows []store.OIDCSigningKey
}

func (m *memKeys) OIDCSigningKeys(_ context.Context, now time.Time) ([]store.OIDCSigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.OIDCSigningKey
	for i := len(m.rows) - 1; i >= 0; i-- {
		if m.rows[i].RetireAt.After(now) {
			out = append(out, m.rows[i])
		}
	}
	return out, nil
}

func (m *memKeys) RotateOIDCSigningKey(_ context.Context, k store.OIDCSigningKey, newerThan, retireOthersAt time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.rows); n > 0 && m.rows[n-1].CreatedAt.After(newerThan) {
		return false, nil
	}
	for i := range m.rows {
		if m.rows[i].RetireAt.After(retireOthersAt) {
			m.rows[i].RetireAt = retireOthersAt
		}
	}
	m.rows = append(m.rows, k)
	return true, nil
}

// memRequests is the sign-ins table in memory.
type memRequests struct {
	mu sync.Mutex
	m  map[string]store.OIDCAuthRequest
}

func (m *memRequests) CreateOIDCAuthRequest(_ context.Context, r store.OIDCAuthRequest, expiredBefore time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[r.ID] = r
	return nil
}

func (m *memRequests) find(ok func(store.OIDCAuthRequest) bool, createdAfter time.Time) (store.OIDCAuthRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.m {
		if ok(r) && !r.CreatedAt.Before(createdAfter) {
			return r, nil
		}
	}
	return store.OIDCAuthRequest{}, store.ErrOIDCRequestGone
}

func (m *memRequests) OIDCAuthRequest(_ context.Context, id string, after time.Time) (store.OIDCAuthRequest, error) {
	return m.find(func(r store.OIDCAuthRequest) bool { return r.ID == id }, after)
}

func (m *memRequests) OIDCAuthRequestByCode(_ context.Context, code string, after time.Time) (store.OIDCAuthRequest, error) {
	return m.find(func(r store.OIDCAuthRequest) bool { return r.Code != "" && r.Code == code }, after)
}

func (m *memRequests) update(id string, fn func(*store.OIDCAuthRequest)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.m[id]
	if !ok {
		return store.ErrOIDCRequestGone
	}
	fn(&r)
	m.m[id] = r
	return nil
}

func (m *memRequests) SetOIDCAuthCode(_ context.Context, id, code string) error {
	return m.update(id, func(r *store.OIDCAuthRequest) { r.Code = code })
}

func (m *memRequests) CompleteOIDCAuthRequest(_ context.Context, id, userID string, at, _ time.Time) error {
	return m.update(id, func(r *store.OIDCAuthRequest) { r.UserID, r.AuthTime = userID, &at })
}

func (m *memRequests) DeleteOIDCAuthRequest(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, id)
	return nil
}

type fakeStore struct {
	*fakeUsers
	*memKeys
	*memRequests
}

type plainSealer struct{}

func (plainSealer) SealBlob(_ context.Context, b, _ []byte) ([]byte, error) {
	return append([]byte(nil), b...), nil
}
func (plainSealer) OpenBlob(_ context.Context, b, _ []byte) ([]byte, error) {
	return append([]byte(nil), b...), nil
}

type env struct {
	p     *Provider
	srv   *httptest.Server
	users *fakeUsers
	keys  *memKeys
	clock *time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{users: &fakeUsers{sessions: map[string]string{}}, keys: &memKeys{}}
	now := time.Now()
	e.clock = &now
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	var err error
	e.p, err = New(Config{Issuer: e.srv.URL + "/oidc", AccessTokenTTL: 5 * time.Minute, KeyRotation: time.Hour,
		Clients: []Client{{ID: "temporal-ui", Secret: "ui-secret", RedirectURIs: []string{"http://127.0.0.1:8233/auth/sso/callback"}}},
		Now:     func() time.Time { return *e.clock }}, fakeStore{e.users, e.keys, &memRequests{m: map[string]store.OIDCAuthRequest{}}}, plainSealer{})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/oidc/", http.StripPrefix("/oidc", e.p.Handler()))
	return e
}

// exchange trades a session for an access token (what `claimflow token`
// does), with the CLI client.
func (e *env) exchange(t *testing.T, subject string, audience string) (int, map[string]any) {
	t.Helper()
	return e.exchangeRaw(t, SubjectTokenPrefix+subject, audience)
}

// exchangeRaw sends subject_token exactly as given.
func (e *env) exchangeRaw(t *testing.T, subject string, audience string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {subject},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "audience": {audience}}
	req, _ := http.NewRequest("POST", e.srv.URL+"/oidc/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(CLIClientID, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *env) accessToken(t *testing.T) string {
	t.Helper()
	tok, err := e.users.Login(context.Background(), "eng", "pw", "123456")
	if err != nil {
		t.Fatal(err)
	}
	code, out := e.exchange(t, tok, CodecAudience)
	at, _ := out["access_token"].(string)
	if code != http.StatusOK || at == "" {
		t.Fatalf("token exchange: %d %v", code, out)
	}
	return at
}

// sign makes a JWT with the provider's current key (or none).
func (e *env) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	k, err := e.p.keys.signing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.id}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) claims() map[string]any {
	now := e.clock.Unix()
	return map[string]any{"iss": e.p.Issuer(), "sub": "u-eng", "aud": []string{CodecAudience}, "exp": now + 300, "iat": now,
		"jti": "t1", "client_id": CLIClientID, claimTokenUse: tokenUseAccess}
}

func TestVerifyAccessToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := e.accessToken(t)
	if sub, err := e.p.VerifyAccessToken(ctx, good); err != nil || sub != "u-eng" {
		t.Fatalf("a token from the exchange: sub %q, err %v; want u-eng", sub, err)
	}
	if _, err := e.p.VerifyAccessToken(ctx, e.sign(t, e.claims())); err != nil {
		t.Fatalf("the control token (hand-signed, all claims right) is refused: %v", err)
	}
	with := func(k string, v any) map[string]any {
		c := e.claims()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	b64 := base64.RawURLEncoding.EncodeToString
	goodParts := strings.Split(good, ".")
	unsigned := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + goodParts[1] + "."
	hs256 := func() string { // signed with a shared secret: the algorithm-confusion attack
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
		j, _ := s.Sign([]byte(mustJSON(e.claims())))
		out, _ := j.CompactSerialize()
		return out
	}()
	tampered := goodParts[0] + "." + b64([]byte(strings.Replace(mustJSON(e.claims()), "u-eng", "u-desk", 1))) + "." + goodParts[2]
	otherKey := func() string { // a well-formed token signed by a key not claimflow's
		other := &env{}
		*other = *newEnv(t)
		return other.sign(t, with("iss", e.p.Issuer()))
	}()
	for _, tc := range []struct {
		name, token, want string
	}{
		{"wrong issuer", e.sign(t, with("iss", "https://idp.example.invalid")), "issued by another identity provider"},
		{"wrong audience", e.sign(t, with("aud", []string{"temporal-ui"})), "not for the codec"},
		{"no audience", e.sign(t, with("aud", nil)), "not for the codec"},
		{"expired", e.sign(t, with("exp", e.clock.Add(-time.Minute).Unix())), "expired"},
		{"unsigned (alg none)", unsigned, "unsigned tokens are refused"},
		{"HS256 with a guessed secret", hs256, "unsigned tokens are refused"},
		{"payload changed after signing", tampered, "signature does not verify"},
		{"signed by another key", otherKey, "signature does not verify"},
		{"an ID token, not an access token", e.sign(t, with(claimTokenUse, nil)), "not an access token"},
		{"garbage", "not-a-token", "neither a claimflow token nor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub, err := e.p.VerifyAccessToken(ctx, tc.token)
			var te *TokenError
			if err == nil || !errors.As(err, &te) || !strings.Contains(te.Reason, tc.want) {
				t.Errorf("VerifyAccessToken = %q, %v; want a TokenError saying %q", sub, err, tc.want)
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTokenExchangeRefusals(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.users.Login(context.Background(), "eng", "pw", "123456")
	if code, out := e.exchange(t, tok, "temporal-ui"); code != http.StatusBadRequest || !strings.Contains(mustJSON(out), CodecAudience) {
		t.Errorf("another audience: %d %v, want 400 naming %s", code, out, CodecAudience)
	}
	if code, out := e.exchange(t, "cf_ses_unknown", CodecAudience); code != http.StatusBadRequest {
		t.Errorf("an unknown session: %d %v, want 400", code, out)
	}
	_ = e.users.Logout(context.Background(), tok)
	if code, out := e.exchange(t, tok, CodecAudience); code != http.StatusBadRequest {
		t.Errorf("a signed-out session: %d %v, want 400", code, out)
	}
}

// TestTokenExchangeSubjectIsTheUser is the regression test of a flake:
// zitadel/oidc first "decrypts" an opaque subject token as one of its own
// (AES-CFB, no integrity check), and in about one exchange in ten a bare
// session or API token came out as a made-up subject ("the access token
// names no user"). Every exchange of fresh sessions must name their user;
// a token without the prefix is refused, never exchanged.
func TestTokenExchangeSubjectIsTheUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := 0; i < 60; i++ {
		tok, err := e.users.Login(ctx, "eng", "pw", "123456")
		if err != nil {
			t.Fatal(err)
		}
		code, out := e.exchange(t, tok, CodecAudience)
		at, _ := out["access_token"].(string)
		if code != http.StatusOK || at == "" {
			t.Fatalf("exchange %d: %d %v", i, code, out)
		}
		if sub, err := e.p.VerifyAccessToken(ctx, at); err != nil || sub != "u-eng" {
			t.Fatalf("exchange %d: access token subject %q (%v), want u-eng", i, sub, err)
		}
	}
	for i := 0; i < 20; i++ {
		tok, err := e.users.Login(ctx, "eng", "pw", "123456")
		if err != nil {
			t.Fatal(err)
		}
		if code, out := e.exchangeRaw(t, tok, CodecAudience); code != http.StatusBadRequest {
			t.Fatalf("unprefixed subject token %d: %d %v, want 400", i, code, out)
		}
	}
}

// TestAuthorizationCodeWithPKCE walks the browser flow of a public client:
// /authorize with an S256 challenge, the login page (password and TOTP),
// the callback with a code; the token endpoint refuses a wrong verifier and
// answers the right one with an access token the codec accepts and an ID
// token carrying the user's name.
func TestAuthorizationCodeWithPKCE(t *testing.T) {
	e := newEnv(t)
	jar := &cookieless{}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Jar: jar}
	verifier := "a-long-random-verifier-" + newID() + newID()
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	authorize := e.srv.URL + "/oidc/authorize?" + url.Values{"client_id": {CLIClientID}, "redirect_uri": {CLIRedirectURI},
		"response_type": {"code"}, "scope": {"openid profile"}, "state": {"st8"}, "nonce": {"n0nce"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
	loc := redirect(t, hc, "GET", authorize, nil)
	if !strings.Contains(loc, "/oidc/login?id=") {
		t.Fatalf("authorize redirects to %q, want the login page", loc)
	}
	id := mustParse(t, loc).Query().Get("id")
	page := get(t, hc, loc)
	for _, want := range []string{`id="login"`, `id="password"`, `id="totp"`, `<label for="totp">`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	// Wrong code: the page again, with the reason.
	resp, err := hc.PostForm(e.srv.URL+"/oidc/login", url.Values{"id": {id}, "login": {"eng"}, "password": {"pw"}, "totp": {"000000"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong TOTP: %d, want 401", resp.StatusCode)
	}
	// A user without workflow:decode is told what is missing.
	resp, _ = hc.PostForm(e.srv.URL+"/oidc/login", url.Values{"id": {id}, "login": {"desk"}, "password": {"pw"}, "totp": {"123456"}})
	body := readAll(resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "workflow:decode") {
		t.Errorf("user without workflow:decode: %d, want 403 naming workflow:decode", resp.StatusCode)
	}
	loc = redirect(t, hc, "POST", e.srv.URL+"/oidc/login", url.Values{"id": {id}, "login": {"eng"}, "password": {"pw"}, "totp": {"123456"}})
	loc = redirect(t, hc, "GET", loc, nil) // the provider's callback
	cb := mustParse(t, loc)
	if !strings.HasPrefix(loc, CLIRedirectURI) || cb.Query().Get("state") != "st8" || cb.Query().Get("code") == "" {
		t.Fatalf("callback redirect %q: want the client's redirect URI with state and code", loc)
	}
	token := func(v string) (int, map[string]any) {
		resp, err := hc.PostForm(e.srv.URL+"/oidc/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {CLIClientID},
			"code": {cb.Query().Get("code")}, "redirect_uri": {CLIRedirectURI}, "code_verifier": {v}})
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		return resp.StatusCode, out
	}
	if code, out := token("not-the-verifier-" + newID() + newID()); code == http.StatusOK {
		t.Fatalf("a wrong PKCE verifier got tokens: %v", out)
	}
	code, out := token(verifier)
	if code != http.StatusOK {
		t.Fatalf("token: %d %v", code, out)
	}
	at, _ := out["access_token"].(string)
	if sub, err := e.p.VerifyAccessToken(context.Background(), at); err != nil || sub != "u-eng" {
		t.Errorf("the code flow's access token: %q %v", sub, err)
	}
	idt, _ := out["id_token"].(string)
	if _, err := e.p.VerifyAccessToken(context.Background(), idt); err == nil {
		t.Error("the ID token was accepted as an access token")
	}
	parts := strings.Split(idt, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q", idt)
	}
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if !strings.Contains(string(claims), `"name":"TEST ENGINEER"`) || !strings.Contains(string(claims), `"nonce":"n0nce"`) {
		t.Errorf("ID token claims %s: want the name and the nonce", claims)
	}
	// userinfo with the access token.
	req, _ := http.NewRequest("GET", e.srv.URL+"/oidc/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(resp); resp.StatusCode != 200 || !strings.Contains(b, `"preferred_username":"eng"`) {
		t.Errorf("userinfo: %d %s", resp.StatusCode, b)
	}
	// Discovery names the endpoints and RS256.
	if b := get(t, hc, e.srv.URL+"/oidc/.well-known/openid-configuration"); !strings.Contains(b, `"jwks_uri":"`+e.srv.URL+`/oidc/keys"`) ||
		!strings.Contains(b, "RS256") || !strings.Contains(b, "S256") {
		t.Errorf("discovery: %s", b)
	}
}

func TestSigningKeysRotate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, _ := e.p.keys.signing(ctx)
	*e.clock = e.clock.Add(time.Hour + time.Second) // past KeyRotation
	e.p.keys.mu.Lock()
	e.p.keys.cached = nil
	e.p.keys.mu.Unlock()
	second, err := e.p.keys.signing(ctx)
	if err != nil || second.id == first.id {
		t.Fatalf("after the rotation period the signing key is %v (%v), want a new one", second, err)
	}
	// The old key is still published (its tokens may still be valid).
	keys, _ := e.p.keys.published(ctx)
	if len(keys) != 2 {
		t.Errorf("published keys after rotation = %d, want 2 (new and old)", len(keys))
	}
	// Past the old key's retirement (token TTL + 1 minute) it is gone.
	*e.clock = e.clock.Add(7 * time.Minute)
	e.p.keys.mu.Lock()
	e.p.keys.cached = nil
	e.p.keys.mu.Unlock()
	if keys, _ := e.p.keys.published(ctx); len(keys) != 1 || keys[0].id != second.id {
		t.Errorf("published keys after the old one retired: %d, want only the new one", len(keys))
	}
}

type cookieless struct{}

func (cookieless) SetCookies(*url.URL, []*http.Cookie) {}
func (cookieless) Cookies(*url.URL) []*http.Cookie     { return nil }

func redirect(t *testing.T, hc *http.Client, method, u string, form url.Values) string {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = hc.PostForm(u, form)
	} else {
		resp, err = hc.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(resp)
	if resp.StatusCode/100 != 3 {
		t.Fatalf("%s %s: %d, want a redirect: %s", method, u, resp.StatusCode, b)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

func get(t *testing.T, hc *http.Client, u string) string {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(resp)
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
