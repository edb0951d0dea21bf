// Package identity is claimflow's OpenID Connect provider, built on
// zitadel/oidc's certified op package: discovery, JWKS, authorization (the
// same login, password and TOTP as the dashboard), the token endpoint
// (authorization code with PKCE for public clients, client secret for the
// Temporal UI server; RFC 8693 token exchange for `claimflow token`) and
// userinfo. Its access tokens are JWTs for one audience, CodecAudience: the
// codec endpoint verifies them with VerifyAccessToken.
//
// Signing keys (RS256) live in Postgres, their private halves sealed with
// the keyring, so every API replica signs and verifies alike; they rotate on
// a schedule and a replaced key stays published until its tokens expire.
// Sign-ins in progress live in Postgres for at most ten minutes, so any
// replica serves any step.
package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/claimflow/claimflow/rcm"
)

const (
	// CodecAudience is the audience of every access token claimflow
	// issues: the codec endpoint accepts no other.
	CodecAudience = "claimflow-codec"
	// CLIClientID is the public client `claimflow token` uses.
	CLIClientID = "claimflow-cli"
	// CLIRedirectURI is the CLI client's loopback redirect (authorization
	// code with PKCE).
	CLIRedirectURI = "http://127.0.0.1/callback"

	claimTokenUse  = "token_use"
	tokenUseAccess = "access"
)

// Users is what the provider needs of the store.
type Users interface {
	// Login checks login, password and TOTP code (with the dashboard's
	// lockout) and opens a session.
	Login(ctx context.Context, login, password, code string) (string, error)
	Logout(ctx context.Context, token string) error
	// Authenticate resolves a session or API token.
	Authenticate(ctx context.Context, token string) (rcm.Principal, error)
	// UserIdentity reads an enabled user (an access token's subject).
	UserIdentity(ctx context.Context, userID string) (rcm.Identity, error)
}

// KeyStore keeps the signing keys.
type KeyStore interface {
	OIDCSigningKeys(ctx context.Context, now time.Time) ([]rcm.OIDCSigningKey, error)
	RotateOIDCSigningKey(ctx context.Context, k rcm.OIDCSigningKey, newerThan, retireOthersAt time.Time) (bool, error)
}

// AuthRequests keeps the sign-ins in progress (Postgres: any replica
// serves any step of a sign-in).
type AuthRequests interface {
	CreateOIDCAuthRequest(ctx context.Context, r rcm.OIDCAuthRequest, expiredBefore time.Time) error
	OIDCAuthRequest(ctx context.Context, id string, createdAfter time.Time) (rcm.OIDCAuthRequest, error)
	OIDCAuthRequestByCode(ctx context.Context, code string, createdAfter time.Time) (rcm.OIDCAuthRequest, error)
	SetOIDCAuthCode(ctx context.Context, id, code string) error
	CompleteOIDCAuthRequest(ctx context.Context, id, userID string, at, createdAfter time.Time) error
	DeleteOIDCAuthRequest(ctx context.Context, id string) error
}

// Store is everything the provider keeps in the store.
type Store interface {
	Users
	KeyStore
	AuthRequests
}

// Sealer seals the private keys at rest (the keyring).
type Sealer interface {
	SealBlob(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error)
}

// Client is a confidential OpenID Connect client (the Temporal UI server).
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Config configures the provider.
type Config struct {
	// Issuer is the absolute URL the provider's Handler is mounted at,
	// e.g. https://claimflow.example.org/oidc. http is accepted for
	// loopback hosts only.
	Issuer  string
	Clients []Client
	// AccessTokenTTL is how long access (and ID) tokens live: 15 minutes
	// when zero.
	AccessTokenTTL time.Duration
	// KeyRotation is how long a signing key signs: 30 days when zero.
	KeyRotation time.Duration
	Logger      *slog.Logger
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg      Config
	users    Users
	requests AuthRequests
	keys     *keyring
	clients  map[string]*client
	op       *op.Provider
	storage  *storage
	verifier *op.AccessTokenVerifier
	log      *slog.Logger
	now      func() time.Time
}

