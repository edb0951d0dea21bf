// Package keyring protects PHI with envelope encryption.
//
// Every record (or blob) is sealed with AES-256-GCM under a data key (DEK).
// The DEK is stored beside the data only in wrapped form: encrypted by a
// key-encryption key (KEK) that never leaves its keeper, either a local key
// file (LocalKEK, for development and single machines) or AWS KMS (KMSKEK).
// Wrapped keys name the KEK version that wrapped them, so the KEK can be
// rotated without downtime: old data stays readable, and Rewrap moves a
// record's DEK to the current KEK version without touching the sealed data.
//
// Exact-match search over encrypted fields uses blind indexes: an
// HMAC-SHA256 of the normalised value under a key derived per domain from a
// separate 32-byte index key. The index key is never rotated (that would
// invalidate every stored index).
//
// Nothing in this package puts plaintext or key bytes into an error or a log.
package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrDecrypt is returned (possibly wrapped) by Open, OpenBlob, DataKey and
// KEK.Unwrap when data or a wrapped key was tampered with, is not in a known
// format, or belongs to another key.
var ErrDecrypt error = decryptError{}

// decryptError is ErrDecrypt's type. Its Decrypt method lets a caller that
// only holds the keyring through an interface (payloadcodec) recognise it
// with errors.As without importing this package.
type decryptError struct{}

func (decryptError) Error() string { return "keyring: cannot decrypt" }

// Decrypt reports that the error is a failure to decrypt.
func (decryptError) Decrypt() bool { return true }

// KEK wraps and unwraps data keys. Wrapped bytes name the KEK version that
// wrapped them (see WrappedKeyID). Implementations are safe for concurrent
// use.
type KEK interface {
	// CurrentID is the version new data keys are wrapped under.
	CurrentID() string
	Wrap(ctx context.Context, dek []byte) ([]byte, error)
	// Unwrap returns an error wrapping ErrDecrypt when wrapped was tampered
	// with or was wrapped by a key this KEK does not hold.
	Unwrap(ctx context.Context, wrapped []byte) ([]byte, error)
}

// refresher is implemented by KEKs whose current version can change outside
// this process (a KMS alias moved to a new key); Rewrap asks them to look.
type refresher interface {
	refreshIfStale(ctx context.Context) error
}

const (
	// KeySize is the size of data keys, KEK versions and the index key.
	KeySize = 32

	// DataKeyCacheSize bounds the number of unwrapped data keys a Keyring
	// keeps in memory.
	DataKeyCacheSize = 4096

	// A blob data key is reused for at most this long or this many blobs
	// (far below the 2^32 messages random 96-bit nonces allow per key).
	blobKeyLifetime = time.Hour
	blobKeyMaxUses  = 1 << 20
)

// Keyring seals and opens PHI. It is safe for concurrent use.
type Keyring struct {
	kek      KEK
	indexKey []byte
	domains  sync.Map // domain -> derived HMAC key ([]byte)
	cache    *lru

	blobMu  sync.Mutex
	blobKey *blobKey
}

// blobKey is the data key SealBlob currently seals under.
type blobKey struct {
	dk      *DataKey
	wrapped []byte
	kekID   string
	expires time.Time
	uses    int
}

// New returns a Keyring over kek. indexKey (32 bytes) keys the blind
// indexes; it is copied.
func New(kek KEK, indexKey []byte) (*Keyring, error) {
	if kek == nil {
		return nil, errors.New("keyring: nil KEK")
	}
	if len(indexKey) != KeySize {
		return nil, fmt.Errorf("keyring: index key must be %d bytes, got %d", KeySize, len(indexKey))
	}
	return &Keyring{
		kek:      kek,
		indexKey: append([]byte(nil), indexKey...),
		cache:    newLRU(DataKeyCacheSize),
	}, nil
}

// KEK returns the key-encryption key the keyring wraps data keys with.
func (k *Keyring) KEK() KEK { return k.kek }

// CurrentKeyID is the KEK version new data keys are wrapped under.
func (k *Keyring) CurrentKeyID() string { return k.kek.CurrentID() }

// DataKey is an unwrapped data key. It is safe for concurrent use.
type DataKey struct {
	aead cipher.AEAD
}

func newDataKey(raw []byte) (*DataKey, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w: data key has the wrong size", ErrDecrypt)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &DataKey{aead: aead}, nil
}

// NewDataKey makes a fresh random data key and returns it with its wrapped
// form, which the caller stores beside the sealed data.
func (k *Keyring) NewDataKey(ctx context.Context) (dk *DataKey, wrapped []byte, err error) {
	raw := make([]byte, KeySize)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	defer clear(raw)
	wrapped, err = k.kek.Wrap(ctx, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("keyring: wrap data key: %w", err)
	}
	if dk, err = newDataKey(raw); err != nil {
		return nil, nil, err
	}
	k.cache.put(string(wrapped), dk)
	return dk, wrapped, nil
}

// DataKey unwraps a stored data key. Unwrapped keys are kept in a bounded
// LRU cache (DataKeyCacheSize), so reading many fields of one record costs
// one unwrap.
func (k *Keyring) DataKey(ctx context.Context, wrapped []byte) (*DataKey, error) {
	if dk, ok := k.cache.get(string(wrapped)); ok {
		return dk, nil
	}
	raw, err := k.kek.Unwrap(ctx, wrapped)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	dk, err := newDataKey(raw)
	if err != nil {
		return nil, err
	}
	k.cache.put(string(wrapped), dk)
	return dk, nil
}

