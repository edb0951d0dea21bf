package keyring_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/keyring"
)

func benchKeyring(b *testing.B) *keyring.Keyring {
	b.Helper()
	b.Cleanup(keyring.SetLocalRecheck(time.Second)) // as in production
	k, err := keyring.OpenLocal(filepath.Join(b.TempDir(), "kek.json"))
	if err != nil {
		b.Fatal(err)
	}
	return k
}

func BenchmarkSeal200B(b *testing.B) {
	dk, _, err := benchKeyring(b).NewDataKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	pt := bytes.Repeat([]byte{'x'}, 200)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		dk.Seal(pt, fakeAAD)
	}
}

func BenchmarkOpen200B(b *testing.B) {
	dk, _, err := benchKeyring(b).NewDataKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	pt := bytes.Repeat([]byte{'x'}, 200)
	sealed := dk.Seal(pt, fakeAAD)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Open(sealed, fakeAAD); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealBlob64KiB(b *testing.B) {
	k := benchKeyring(b)
	ctx := context.Background()
	pt := bytes.Repeat([]byte{'x'}, 64<<10)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.SealBlob(ctx, pt, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenBlob64KiB(b *testing.B) {
	k := benchKeyring(b)
	ctx := context.Background()
	pt := bytes.Repeat([]byte{'x'}, 64<<10)
	blob, err := k.SealBlob(ctx, pt, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.OpenBlob(ctx, blob, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDataKey is one local wrap (KMS adds a network round trip).
func BenchmarkNewDataKey(b *testing.B) {
	k := benchKeyring(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.NewDataKey(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := benchKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		k.BlindIndex("patient.member_id", "ZZX900000001")
	}
}

// BenchmarkKMSWrap and BenchmarkKMSUnwrap measure one round trip to a
// local-kms on loopback: the floor of what a real KMS call costs.
func BenchmarkKMSWrap(b *testing.B) {
	ctx := context.Background()
	_, client := startLocalKMS(b)
	createAlias(b, client, "alias/claimflow-bench")
	kek, err := keyring.NewKMSKEK(ctx, client, "alias/claimflow-bench")
	if err != nil {
		b.Fatal(err)
	}
	dek := bytes.Repeat([]byte{1}, 32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kek.Wrap(ctx, dek); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKMSUnwrap(b *testing.B) {
	ctx := context.Background()
	_, client := startLocalKMS(b)
	createAlias(b, client, "alias/claimflow-bench")
	kek, err := keyring.NewKMSKEK(ctx, client, "alias/claimflow-bench")
	if err != nil {
		b.Fatal(err)
	}
	w, err := kek.Wrap(ctx, bytes.Repeat([]byte{1}, 32))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kek.Unwrap(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
}
