package clearinghouse_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/internal/testenv"
)

// startSSHD runs Debian's OpenSSH sshd (installed by scripts/ensure-sshd.sh
// when missing) on a free loopback port with its own configuration, host
// key and authorized keys in a temporary directory, serving SFTP through
// internal-sftp. It returns the partner configuration and the folder that
// holds outbound/ and inbound/.
func startSSHD(t *testing.T) (clearinghouse.Partner, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("sshd must run as root (privilege separation); run the tests as root")
	}
	out, err := exec.Command("bash", filepath.Join(testenv.RepoRoot(t), "scripts", "ensure-sshd.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/ensure-sshd.sh: %v", err)
	}
	sshd := strings.TrimSpace(string(out))
	dir := t.TempDir()
	// sshd refuses configurations in group- or world-writable places.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation directory
		t.Fatal(err)
	}

	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	blk, err := ssh.MarshalPrivateKey(hostPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	hostKeyFile := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(hostKeyFile, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	hostPub, _ := ssh.NewSignerFromKey(hostPriv)

	priv, pub := clientKey(t)
	authFile := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authFile, ssh.MarshalAuthorizedKey(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "exchange")
	for _, d := range []string{"outbound", "inbound", "done"} {
		if err := os.MkdirAll(filepath.Join(data, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cfg := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp
ForceCommand internal-sftp
`, port, hostKeyFile, filepath.Join(dir, "sshd.pid"), authFile)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logf := testenv.LogFile(t, "sshd")
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	testenv.WaitFor(t, 15*time.Second, "sshd to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	me := "root"
	return clearinghouse.Partner{ID: "openssh", Addr: addr, User: me, PrivateKey: priv,
		HostKey:     strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostPub.PublicKey()))),
		OutboundDir: filepath.Join(data, "outbound"), InboundDir: filepath.Join(data, "inbound"),
		Timeout: clearinghouse.Duration(5 * time.Second)}, data
}

// TestCrashBetweenStepsOpenSSH runs the crash-at-every-step scenario
// against OpenSSH's sshd. The outbound folder stands for the
// clearinghouse's intake: a file appears there only once complete (the
// temporary name is renamed), and the test takes each arrival away the way
// a clearinghouse does.
func TestCrashBetweenStepsOpenSSH(t *testing.T) {
	t.Parallel()
	p, data := startSSHD(t)
	e := newEnv(t)
	e.partner = p
	var got []string
	take := func() []string {
		ents, _ := os.ReadDir(filepath.Join(data, "outbound"))
		for _, en := range ents {
			if strings.HasSuffix(en.Name(), ".part") {
				continue
			}
			f := filepath.Join(data, "outbound", en.Name())
			b, err := os.ReadFile(f)
			if err == nil && os.Remove(f) == nil {
				got = append(got, archive.Hash(b))
			}
		}
		return got
	}
	testCrashes(t, e, server{
		received: take,
		deliver: func(name string, body []byte) {
			tmp := filepath.Join(data, ".staging-"+name)
			if err := os.WriteFile(tmp, body, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(data, "inbound", name)); err != nil {
				t.Fatal(err)
			}
		},
		inbound: func() []string {
			ents, _ := os.ReadDir(filepath.Join(data, "inbound"))
			var out []string
			for _, en := range ents {
				out = append(out, en.Name())
			}
			return out
		},
	})
	// Files moved to a done folder instead of being removed.
	e.partner.DoneDir = filepath.Join(data, "done")
	c := e.connector(t, nil)
	body := batch(900, 9000, 2)
	if err := os.WriteFile(filepath.Join(data, "inbound", "late.x12"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	moved, _ := os.ReadDir(e.partner.DoneDir)
	if len(moved) != 1 {
		t.Fatalf("done folder holds %d files, want 1", len(moved))
	}
	if b, _ := os.ReadFile(filepath.Join(e.partner.DoneDir, moved[0].Name())); !bytes.Equal(b, body) {
		t.Fatal("moved file differs")
	}
}
