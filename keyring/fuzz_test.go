package keyring_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/claimflow/claimflow/keyring"
)

// FuzzOpenBlob feeds arbitrary bytes to the parsers of blobs and wrapped
// keys: they must refuse, never panic, and never open a forgery.
func FuzzOpenBlob(f *testing.F) {
	ctx := context.Background()
	k, err := keyring.OpenLocal(filepath.Join(f.TempDir(), "kek.json"))
	if err != nil {
		f.Fatal(err)
	}
	blob, err := k.SealBlob(ctx, fakeName, fakeAAD)
	if err != nil {
		f.Fatal(err)
	}
	_, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add(wrapped)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{1, 'L', 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := k.OpenBlob(ctx, b, fakeAAD); err == nil && string(b) != string(blob) {
			t.Fatalf("opened a blob that was never sealed: %q", got)
		}
		_, _ = keyring.BlobKeyID(b)
		_, _ = keyring.WrappedKeyID(b)
		_, _, _ = k.Rewrap(ctx, b)
		_, _ = k.DataKey(ctx, b)
	})
}
