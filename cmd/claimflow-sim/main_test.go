package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func noEnv(string) string { return "" }

// clientKey makes an ed25519 key pair and writes its public half as an
// authorized_keys file.
func clientKey(t *testing.T) (ssh.Signer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "client_key.pub")
	if err := os.WriteFile(file, ssh.MarshalAuthorizedKey(sp), 0o600); err != nil {
		t.Fatal(err)
	}
	return signer, file
}

func TestUsageErrors(t *testing.T) {
	_, keys := clientKey(t)
	for name, args := range map[string][]string{
		"no user":         {"-sftp", "127.0.0.1:0"},
		"stray argument":  {"-user", "claimflow=" + keys, "extra"},
		"missing keyfile": {"-user", "claimflow=" + filepath.Join(t.TempDir(), "absent.pub")},
		"user without =":  {"-user", "claimflow"},
		"bad delay":       {"-user", "claimflow=" + keys, "-rules", "sample", "-delay", "soon", "-data", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), args, noEnv, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errb.String())
			}
			if !strings.Contains(errb.String(), "usage: claimflow-sim") {
				t.Errorf("stderr lacks the usage line: %s", errb.String())
			}
		})
	}
}

// TestServes starts the command as `make run` does and checks what it
// prints is what answers: the SFTP address with the pinned host key (the
// user's key accepted, another refused), the CORE endpoint asking for its
// password, and that cancelling stops it.
func TestServes(t *testing.T) {
	signer, keys := clientKey(t)
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-data", t.TempDir(), "-sftp", "127.0.0.1:0", "-http", "127.0.0.1:0",
			"-user", "claimflow=" + keys + ":rt-pw", "-rules", "sample", "-delay", "1s", "-tick", "50ms"}, noEnv, pw, &stderr)
		_ = pw.Close()
	}()

	got := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(got) < 3 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		got[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if got["sftp"] == "" || got["host-key"] == "" || got["core"] == "" {
		select {
		case code := <-done:
			t.Fatalf("exited %d before announcing itself (got %v); stderr: %s", code, got, stderr.String())
		default:
			t.Fatalf("announced %v, want sftp, host-key and core", got)
		}
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(got["host-key"]))
	if err != nil {
		t.Fatalf("host-key line %q: %v", got["host-key"], err)
	}

	conn, err := ssh.Dial("tcp", got["sftp"], &ssh.ClientConfig{User: "claimflow", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("ssh with the user's key and the printed host key: %v", err)
	}
	defer conn.Close()
	fc, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	entries, err := fc.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "download,upload" {
		t.Errorf("the user's folder lists %v, want download and upload", names)
	}

	other, _ := clientKey(t)
	if c, err := ssh.Dial("tcp", got["sftp"], &ssh.ClientConfig{User: "claimflow", Auth: []ssh.AuthMethod{ssh.PublicKeys(other)},
		HostKeyCallback: ssh.FixedHostKey(hostKey), Timeout: 10 * time.Second}); err == nil {
		c.Close()
		t.Error("a key the user did not authorize was accepted")
	}

	resp, err := http.Post(got["core"], "multipart/form-data; boundary=x", strings.NewReader("--x--\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("CORE without its password answered %d, want 401", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after cancel, want 0; stderr: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after cancel")
	}
	if c, err := net.DialTimeout("tcp", got["sftp"], time.Second); err == nil {
		c.Close()
		t.Error("the SFTP port still answers after the simulator stopped")
	}
}
