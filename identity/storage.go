package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/claimflow/claimflow/rcm"
)

// authRequestTTL bounds a sign-in: from the redirect to the login page to
// the code's exchange.
const authRequestTTL = 10 * time.Minute

// authRequest is one authorization request, from /authorize to the code
// exchange: op.AuthRequest over the stored row.
type authRequest struct{ r rcm.OIDCAuthRequest }

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return []string{"pwd", "otp", "mfa"} }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID, CodecAudience} }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.r.Scopes }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return a.r.UserID }
func (a *authRequest) Done() bool             { return a.r.UserID != "" }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}
func (a *authRequest) GetAuthTime() time.Time {
	if a.r.AuthTime == nil {
		return time.Time{}
	}
	return *a.r.AuthTime
}
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// storage is zitadel/oidc's op.Storage over claimflow: clients from the
// configuration, users, sign-ins in progress and signing keys from the
// store (Postgres), so any API replica serves any step.
type storage struct{ p *Provider }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// gone maps the store's "no such sign-in" to the library's not-found.
func gone(err error) error {
	if errors.Is(err, rcm.ErrOIDCRequestGone) {
		return oidc.ErrInvalidRequest().WithDescription("the sign-in expired or does not exist; start again from the application")
	}
	return err
}

func (s *storage) oldest() time.Time { return s.p.now().Add(-authRequestTTL) }

func (s *storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	ar := rcm.OIDCAuthRequest{ID: newID(), ClientID: r.ClientID, RedirectURI: r.RedirectURI, State: r.State, Nonce: r.Nonce,
		Scopes: r.Scopes, ResponseType: string(r.ResponseType), ResponseMode: string(r.ResponseMode),
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: string(r.CodeChallengeMethod), CreatedAt: s.p.now()}
	if ar.Scopes == nil {
		ar.Scopes = []string{}
	}
	if err := s.p.requests.CreateOIDCAuthRequest(ctx, ar, s.oldest()); err != nil {
		return nil, err
	}
	return &authRequest{ar}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.p.requests.OIDCAuthRequest(ctx, id, s.oldest())
	if err != nil {
		return nil, gone(err)
	}
	return &authRequest{r}, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.p.requests.OIDCAuthRequestByCode(ctx, code, s.oldest())
	if err != nil {
		return nil, gone(err)
	}
	return &authRequest{r}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return gone(s.p.requests.SetOIDCAuthCode(ctx, id, code))
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.p.requests.DeleteOIDCAuthRequest(ctx, id)
}

// completeLogin marks a request as signed in by userID.
func (s *storage) completeLogin(ctx context.Context, id, userID string) error {
	return s.p.requests.CompleteOIDCAuthRequest(ctx, id, userID, s.p.now(), s.oldest())
}

func (s *storage) CreateAccessToken(ctx context.Context, _ op.TokenRequest) (string, time.Time, error) {
	return newID(), s.p.now().Add(s.p.cfg.AccessTokenTTL), nil
}

// No refresh tokens: an engineer signs in again when the access token ends.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, _ op.TokenRequest, _ string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("claimflow issues no refresh tokens")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrInvalidRequest().WithDescription("claimflow's access tokens are short-lived and not revocable; disable the user to stop them")
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.p.keys.signing(ctx)
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{signingAlg}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.p.keys.published(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if c, ok := s.p.clients[id]; ok {
		return c, nil
	}
	return nil, errors.New("no such client")
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.p.clients[id]
	if !ok {
		return errors.New("no such client")
	}
	if c.public {
		return nil // the CLI: its subject token is the credential
	}
	if !constantTimeEqual(c.secret, secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(ctx, ui, r.GetSubject(), scopes)
}

func (s *storage) setUserinfo(ctx context.Context, ui *oidc.UserInfo, subject string, scopes []string) error {
	id, err := s.p.users.UserIdentity(ctx, subject)
	if err != nil {
		return err
	}
	ui.Subject = id.UserID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		ui.Name = id.DisplayName
		ui.PreferredUsername = id.Login
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, _, subject, _ string) error {
	return s.setUserinfo(ctx, ui, subject, []string{oidc.ScopeOpenID, oidc.ScopeProfile})
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered")
}

// accessClaims mark access tokens, so an ID token (same issuer, signer and
// audience) is never taken for one.
func accessClaims() map[string]any { return map[string]any{claimTokenUse: tokenUseAccess} }

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return accessClaims(), nil
}

