package store

import (
	"context"
	"errors"
	"strings"
	"unicode"
)

// Keys is envelope encryption as the store needs it: a data key per record,
// wrapped by the key-encryption key, and a keyed blind index for
// exact-match search. Package keyring provides it (adapt it with KeysFrom).
type Keys interface {
	NewDataKey(ctx context.Context) (DataKey, []byte, error)
	DataKey(ctx context.Context, wrapped []byte) (DataKey, error)
	BlindIndex(domain, normalized string) []byte
	Rewrap(ctx context.Context, wrapped []byte) ([]byte, bool, error)
}

// DataKey seals and opens one record's fields (AES-256-GCM); the AAD binds
// each ciphertext to its table, row and column.
type DataKey interface {
	Seal(plaintext, aad []byte) []byte
	Open(sealed, aad []byte) ([]byte, error)
}

// keyringAPI is the method set of *keyring.Keyring with its concrete data
// key type D; KeysFrom adapts it without the store importing keyring.
type keyringAPI[D DataKey] interface {
	NewDataKey(ctx context.Context) (D, []byte, error)
	DataKey(ctx context.Context, wrapped []byte) (D, error)
	BlindIndex(domain, normalized string) []byte
	Rewrap(ctx context.Context, wrapped []byte) ([]byte, bool, error)
}

// KeysFrom adapts a keyring: store.KeysFrom[*keyring.DataKey](k).
func KeysFrom[D DataKey, K keyringAPI[D]](k K) Keys { return keysAdapter[D, K]{k} }

type keysAdapter[D DataKey, K keyringAPI[D]] struct{ k K }

func (a keysAdapter[D, K]) NewDataKey(ctx context.Context) (DataKey, []byte, error) {
	d, w, err := a.k.NewDataKey(ctx)
	return d, w, err
}
func (a keysAdapter[D, K]) DataKey(ctx context.Context, wrapped []byte) (DataKey, error) {
	return a.k.DataKey(ctx, wrapped)
}
func (a keysAdapter[D, K]) BlindIndex(domain, n string) []byte { return a.k.BlindIndex(domain, n) }
func (a keysAdapter[D, K]) Rewrap(ctx context.Context, w []byte) ([]byte, bool, error) {
	return a.k.Rewrap(ctx, w)
}

// sealer seals one row's PHI fields with AAD "<table>/<id>/<column>".
type sealer struct {
	dk        DataKey
	table, id string
}

func (s sealer) aad(col string) []byte { return []byte(s.table + "/" + s.id + "/" + col) }

func (s sealer) seal(col, v string) []byte {
	if v == "" {
		return nil
	}
	return s.dk.Seal([]byte(v), s.aad(col))
}

func (s sealer) open(col string, b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	p, err := s.dk.Open(b, s.aad(col))
	if err != nil {
		// Never include the column content; name only the place.
		return "", errors.New("store: cannot open " + s.table + "." + col + " of " + s.id)
	}
	return string(p), nil
}

// normalize prepares a value for the blind index: case-folded, with
// punctuation and spacing removed, so "O'Neil " matches "oneil".
func normalize(v string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *Store) bidx(domain, v string) []byte {
	if v == "" {
		return nil
	}
	return s.keys.BlindIndex(domain, normalize(v))
}
