package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/config"
)

// testPKI is a throw-away CA with a server and a client certificate, made
// for one test and written as PEM files under its temporary directory.
type testPKI struct {
	dir        string
	ca         *x509.Certificate
	caKey      *ecdsa.PrivateKey
	caFile     string
	serverCert tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	var caDER []byte
	caDER, p.caKey = p.issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "claimflow test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	})
	var err error
	if p.ca, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", caDER)
	srvDER, srvKey := p.issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "temporal.test"},
		DNSNames:    []string{"temporal.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.serverCert = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	return p
}

// issue signs tmpl with the CA (itself when there is none yet) and returns
// the certificate and its new key.
func (p *testPKI) issue(t *testing.T, tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	parent, signer := tmpl, key
	if p.ca != nil {
		parent, signer = p.ca, p.caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

// clientPair writes a client certificate for cn and its key to certFile
// and keyFile (replacing what they held).
func (p *testPKI) clientPair(t *testing.T, cn, certFile, keyFile string) {
	t.Helper()
	der, key := p.issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p.write(t, filepath.Base(certFile), "CERTIFICATE", der)
	p.write(t, filepath.Base(keyFile), "PRIVATE KEY", kb)
}

func (p *testPKI) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mtlsServer accepts TLS connections that present a client certificate
// issued by the test CA and reports each one's common name.
func (p *testPKI) mtlsServer(t *testing.T) (addr string, clients <-chan string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cns := make(chan string, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			if err := tc.Handshake(); err == nil {
				cns <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
				_, _ = tc.Write([]byte("ok"))
			}
			tc.Close()
		}
	}()
	return ln.Addr().String(), cns
}

func TestTemporalClientOptionsPlainByDefault(t *testing.T) {
	c, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	opts, err := temporalClientOptions(c)
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnectionOptions.TLS != nil || opts.Credentials != nil {
		t.Errorf("TLS %v, credentials %v; want neither by default", opts.ConnectionOptions.TLS, opts.Credentials)
	}
	if got, want := opts.HostPort, "127.0.0.1:7233"; got != want {
		t.Errorf("HostPort = %q, want %q", got, want)
	}
}

func TestTemporalClientOptionsTLSAndAPIKey(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		creds   bool
		server  string
		rootCAs bool
	}{
		{"TEMPORAL_TLS alone: system roots", config.Config{TemporalTLS: true}, false, "", false},
		{"API key implies TLS", config.Config{TemporalAPIKey: "test-key"}, true, "", false},
		{"server name implies TLS", config.Config{TemporalTLSServer: "temporal.test"}, false, "temporal.test", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := temporalClientOptions(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			tlsc := opts.ConnectionOptions.TLS
			if tlsc == nil {
				t.Fatal("TLS is off")
			}
			if tlsc.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion = %x, want TLS 1.2", tlsc.MinVersion)
			}
			if got := opts.Credentials != nil; got != tc.creds {
				t.Errorf("credentials set = %v, want %v", got, tc.creds)
			}
			if tlsc.ServerName != tc.server {
				t.Errorf("ServerName = %q, want %q", tlsc.ServerName, tc.server)
			}
			if got := tlsc.RootCAs != nil; got != tc.rootCAs {
				t.Errorf("RootCAs set = %v, want %v", got, tc.rootCAs)
			}
			if tlsc.GetClientCertificate != nil {
				t.Error("a client certificate is configured without files")
			}
		})
	}
}

func TestTemporalClientOptionsErrorsNameTheSetting(t *testing.T) {
	p := newTestPKI(t)
	cert, key := filepath.Join(p.dir, "client.pem"), filepath.Join(p.dir, "client-key.pem")
	p.clientPair(t, "claimflow-worker", cert, key)
	notPEM := filepath.Join(p.dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(p.dir, "missing.pem")
	for _, tc := range []struct {
		name string
		cfg  config.Config
		want string
	}{
		{"CA file missing", config.Config{TemporalTLSCAFile: missing}, "TEMPORAL_TLS_CA_FILE"},
		{"CA file without PEM", config.Config{TemporalTLSCAFile: notPEM}, "TEMPORAL_TLS_CA_FILE"},
		{"certificate missing", config.Config{TemporalTLSCert: missing, TemporalTLSKey: key}, "TEMPORAL_TLS_CERT_FILE"},
		{"key missing", config.Config{TemporalTLSCert: cert, TemporalTLSKey: missing}, "TEMPORAL_TLS_KEY_FILE"},
		{"certificate without key", config.Config{TemporalTLSCert: cert}, "TEMPORAL_TLS_KEY_FILE"},
		{"key without certificate", config.Config{TemporalTLSKey: key}, "TEMPORAL_TLS_CERT_FILE"},
		{"certificate not PEM", config.Config{TemporalTLSCert: notPEM, TemporalTLSKey: key}, "TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"},
		{"key of another certificate", config.Config{TemporalTLSCert: p.caFile, TemporalTLSKey: key}, "TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := temporalClientOptions(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// TestTemporalTLSHandshake dials a real TLS listener that demands a client
// certificate from the test CA with the tls.Config the Temporal client
// would use: the CA file verifies the server, the client certificate is
// presented, and a certificate rotated on disk is presented by the next
// connection without rebuilding anything.
func TestTemporalTLSHandshake(t *testing.T) {
	p := newTestPKI(t)
	addr, clients := p.mtlsServer(t)
	cert, key := filepath.Join(p.dir, "client.pem"), filepath.Join(p.dir, "client-key.pem")
	p.clientPair(t, "claimflow-worker", cert, key)
	opts, err := temporalClientOptions(config.Config{TemporalAddress: addr, TemporalTLSCAFile: p.caFile,
		TemporalTLSCert: cert, TemporalTLSKey: key, TemporalTLSServer: "temporal.test"})
	if err != nil {
		t.Fatal(err)
	}
	dial := func(tc *tls.Config) error {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, tc)
		if err != nil {
			return err
		}
		defer conn.Close()
		// The server verifies the client certificate during the
		// handshake; reading its reply proves it accepted it.
		b, err := io.ReadAll(conn)
		if err == nil && string(b) != "ok" {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	presented := func(want string) {
		t.Helper()
		if err := dial(opts.ConnectionOptions.TLS); err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if got := <-clients; got != want {
			t.Errorf("server saw client %q, want %q", got, want)
		}
	}
	presented("claimflow-worker")

	p.clientPair(t, "claimflow-worker-rotated", cert, key)
	presented("claimflow-worker-rotated")

	// A half-written rotation (a key that does not match) keeps the last
	// good pair in use.
	if err := os.WriteFile(key, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	presented("claimflow-worker-rotated")

	// Without the CA file the system roots do not know the test CA.
	sys, err := temporalClientOptions(config.Config{TemporalTLS: true, TemporalTLSServer: "temporal.test"})
	if err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if err := dial(sys.ConnectionOptions.TLS); err == nil || !errors.As(err, &unknown) {
		t.Errorf("dial with system roots: err = %v, want an unknown authority error", err)
	}
	// A name the server certificate does not carry is refused.
	wrong, err := temporalClientOptions(config.Config{TemporalTLSCAFile: p.caFile, TemporalTLSServer: "elsewhere.test"})
	if err != nil {
		t.Fatal(err)
	}
	var host x509.HostnameError
	if err := dial(wrong.ConnectionOptions.TLS); err == nil || !errors.As(err, &host) {
		t.Errorf("dial with the wrong server name: err = %v, want a hostname error", err)
	}
}
