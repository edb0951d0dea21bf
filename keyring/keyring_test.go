package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/claimflow/claimflow/keyring"
)

// Fixtures are made-up values only, never real PHI.
var (
	fakeName = []byte("DOE JANE")
	fakeAAD  = []byte("patient/8f1c2a/last_first")
)

// suite is what both KEKs must satisfy. open returns a fresh Keyring over
// the same key material (empty data-key cache, as another process would
// have); rotate makes a new KEK version current and returns its ID.
type suite struct {
	open   func(t *testing.T) *keyring.Keyring
	rotate func(t *testing.T) string
}

func (s suite) run(t *testing.T) {
	t.Run("RoundTrip", s.roundTrip)
	t.Run("Tampering", s.tampering)
	t.Run("Rotation", s.rotation)
}

func (s suite) roundTrip(t *testing.T) {
	ctx := context.Background()
	k := s.open(t)
	dk, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := keyring.WrappedKeyID(wrapped); err != nil || id != k.CurrentKeyID() {
		t.Fatalf("WrappedKeyID = %q, %v; want %q", id, err, k.CurrentKeyID())
	}
	other := s.open(t) // nothing cached: must really unwrap
	for _, tc := range []struct {
		name string
		pt   []byte
	}{
		{"empty", nil},
		{"name", fakeName},
		{"200B", bytes.Repeat([]byte{'x'}, 200)},
		{"64KiB", bytes.Repeat([]byte{0xA5}, 64<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed := dk.Seal(tc.pt, fakeAAD)
			if len(tc.pt) > 0 && bytes.Contains(sealed, tc.pt) {
				t.Fatal("sealed field contains the plaintext")
			}
			if again := dk.Seal(tc.pt, fakeAAD); bytes.Equal(again, sealed) {
				t.Fatal("two seals of the same value are equal: nonce is not random")
			}
			dk2, err := other.DataKey(ctx, wrapped)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dk2.Open(sealed, fakeAAD)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.pt) {
				t.Fatalf("Open = %d bytes, want %d", len(got), len(tc.pt))
			}

			blob, err := k.SealBlob(ctx, tc.pt, fakeAAD)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.pt) > 0 && bytes.Contains(blob, tc.pt) {
				t.Fatal("blob contains the plaintext")
			}
			got, err = other.OpenBlob(ctx, blob, fakeAAD)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.pt) {
				t.Fatalf("OpenBlob = %d bytes, want %d", len(got), len(tc.pt))
			}
			if id, err := keyring.BlobKeyID(blob); err != nil || id != k.CurrentKeyID() {
				t.Fatalf("BlobKeyID = %q, %v; want %q", id, err, k.CurrentKeyID())
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	if i < 0 {
		i += len(c)
	}
	c[i] ^= 0x01
	return c
}

func (s suite) tampering(t *testing.T) {
	ctx := context.Background()
	k := s.open(t)
	dk, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	otherDK, _, err := k.NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealed := dk.Seal(fakeName, fakeAAD)
	blob, err := k.SealBlob(ctx, fakeName, fakeAAD)
	if err != nil {
		t.Fatal(err)
	}
	idLen := int(wrapped[2])

	check := func(t *testing.T, got []byte, err error) {
		t.Helper()
		if !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
		if got != nil {
			t.Fatalf("returned %d bytes alongside the error", len(got))
		}
		if bytes.Contains([]byte(err.Error()), fakeName) {
			t.Fatal("error text contains the plaintext")
		}
	}
	for _, tc := range []struct {
		name   string
		sealed []byte
		aad    []byte
		dk     *keyring.DataKey
	}{
		{"version byte", flip(sealed, 0), fakeAAD, dk},
		{"nonce", flip(sealed, 1), fakeAAD, dk},
		{"ciphertext", flip(sealed, 14), fakeAAD, dk},
		{"tag", flip(sealed, -1), fakeAAD, dk},
		{"truncated", sealed[:20], fakeAAD, dk},
		{"other AAD", sealed, []byte("patient/8f1c2b/last_first"), dk},
		{"no AAD", sealed, nil, dk},
		{"other data key", sealed, fakeAAD, otherDK},
	} {
		t.Run("Open/"+tc.name, func(t *testing.T) {
			got, err := tc.dk.Open(tc.sealed, tc.aad)
			check(t, got, err)
		})
	}
	for _, tc := range []struct {
		name    string
		wrapped []byte
	}{
		{"format byte", flip(wrapped, 0)},
		{"KEK kind", flip(wrapped, 1)},
		{"KEK version ID", flip(wrapped, 3+idLen-1)},
		{"wrapped key ciphertext", flip(wrapped, -20)},
		{"wrapped key tail", flip(wrapped, -1)},
		{"truncated", wrapped[:3+idLen]},
	} {
		t.Run("DataKey/"+tc.name, func(t *testing.T) {
			got, err := s.open(t).DataKey(ctx, tc.wrapped)
			if !errors.Is(err, keyring.ErrDecrypt) || got != nil {
				t.Fatalf("DataKey = %v, %v; want ErrDecrypt", got, err)
			}
		})
	}
	wrappedLen := int(blob[1])<<8 | int(blob[2])
	for _, tc := range []struct {
		name string
		blob []byte
		aad  []byte
	}{
		{"format byte", flip(blob, 0), fakeAAD},
		{"wrapped key length", flip(blob, 2), fakeAAD},
		{"wrapped key", flip(blob, 3+wrappedLen-1), fakeAAD},
		{"nonce", flip(blob, 3+wrappedLen+1), fakeAAD},
		{"ciphertext", flip(blob, 3+wrappedLen+14), fakeAAD},
		{"tag", flip(blob, -1), fakeAAD},
		{"other AAD", blob, []byte("other")},
		{"truncated", blob[:len(blob)-17], fakeAAD},
	} {
		t.Run("OpenBlob/"+tc.name, func(t *testing.T) {
			got, err := s.open(t).OpenBlob(ctx, tc.blob, tc.aad)
			check(t, got, err)
		})
	}
}

func (s suite) rotation(t *testing.T) {
	ctx := context.Background()
	k := s.open(t)
	oldID := k.CurrentKeyID()
	dk, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealed := dk.Seal(fakeName, fakeAAD)
	blob, err := k.SealBlob(ctx, fakeName, fakeAAD)
	if err != nil {
		t.Fatal(err)
	}

	// Nothing to do before a rotation.
	same, changed, err := k.Rewrap(ctx, wrapped)
	if err != nil || changed || !bytes.Equal(same, wrapped) {
		t.Fatalf("Rewrap before rotation = changed %v, err %v; want an unchanged key", changed, err)
	}

	newID := s.rotate(t)
	if newID == oldID || newID == "" {
		t.Fatalf("rotation gave ID %q (old %q)", newID, oldID)
	}
	after := s.open(t) // a process started after the rotation
	if got := after.CurrentKeyID(); got != newID {
		t.Fatalf("CurrentKeyID after rotation = %q, want %q", got, newID)
	}

	// Old data still opens.
	dkOld, err := after.DataKey(ctx, wrapped)
	if err != nil {
		t.Fatalf("old data key after rotation: %v", err)
	}
	if got, err := dkOld.Open(sealed, fakeAAD); err != nil || !bytes.Equal(got, fakeName) {
		t.Fatalf("old field after rotation: %v", err)
	}
	if got, err := after.OpenBlob(ctx, blob, fakeAAD); err != nil || !bytes.Equal(got, fakeName) {
		t.Fatalf("old blob after rotation: %v", err)
	}

	// Rewrap moves the key to the new version; the sealed data is untouched.
	rewrapped, changed, err := after.Rewrap(ctx, wrapped)
	if err != nil || !changed {
		t.Fatalf("Rewrap = changed %v, err %v; want changed", changed, err)
	}
	if id, _ := keyring.WrappedKeyID(rewrapped); id != newID {
		t.Fatalf("rewrapped key names %q, want %q", id, newID)
	}
	again, changed, err := after.Rewrap(ctx, rewrapped)
	if err != nil || changed || !bytes.Equal(again, rewrapped) {
		t.Fatalf("second Rewrap = changed %v, err %v; want a no-op", changed, err)
	}
	dkNew, err := s.open(t).DataKey(ctx, rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dkNew.Open(sealed, fakeAAD); err != nil || !bytes.Equal(got, fakeName) {
		t.Fatalf("field through the rewrapped key: %v", err)
	}

	// New data goes to the new version, also in a keyring opened before
	// the rotation.
	for name, kr := range map[string]*keyring.Keyring{"after": after, "before": k} {
		_, w, err := kr.NewDataKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := keyring.WrappedKeyID(w); id != newID {
			t.Errorf("%s: new data key wrapped under %q, want %q", name, id, newID)
		}
		b, err := kr.SealBlob(ctx, fakeName, fakeAAD)
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := keyring.BlobKeyID(b); id != newID {
			t.Errorf("%s: new blob under %q, want %q", name, id, newID)
		}
	}
}