func (s *storage) GetPrivateClaimsFromRequest(context.Context, op.TokenRequest, []string) (map[string]any, error) {
	return accessClaims(), nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not offered")
}

func (s *storage) Health(ctx context.Context) error {
	_, err := s.p.keys.signing(ctx)
	return err
}

// Token exchange (RFC 8693): `claimflow token` trades a claimflow session
// or API token for a short-lived access token for the codec.

// SubjectTokenPrefix goes before the claimflow session or API token that
// `claimflow token` exchanges. zitadel/oidc first tries an opaque subject
// token as one of its own encrypted access tokens (AES-CFB, which has no
// integrity check): a bare cf_sys_/cf_ses_ token is valid base64url, so
// that "decryption" succeeds on random bytes, and in about one exchange in
// ten the bytes hold one ':' and become a made-up token ID and subject. A
// ':' is outside base64url, so with the prefix that attempt always fails
// and the exchange reaches VerifyExchangeSubjectToken.
const SubjectTokenPrefix = "claimflow:"

// exchangeIDPrefix marks the subject token IDs VerifyExchangeSubjectToken
// returns, so ValidateTokenExchangeRequest refuses a subject that came
// from any other path.
const exchangeIDPrefix = "cfx-"

func (s *storage) VerifyExchangeSubjectToken(ctx context.Context, token string, tt oidc.TokenType) (string, string, map[string]any, error) {
	token, ok := strings.CutPrefix(token, SubjectTokenPrefix)
	if tt != oidc.AccessTokenType || !ok {
		return "", "", nil, errors.New("the subject token must be a claimflow session or API token")
	}
	p, err := s.p.users.Authenticate(ctx, token)
	if err != nil {
		return "", "", nil, err
	}
	return exchangeIDPrefix + newID(), p.UserID, nil, nil
}

func (s *storage) VerifyExchangeActorToken(context.Context, string, oidc.TokenType) (string, string, map[string]any, error) {
	return "", "", nil, errors.New("actor tokens are not accepted")
}

func (s *storage) ValidateTokenExchangeRequest(ctx context.Context, r op.TokenExchangeRequest) error {
	if r.GetClientID() != CLIClientID {
		return oidc.ErrUnauthorizedClient().WithDescription("only the claimflow command line exchanges tokens")
	}
	if !strings.HasPrefix(r.GetExchangeSubjectTokenIDOrToken(), exchangeIDPrefix) || r.GetSubject() == "" {
		return oidc.ErrInvalidGrant().WithDescription("the subject token must be a claimflow session or API token, prefixed " + SubjectTokenPrefix)
	}
	if r.GetExchangeActor() != "" {
		return oidc.ErrInvalidRequest().WithDescription("actor tokens are not accepted")
	}
	if aud := r.GetAudience(); len(aud) != 1 || aud[0] != CodecAudience {
		return oidc.ErrInvalidTarget().WithDescription("audience must be " + CodecAudience)
	}
	if r.GetRequestedTokenType() == "" {
		r.SetRequestedTokenType(oidc.AccessTokenType)
	}
	if r.GetRequestedTokenType() != oidc.AccessTokenType {
		return oidc.ErrInvalidRequest().WithDescription("only access tokens are issued")
	}
	r.SetCurrentScopes(nil)
	return nil
}

func (s *storage) CreateTokenExchangeRequest(context.Context, op.TokenExchangeRequest) error {
	return nil
}

func (s *storage) GetPrivateClaimsFromTokenExchangeRequest(context.Context, op.TokenExchangeRequest) (map[string]any, error) {
	return accessClaims(), nil
}

func (s *storage) SetUserinfoFromTokenExchangeRequest(ctx context.Context, ui *oidc.UserInfo, r op.TokenExchangeRequest) error {
	return s.setUserinfo(ctx, ui, r.GetSubject(), []string{oidc.ScopeProfile})
}
