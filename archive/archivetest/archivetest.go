// Package archivetest starts a real S3 server (versitygw, built by
// tools/install.sh) for tests and opens an archive on it.
package archivetest

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
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

// Sealer returns a keyring with a fresh local key-encryption key in a
// temporary directory.
func Sealer(t testing.TB) archive.Sealer {
	t.Helper()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "keys", "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
