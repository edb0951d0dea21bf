package sim_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/clearinghouse/sim"
)

func key(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func start(t *testing.T, dir string, authorised ssh.PublicKey) (*sim.Server, string) {
	t.Helper()
	s, err := sim.New(sim.Config{DataDir: dir, Users: []sim.User{{Name: "u1", AuthorizedKeys: []ssh.PublicKey{authorised}}}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.ListenSFTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, addr
}

func dial(t *testing.T, addr string, s *sim.Server, k ssh.Signer) (*sftp.Client, error) {
	t.Helper()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "u1", Auth: []ssh.AuthMethod{ssh.PublicKeys(k)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey()), Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return sftp.NewClient(conn)
}

func TestJail(t *testing.T) {
	dir := t.TempDir()
	k := key(t)
	s, addr := start(t, dir, k.PublicKey())
	sc, err := dial(t, addr, s, k)
	if err != nil {
		t.Fatal(err)
	}
	// The host key file sits in the data directory, outside the jail.
	for _, p := range []string{"/../../ssh_host_ed25519_key", "../ssh_host_ed25519_key", "/upload/../../../ssh_host_ed25519_key"} {
		if f, err := sc.Open(p); err == nil {
			f.Close()
			t.Errorf("opened %s outside the jail", p)
		}
	}
	if err := sc.Symlink("/etc/passwd", "/upload/link"); err == nil {
		t.Error("symlink allowed")
	}
	ents, err := sc.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, ","); got != "download,upload" {
		t.Errorf("root lists %q, want download,upload", got)
	}
	// An upload under its final name is taken and answered (TA1: not X12).
	f, err := sc.Create("/upload/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("not an interchange")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Downloads("u1")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := s.Downloads("u1")
	if len(got) != 1 || !strings.Contains(got[0], ".ta1.") {
		t.Fatalf("downloads %v, want one TA1 file", got)
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir("u1", "download"), got[0]))
	if !strings.Contains(string(b), "TA1*") || !strings.Contains(string(b), "*R*") {
		t.Fatalf("answer is not a rejecting TA1:\n%s", b)
	}
}

func TestAuthAndHostKey(t *testing.T) {
	dir := t.TempDir()
	k := key(t)
	s, addr := start(t, dir, k.PublicKey())
	if _, err := dial(t, addr, s, key(t)); err == nil {
		t.Fatal("an unknown client key was accepted")
	}
	first := s.HostKeyLine()
	s.Close()
	s2, _ := start(t, dir, k.PublicKey())
	if s2.HostKeyLine() != first {
		t.Fatal("host key changed across restarts; it must persist in the data directory")
	}
}

func TestAckResponder(t *testing.T) {
	b, err := os.ReadFile("../testdata/837p-synthetic.x12")
	if err != nil {
		t.Fatal(err)
	}
	r := &sim.AckResponder{ID: "SIMCH"}
	for _, c := range []struct {
		name, body, want, kind string
	}{
		{"valid", string(b), "IK5*A", ".999."},
		{"broken ISA", strings.Replace(string(b), "*00501*", "*0501*", 1), "TA1*", ".ta1."},
		{"no ISA at all", "hello", "TA1*", ".ta1."},
		{"bad claim", strings.Replace(string(b), "CLM*PCN0001*150", "CLM*PCN0001*999", 1), "IK5*R", ".999."},
	} {
		out := r.OnUpload(context.Background(), "u1", "batch.x12", []byte(c.body))
		if len(out) != 1 || !strings.Contains(string(out[0].Body), c.want) || !strings.Contains(out[0].Name, c.kind) {
			t.Errorf("%s: got %v, want one %s file containing %s", c.name, out, c.kind, c.want)
		}
	}
}