// New builds the provider.
func New(cfg Config, st Store, sealer Sealer) (*Provider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("identity: the issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	insecure := u.Scheme == "http"
	if insecure && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("identity: the issuer %q must be https (http is for loopback addresses only)", cfg.Issuer)
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = 15 * time.Minute
	}
	if cfg.KeyRotation <= 0 {
		cfg.KeyRotation = 30 * 24 * time.Hour
	}
	p := &Provider{cfg: cfg, users: st, requests: st, log: cfg.Logger, now: cfg.Now, clients: map[string]*client{}}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.keys = &keyring{keys: st, sealer: sealer, now: p.now, rotateEvery: cfg.KeyRotation, tokenTTL: cfg.AccessTokenTTL}
	for _, c := range cfg.Clients {
		if c.ID == "" || c.Secret == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("identity: client %q needs an ID, a secret and redirect URIs", c.ID)
		}
		p.clients[c.ID] = &client{id: c.ID, secret: c.Secret, redirects: c.RedirectURIs, p: p, appType: op.ApplicationTypeWeb,
			authMethod: oidc.AuthMethodBasic, grants: []oidc.GrantType{oidc.GrantTypeCode}}
	}
	p.clients[CLIClientID] = &client{id: CLIClientID, public: true, redirects: []string{CLIRedirectURI}, p: p,
		appType: op.ApplicationTypeNative, authMethod: oidc.AuthMethodNone,
		grants: []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeTokenExchange}}
	p.storage = &storage{p: p}

	var key [32]byte // codes are random IDs the storage checks; this key only wraps them
	if _, err := randRead(key[:]); err != nil {
		return nil, err
	}
	opts := []op.Option{op.WithLogger(p.log.With("component", "oidc"))}
	if insecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(&op.Config{
		CryptoKey:          key,
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.English},
		SupportedScopes:    []string{oidc.ScopeOpenID, oidc.ScopeProfile},
		SupportedClaims:    []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "name", "preferred_username"},
	}, p.storage, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	p.verifier = op.NewAccessTokenVerifier(cfg.Issuer, keySet{p.keys}, op.WithSupportedAccessTokenSigningAlgorithms(string(signingAlg)))
	return p, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Handler serves the provider; mount it at the issuer's path with the
// prefix stripped (chi: r.Mount("/oidc", p.Handler())).
func (p *Provider) Handler() http.Handler {
	r := chi.NewRouter()
	interceptor := op.NewIssuerInterceptor(p.op.IssuerFromRequest)
	r.Get("/login", interceptor.HandlerFunc(p.loginPage))
	r.Post("/login", interceptor.HandlerFunc(p.loginSubmit))
	r.Mount("/", p.op)
	return r
}

// client is op.Client.
type client struct {
	id, secret string
	public     bool
	redirects  []string
	appType    op.ApplicationType
	authMethod oidc.AuthMethod
	grants     []oidc.GrantType
	p          *Provider
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return c.appType }
func (c *client) AuthMethod() oidc.AuthMethod         { return c.authMethod }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType         { return c.grants }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration       { return c.p.cfg.AccessTokenTTL }
func (c *client) DevMode() bool                        { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) LoginURL(id string) string {
	return c.p.cfg.Issuer + "/login?id=" + url.QueryEscape(id)
}
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// TokenError says why an access token was refused, in words an engineer
// can act on (no token contents).
type TokenError struct{ Reason string }

func (e *TokenError) Error() string { return e.Reason }

// VerifyAccessToken checks an access token with zitadel/oidc's verifier
// (issuer, RS256 signature by a published key, expiry), then its audience
// (CodecAudience) and that it is an access token, not an ID token. It
// returns the subject (a claimflow user ID).
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (string, error) {
	claims, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](ctx, raw, p.verifier)
	if err != nil {
		return "", &TokenError{Reason: describe(err)}
	}
	if err := oidc.CheckAudience(claims, CodecAudience); err != nil {
		return "", &TokenError{Reason: "the access token is not for the codec (audience " + CodecAudience + "); get one from this claimflow's sign-in or `claimflow token`"}
	}
	if claims.Claims[claimTokenUse] != tokenUseAccess {
		return "", &TokenError{Reason: "this is not an access token (an ID token?); send the access token"}
	}
	if claims.Subject == "" {
		return "", &TokenError{Reason: "the access token names no user"}
	}
	return claims.Subject, nil
}

func describe(err error) string {
	switch {
	case errors.Is(err, oidc.ErrExpired):
		return "the access token has expired: sign in to the Temporal UI again, or run `claimflow token` again"
	case errors.Is(err, oidc.ErrIssuerInvalid):
		return "the access token was issued by another identity provider (its issuer is not this claimflow's)"
	case errors.Is(err, oidc.ErrSignatureUnsupportedAlg):
		return "the access token is not signed with RS256 (unsigned tokens are refused)"
	case errors.Is(err, oidc.ErrSignatureInvalid), errors.Is(err, oidc.ErrSignatureInvalidPayload), errors.Is(err, oidc.ErrSignatureMissing):
		return "the access token's signature does not verify against this claimflow's published keys"
	case errors.Is(err, oidc.ErrParse):
		return "the bearer token is neither a claimflow token nor a well-formed access token"
	}
	return "the access token is not valid"
}
