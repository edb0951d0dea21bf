package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/claimflow/claimflow/rcm"
)

// signingAlg is the one algorithm the provider signs with and the codec
// accepts: RS256, which every OpenID Connect client supports.
const signingAlg = jose.RS256

// keyAAD binds sealed signing keys to their use.
var keyAAD = []byte("claimflow/oidc-signing-key/v1")

// keyCacheFor bounds how long a process trusts its copy of the key list;
// after a rotation elsewhere, a new key verifies here within this time
// (and at once: an unknown key ID reloads the list).
const keyCacheFor = time.Minute

// reloadEvery bounds the reloads an unknown key ID causes.
const reloadEvery = 5 * time.Second

// signingKey is one RSA key, as zitadel/oidc's SigningKey and Key.
type signingKey struct {
	id       string
	priv     *rsa.PrivateKey
	created  time.Time
	retireAt time.Time
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return signingAlg }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return signingAlg }
func (k *signingKey) ID() string                                  { return k.id }
func (k *signingKey) Use() string                                 { return "sig" }

// Key is the private key when signing; publicKey wraps it for JWKS.
func (k *signingKey) Key() any { return k.priv }

type publicKey struct{ *signingKey }

func (k publicKey) Key() any { return &k.priv.PublicKey }

// keyring keeps the provider's signing keys in Postgres, their private
// halves sealed, and rotates them: the newest key signs; it is replaced
// once older than rotateEvery; a replaced key stays published for
// tokenTTL plus a minute, so every token it signed still verifies.
type keyring struct {
	keys        KeyStore
	sealer      Sealer
	now         func() time.Time
	rotateEvery time.Duration
	tokenTTL    time.Duration

	mu     sync.Mutex
	cached []*signingKey
	loaded time.Time
}

func (r *keyring) load(ctx context.Context, force bool) ([]*signingKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if !force && r.cached != nil && now.Sub(r.loaded) < keyCacheFor {
		return r.cached, nil
	}
	rows, err := r.keys.OIDCSigningKeys(ctx, now)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || now.Sub(rows[0].CreatedAt) >= r.rotateEvery {
		var newerThan time.Time
		if len(rows) > 0 {
			newerThan = rows[0].CreatedAt
		}
		if err := r.rotate(ctx, now, newerThan); err != nil {
			return nil, err
		}
		if rows, err = r.keys.OIDCSigningKeys(ctx, now); err != nil {
			return nil, err
		}
	}
	out := make([]*signingKey, 0, len(rows))
	for _, row := range rows {
		if row.Algorithm != string(signingAlg) {
			continue
		}
		der, err := r.sealer.OpenBlob(ctx, row.PrivateKey, keyAAD)
		if err != nil {
			return nil, fmt.Errorf("identity: open signing key %s: %w", row.ID, err)
		}
		priv, err := x509.ParsePKCS1PrivateKey(der)
		clear(der)
		if err != nil {
			return nil, fmt.Errorf("identity: signing key %s: %w", row.ID, err)
		}
		out = append(out, &signingKey{id: row.ID, priv: priv, created: row.CreatedAt, retireAt: row.RetireAt})
	}
	if len(out) == 0 {
		return nil, errors.New("identity: no signing key")
	}
	r.cached, r.loaded = out, now
	return out, nil
}

// rotate makes a new signing key unless another replica just did.
func (r *keyring) rotate(ctx context.Context, now, newerThan time.Time) error {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	sealed, err := r.sealer.SealBlob(ctx, der, keyAAD)
	clear(der)
	if err != nil {
		return fmt.Errorf("identity: seal signing key: %w", err)
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	_, err = r.keys.RotateOIDCSigningKey(ctx, rcm.OIDCSigningKey{
		ID: fmt.Sprintf("%x", id), Algorithm: string(signingAlg), PrivateKey: sealed,
		CreatedAt: now, RetireAt: now.AddDate(100, 0, 0),
	}, newerThan, now.Add(r.tokenTTL+time.Minute))
	return err
}

// signing is the newest key.
func (r *keyring) signing(ctx context.Context) (*signingKey, error) {
	keys, err := r.load(ctx, false)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// published are the keys tokens may carry.
func (r *keyring) published(ctx context.Context) ([]*signingKey, error) {
	return r.load(ctx, false)
}

// byID finds a published key, reloading once for a key made elsewhere (at
// most every reloadEvery, so tokens naming made-up keys cannot make every
// request read the table).
func (r *keyring) byID(ctx context.Context, id string) (*signingKey, error) {
	for _, force := range []bool{false, true} {
		if force {
			r.mu.Lock()
			recent := r.now().Sub(r.loaded) < reloadEvery
			r.mu.Unlock()
			if recent {
				break
			}
		}
		keys, err := r.load(ctx, force)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.id == id && r.now().Before(k.retireAt) {
				return k, nil
			}
		}
	}
	return nil, errUnknownKey
}

var errUnknownKey = errors.New("the token's signing key is not one of claimflow's")
