package payer_test

import (
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
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
)

// TestThroughSFTP runs the adjudicator inside the simulator's SFTP
// server: an uploaded 837P is answered with a 999 and a 277CA, and the
// server's ticker delivers the 835 after the delay; a restarted server
// over the same data directory delivers nothing again.
func TestThroughSFTP(t *testing.T) {
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	startServer := func() *sim.Server {
		cfg := config(t)
		cfg.Delay = payer.Duration(300 * time.Millisecond)
		adj, err := payer.New(cfg, payer.Options{Ack: &sim.AckResponder{ID: "SIMCH"}, StateFile: filepath.Join(dir, "payer-state.json")})
		if err != nil {
			t.Fatal(err)
		}
		s, err := sim.New(sim.Config{DataDir: dir, Users: []sim.User{{Name: "u1", AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}}},
			Responder: adj, Tick: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := startServer()
	addr, err := s.ListenSFTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "u1", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey()), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sc.Create("/upload/batch1.x12")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(build837(t, 1, batch())); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := []string{".999.", ".277ca.", ".835"}
	deadline := time.Now().Add(10 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		got = s.Downloads("u1")
		if hasAll(got, want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !hasAll(got, want) || len(got) != 3 {
		t.Fatalf("downloads %v, want a 999, a 277CA and an 835", got)
	}
	for _, n := range got {
		if strings.HasSuffix(n, ".835") {
			b, _ := os.ReadFile(filepath.Join(s.Dir("u1", "download"), n))
			if rs := read835(t, b); len(rs) != 1 || rs[0].Payment.Amount != 18350 {
				t.Errorf("835 over SFTP: %d sets", len(rs))
			}
		}
	}
	s.Close()

	s2 := startServer()
	if _, err := s2.ListenSFTP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several ticks
	s2.Close()
	if n := len(s2.Downloads("u1")); n != 3 {
		t.Errorf("after restart downloads %v, want the same 3 files", s2.Downloads("u1"))
	}
}

func hasAll(names, parts []string) bool {
	for _, p := range parts {
		found := false
		for _, n := range names {
			found = found || strings.Contains(n, p)
		}
		if !found {
			return false
		}
	}
	return true
}
