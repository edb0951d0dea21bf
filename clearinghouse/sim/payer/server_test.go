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
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
)

// TestThroughSFTP runs the adjudicator inside the simulator's SFTP
// server: an uploaded 837P is answered with a 999 and a 277CA, and the
// server's ticker delivers the 835 after the delay; a restarted server
// over the same data directory delivers nothing again.
func TestThroughSFTP(t *testing.T) {
	dir := t.TempDir()
	signer := newSigner(t)
	s, sc := startSFTP(t, dir, signer)
	defer s.Close()
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

	s2 := newServer(t, dir, signer)
	if _, err := s2.ListenSFTP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several ticks
	s2.Close()
	if n := len(s2.Downloads("u1")); n != 3 {
		t.Errorf("after restart downloads %v, want the same 3 files", s2.Downloads("u1"))
	}
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// newServer is the simulator with the sample rules, a 300 ms delay and a
// 50 ms tick, keeping its state in dir.
func newServer(t *testing.T, dir string, signer ssh.Signer) *sim.Server {
	t.Helper()
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

// startSFTP starts newServer on a loopback port and connects user u1.
func startSFTP(t *testing.T, dir string, signer ssh.Signer) (*sim.Server, *sftp.Client) {
	t.Helper()
	s := newServer(t, dir, signer)
	addr, err := s.ListenSFTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "u1", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey()), Timeout: 5 * time.Second})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sc, err := sftp.NewClient(conn)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, sc
}

// TestInstitutionalAndDentalThroughSFTP uploads an 837I and an 837D: each
// gets a 999 and a 277CA (the 837I's with a 2220D line rejection), and the
// ticker delivers one 835 with the institutional and dental payments,
// which validates and balances.
func TestInstitutionalAndDentalThroughSFTP(t *testing.T) {
	s, sc := startSFTP(t, t.TempDir(), newSigner(t))
	defer s.Close()
	for name, body := range map[string][]byte{
		"inst.x12":   write(t, x837i.Build, 71, institutional837()),
		"dental.x12": write(t, x837d.Build, 72, dental837()),
	} {
		f, err := sc.Create("/upload/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(body); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	want := []string{"inst.999.", "inst.277ca.", "dental.999.", "dental.277ca.", ".835"}
	read := func(n string) []byte {
		b, err := os.ReadFile(filepath.Join(s.Dir("u1", "download"), n))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The two uploads' claims may share an 835 or come in two: wait until
	// 835s carry the four accepted claims.
	var paid x835.Money
	pcns := map[string]bool{}
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(pcns) < 4; time.Sleep(20 * time.Millisecond) {
		got = s.Downloads("u1")
		paid, pcns = 0, map[string]bool{}
		for _, n := range got {
			if strings.HasSuffix(n, ".835") {
				for _, r := range read835(t, read(n)) {
					// Claim payments (CLP04), not BPR02: whether the
					// claims come in one 835 or two races the payer's
					// ticker, and every second 835 carries a PLB
					// (issue 22: summing BPR02 failed when they split).
					var clp, plb x835.Money
					for _, cp := range r.Claims {
						pcns[cp.PatientControlNumber] = true
						clp += cp.Paid
					}
					for _, a := range r.Adjustments {
						plb += a.Amount
					}
					if r.Payment.Amount != clp-plb {
						t.Fatalf("%s: BPR02 %v, want claim payments %v less PLB %v", n, r.Payment.Amount, clp, plb)
					}
					paid += clp
				}
			}
		}
	}
	if !hasAll(got, want) {
		t.Fatalf("downloads %v, want a 999 and a 277CA per upload and an 835", got)
	}
	for _, n := range got {
		if strings.Contains(n, "inst.277ca.") {
			if ca := read277CA(t, read(n)).Find("PCNI0003"); ca == nil || ca.Accepted() || len(ca.Lines) != 1 {
				t.Errorf("277CA of the 837I: PCNI0003 = %+v, want rejected at one line", ca)
			}
		}
	}
	// As in the unit tests, 837I: 484.00 + 6,475.00, 837D: 144.00 + 20.00,
	// but member ZZ0000001's 50.00 of deductible is taken once, by
	// whichever upload is adjudicated first: 40.00 more is paid.
	if paid != 48400+647500+14400+2000+4000 || len(pcns) != 4 || pcns["PCNI0003"] {
		t.Errorf("835s paid %v for %v, want 7163.00 for PCNI0001/2 and PCND0001/2", paid, pcns)
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