// Seal encrypts plaintext with a random 96-bit nonce. aad is authenticated
// but not stored: bind the ciphertext to where it lives (table, column,
// record ID) so it cannot be moved to another record. Open needs the same
// aad.
func (d *DataKey) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = sealFormat
	return d.aead.Seal(out, nil, plaintext, aad)
}

// Open decrypts what Seal produced with the same aad. Any tampering, a
// different aad or another key gives an error wrapping ErrDecrypt.
func (d *DataKey) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+tagSize || sealed[0] != sealFormat {
		return nil, ErrDecrypt
	}
	pt, err := d.aead.Open(nil, nil, sealed[1:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// SealBlob seals plaintext into a self-contained blob: wrapped data key,
// nonce and ciphertext, for files and workflow payloads. Consecutive blobs
// share a data key for up to an hour or 2^20 blobs (a fresh one is made
// sooner when the KEK's current version changes), so sealing many small
// payloads does not cost one KMS call each.
func (k *Keyring) SealBlob(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	bk, err := k.currentBlobKey(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 3, 3+len(bk.wrapped)+1+nonceSize+len(plaintext)+tagSize)
	out[0] = blobFormat
	binary.BigEndian.PutUint16(out[1:3], uint16(len(bk.wrapped)))
	out = append(out, bk.wrapped...)
	out = append(out, sealFormat)
	return bk.dk.aead.Seal(out, nil, plaintext, aad), nil
}

func (k *Keyring) currentBlobKey(ctx context.Context) (*blobKey, error) {
	k.blobMu.Lock()
	defer k.blobMu.Unlock()
	if r, ok := k.kek.(refresher); ok {
		// At most one KMS call a minute; on failure the current blob key,
		// still valid, goes on being used.
		_ = r.refreshIfStale(ctx)
	}
	now := time.Now()
	if bk := k.blobKey; bk != nil && bk.uses < blobKeyMaxUses && now.Before(bk.expires) && bk.kekID == k.kek.CurrentID() {
		bk.uses++
		return bk, nil
	}
	dk, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		return nil, err
	}
	if len(wrapped) > 0xFFFF {
		return nil, errors.New("keyring: wrapped data key too long for a blob")
	}
	id, err := WrappedKeyID(wrapped)
	if err != nil {
		return nil, err
	}
	k.blobKey = &blobKey{dk: dk, wrapped: wrapped, kekID: id, expires: now.Add(blobKeyLifetime), uses: 1}
	return k.blobKey, nil
}

// OpenBlob opens what SealBlob produced, with the same aad.
func (k *Keyring) OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error) {
	wrapped, sealed, err := splitBlob(blob)
	if err != nil {
		return nil, err
	}
	dk, err := k.DataKey(ctx, wrapped)
	if err != nil {
		return nil, err
	}
	return dk.Open(sealed, aad)
}

// BlindIndex returns HMAC-SHA256(domainKey, normalized), where domainKey is
// derived with HKDF-SHA256 from the index key and the domain name (such as
// "patient.member_id"). Equal values give equal indexes within a domain and
// unrelated ones across domains, so a column can be searched for an exact
// value without storing it. Domains are fixed names in code (derived keys
// are cached per domain, without bound), never values. Callers normalise first (trim, fold case, strip
// punctuation) exactly as they will when searching.
func (k *Keyring) BlindIndex(domain, normalized string) []byte {
	var key []byte
	if v, ok := k.domains.Load(domain); ok {
		key = v.([]byte)
	} else {
		var err error
		key, err = hkdf.Key(sha256.New, k.indexKey, nil, "claimflow/blind-index/v1\x00"+domain, KeySize)
		if err != nil {
			panic("keyring: hkdf: " + err.Error()) // only for lengths we never ask for
		}
		v, _ := k.domains.LoadOrStore(domain, key)
		key = v.([]byte)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// Rewrap wraps a data key again under the KEK's current version. When it is
// already there, it returns wrapped itself and changed false. The sealed data
// does not change: rotation only rewrites the stored wrapped keys, record by
// record, while old and new versions both stay readable.
func (k *Keyring) Rewrap(ctx context.Context, wrapped []byte) (newWrapped []byte, changed bool, err error) {
	id, err := WrappedKeyID(wrapped)
	if err != nil {
		return nil, false, err
	}
	if r, ok := k.kek.(refresher); ok {
		if err := r.refreshIfStale(ctx); err != nil {
			return nil, false, fmt.Errorf("keyring: rewrap: %w", err)
		}
	}
	if id == k.kek.CurrentID() {
		return wrapped, false, nil
	}
	raw, err := k.kek.Unwrap(ctx, wrapped)
	if err != nil {
		return nil, false, err
	}
	defer clear(raw)
	newWrapped, err = k.kek.Wrap(ctx, raw)
	if err != nil {
		return nil, false, fmt.Errorf("keyring: rewrap: %w", err)
	}
	if dk, ok := k.cache.get(string(wrapped)); ok {
		k.cache.put(string(newWrapped), dk)
	}
	return newWrapped, true, nil
}
