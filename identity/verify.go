package identity

import (
	"context"
	"crypto/rand"
	"errors"

	jose "github.com/go-jose/go-jose/v4"
)

func randRead(b []byte) (int, error) { return rand.Read(b) }

// keySet verifies JWS signatures with the provider's published keys (an
// oidc.KeySet): the key the header names, with the algorithm it has.
type keySet struct{ r *keyring }

func (s keySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	if len(jws.Signatures) != 1 {
		return nil, errors.New("want exactly one signature")
	}
	h := jws.Signatures[0].Header
	if h.Algorithm != string(signingAlg) {
		return nil, errors.New("unexpected signature algorithm")
	}
	k, err := s.r.byID(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	return jws.Verify(&k.priv.PublicKey)
}
