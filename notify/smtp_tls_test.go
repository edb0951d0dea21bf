package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/notify/notifytest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// STARTTLS and authentication against a real mailpit that requires them.
func TestSMTPStartTLSMailpit(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	mp := notifytest.StartMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-accept-any")
	msg := notify.Email{To: "patient-b@example.invalid", Subject: "Reminder", Body: "Hi B."}

	m := &notify.SMTP{Addr: mp.SMTPAddr, From: "reminders@claimflow.invalid",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		Auth:      smtp.PlainAuth("", "claimflow", "test-password", "127.0.0.1")}
	if err := m.SendEmail(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("got %d messages, want 1", n)
	}

	// The default TLS configuration verifies the server: an untrusted
	// certificate stops the send before anything is written.
	untrusted := &notify.SMTP{Addr: mp.SMTPAddr, From: "reminders@claimflow.invalid"}
	err := untrusted.SendEmail(context.Background(), msg)
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &uerr) {
		t.Errorf("untrusted certificate: got %v", err)
	}
	if n := len(mp.Messages(t)); n != 1 {
		t.Errorf("got %d messages after the refused send, want 1", n)
	}
}
