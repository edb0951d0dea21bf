// Package archivetest starts a real S3 server (versitygw, built by
// tools/install.sh) for tests and opens an archive on it.
package archivetest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/internal/testenv"
)

// S3 is a running versitygw.
type S3 struct {
	Endpoint, AccessKey, SecretKey string
}

// StartS3 starts versitygw with a posix backend in a temporary directory
// and stops it when the test ends.
func StartS3(t testing.TB) S3 {
	t.Helper()
	bin := testenv.Tool(t, "versitygw")
	dir := t.TempDir()
	addr := freeAddr(t)
	s := S3{Endpoint: "http://" + addr, AccessKey: "claimflowtest", SecretKey: "claimflow-test-secret"}
	cmd := exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", addr, "posix", dir)
	logf := testenv.LogFile(t, "versitygw")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	testenv.WaitFor(t, 30*time.Second, "versitygw to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return s
}

// Open starts versitygw and opens an archive on a fresh bucket, sealed with
// sealer (Sealer(t) when nil).
func Open(t testing.TB, sealer archive.Sealer) *archive.Archive {
	t.Helper()
	s := StartS3(t)
	if sealer == nil {
		sealer = Sealer(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := archive.Open(ctx, archive.Options{
		Endpoint: s.Endpoint, Bucket: "claimflow-test", AccessKey: s.AccessKey, SecretKey: s.SecretKey, Sealer: sealer,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// gcmSealer is AES-256-GCM with a random key per test. It stands in for
// package keyring's Keyring until that lands; it has the same method set.
type gcmSealer struct{ aead cipher.AEAD }

// Sealer returns a sealer with a fresh random key.
func Sealer(t testing.TB) archive.Sealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return gcmSealer{aead}
}

func (s gcmSealer) SealBlob(_ context.Context, plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

func (s gcmSealer) OpenBlob(_ context.Context, blob, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(blob) < n {
		return nil, errors.New("sealed blob too short")
	}
	out, err := s.aead.Open(nil, blob[:n], blob[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("open sealed blob: %w", err)
	}
	return out, nil
}
