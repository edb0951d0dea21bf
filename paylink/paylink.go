// Package paylink makes and opens the tokens in patient payment links: an
// opaque, sealed (AEAD) pair of one statement ID and an expiry, so a link
// names no record, cannot be guessed or altered, works for one statement
// only and stops working when it expires. The patient needs no login.
//
// The sealing is the keyring's (keyring.Keyring.SealBlob), so tokens follow
// key rotation like every other sealed blob; this package only fixes the
// token's shape and its associated data.
package paylink

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// Sealer seals and opens blobs (keyring.Keyring provides it).
type Sealer interface {
	SealBlob(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error)
}

// ErrInvalid is returned for a token that does not open (forged, altered,
// truncated, sealed for another purpose); ErrExpired for one past its time.
var (
	ErrInvalid = errors.New("paylink: invalid token")
	ErrExpired = errors.New("paylink: token expired")
)

// aad binds tokens to their purpose: a sealed blob made for anything else
// (another purpose's link included) does not open.
func (l *Links) aad() []byte {
	if l.Purpose == "" {
		return []byte("claimflow/paylink/v1")
	}
	return []byte("claimflow/link/" + l.Purpose + "/v1")
}

// DefaultTTL is how long a link works when Links.TTL is zero: past a
// statement's 30-day reminder, each notice carrying a fresh link.
const DefaultTTL = 45 * 24 * time.Hour

// Links makes and opens payment-link tokens.
type Links struct {
	Sealer Sealer
	// Purpose tells links of different pages apart ("" is the payment
	// page's; "appointment" the appointment page's): a token made for one
	// does not open for another.
	Purpose string
	TTL     time.Duration
	Now     func() time.Time // default time.Now
}

type claims struct {
	S string `json:"s"` // record (statement or appointment) ID
	E int64  `json:"e"` // expiry, Unix seconds
}

func (l *Links) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Mint returns a token for the record (a statement, an appointment), valid for TTL from now.
func (l *Links) Mint(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("paylink: no record")
	}
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	pt, err := json.Marshal(claims{S: id, E: l.now().Add(ttl).Unix()})
	if err != nil {
		return "", err
	}
	blob, err := l.Sealer.SealBlob(ctx, pt, l.aad())
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(blob), nil
}

// Open returns the record a token is for: ErrInvalid when it does not
// open, ErrExpired when it has expired.
func (l *Links) Open(ctx context.Context, token string) (string, error) {
	if token == "" || len(token) > 2048 {
		return "", ErrInvalid
	}
	// Strict: a token has one spelling (no ignored trailing bits).
	blob, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return "", ErrInvalid
	}
	pt, err := l.Sealer.OpenBlob(ctx, blob, l.aad())
	if err != nil {
		return "", ErrInvalid
	}
	var c claims
	if err := json.Unmarshal(pt, &c); err != nil || c.S == "" {
		return "", ErrInvalid
	}
	if !l.now().Before(time.Unix(c.E, 0)) {
		return "", ErrExpired
	}
	return c.S, nil
}
