package rcm

import (
	"errors"
	"time"
)

// OIDCSigningKey is one signing key of the OpenID Connect provider, its
// private key sealed by the caller (the identity package, with the keyring).
type OIDCSigningKey struct {
	ID         string
	Algorithm  string
	PrivateKey []byte // sealed
	CreatedAt  time.Time
	RetireAt   time.Time
}

// Identity is what the OpenID Connect provider and the codec endpoint know
// of a signed-in user: who, where, and what they may do.
type Identity struct {
	UserID      string
	OrgID       string
	Kind        string
	Login       string
	DisplayName string
	Permissions map[string]bool
}

// OIDCAuthRequest is a sign-in in progress (an OpenID Connect
// authorization request), shared by the API replicas.
type OIDCAuthRequest struct {
	ID, ClientID, RedirectURI, State, Nonce string
	Scopes                                  []string
	ResponseType, ResponseMode              string
	CodeChallenge, CodeChallengeMethod      string
	CreatedAt                               time.Time
	UserID                                  string // set once signed in
	AuthTime                                *time.Time
	Code                                    string
}

// ErrOIDCRequestGone is a sign-in that does not exist or has expired.
var ErrOIDCRequestGone = errors.New("store: no such sign-in, or it expired")
