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
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/claimflow/claimflow/identity"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
)

// openIdentity builds the OpenID Connect provider (the Temporal UI's
// sign-in, `claimflow token`) and mounts it at /oidc. The issuer is
// CLAIMFLOW_OIDC_ISSUER, else the API's own loopback address.
func (m *Main) openIdentity() error {
	issuer := strings.TrimRight(m.Config.OIDCIssuer, "/")
	if issuer == "" {
		addr := m.listener.Addr().(*net.TCPAddr)
		host := addr.IP.String()
		if addr.IP.IsUnspecified() {
			// Listening on every interface (a container): the issuer
			// works for loopback callers only until it is configured.
			host = "127.0.0.1"
			m.Log.Warn("CLAIMFLOW_OIDC_ISSUER is not set: the Temporal UI sign-in works only from this host", "issuer", "http://"+net.JoinHostPort(host, strconv.Itoa(addr.Port))+"/oidc")
		}
		issuer = "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port)) + "/oidc"
	}
	var clients []identity.Client
	if m.Config.TemporalUIClientSecret != "" {
		ui := strings.TrimRight(m.Config.TemporalUIURL, "/")
		redirects := []string{ui + "/auth/sso/callback"}
		if strings.Contains(ui, "127.0.0.1") {
			redirects = append(redirects, strings.Replace(ui, "127.0.0.1", "localhost", 1)+"/auth/sso/callback")
		}
		clients = append(clients, identity.Client{ID: m.Config.TemporalUIClientID, Secret: m.Config.TemporalUIClientSecret, RedirectURIs: redirects})
	}
	p, err := identity.New(identity.Config{
		Issuer: issuer, Clients: clients, AccessTokenTTL: m.Config.OIDCTokenTTL, KeyRotation: m.Config.OIDCKeyRotation,
		Logger: m.Log.With("component", "oidc"),
	}, m.Store, m.Keyring)
	if err != nil {
		return err
	}
	m.Identity = p
	m.API.Router().Mount("/oidc", http.StripPrefix("/oidc", p.Handler()))
	return nil
}

// authenticateCodec authenticates a codec request: a claimflow access
// token (a JWT from the Temporal UI's sign-in through claimflow, or from
// `claimflow token`, verified by the identity provider: issuer, audience,
// expiry, signature), or a claimflow session or API token. It returns the
// user and their permissions, or an error wrapping
// payloadcodec.ErrUnauthorized that says what is missing.
func (m *Main) authenticateCodec(r *http.Request) (string, map[string]bool, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	raw = strings.TrimSpace(raw)
	if !ok || raw == "" {
		return "", nil, fmt.Errorf("%w: no bearer token. The Temporal UI sends one once you sign in through claimflow "+
			"(codec passAccessToken, an https codec endpoint); the Temporal CLI needs --codec-auth \"Bearer $(claimflow token)\"", payloadcodec.ErrUnauthorized)
	}
	ctx := r.Context()
	if strings.HasPrefix(raw, "cf_") {
		p, err := m.Store.Authenticate(ctx, raw)
		if errors.Is(err, store.ErrUnauthenticated) {
			return "", nil, fmt.Errorf("%w: the claimflow session or API token is expired, revoked or unknown: sign in again", payloadcodec.ErrUnauthorized)
		}
		return p.UserID, p.Permissions, err
	}
	if m.Identity == nil {
		return "", nil, fmt.Errorf("%w: this claimflow accepts no access tokens (no OpenID Connect provider)", payloadcodec.ErrUnauthorized)
	}
	sub, err := m.Identity.VerifyAccessToken(ctx, raw)
	if err != nil {
		var te *identity.TokenError
		if errors.As(err, &te) {
			return "", nil, fmt.Errorf("%w: %s", payloadcodec.ErrUnauthorized, te.Reason)
		}
		return "", nil, err
	}
	id, err := m.Store.UserIdentity(ctx, sub)
	if errors.Is(err, store.ErrUnauthenticated) {
		return "", nil, fmt.Errorf("%w: the access token's user is disabled or no longer exists", payloadcodec.ErrUnauthorized)
	}
	if err != nil {
		return "", nil, err
	}
	return id.UserID, id.Permissions, nil
}

// openTLS adds the API's TLS listener (CLAIMFLOW_HTTPS_ADDR): the Temporal
// UI sends access tokens only to an https codec endpoint. Without a
// configured certificate it makes a self-signed one for 127.0.0.1 and
// localhost, once, in <data dir>/tls.
func (m *Main) openTLS() error {
	if m.Config.HTTPSAddr == "" {
		return nil
	}
	certFile, keyFile := m.Config.TLSCertFile, m.Config.TLSKeyFile
	if certFile == "" {
		dir := filepath.Join(m.Config.DataDir, "tls")
		certFile, keyFile = filepath.Join(dir, "localhost.crt"), filepath.Join(dir, "localhost.key")
		if err := ensureSelfSigned(certFile, keyFile); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	ln, err := net.Listen("tcp", m.Config.HTTPSAddr)
	if err != nil {
		return fmt.Errorf("https: listen %s: %w", m.Config.HTTPSAddr, err)
	}
	m.tlsListener = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	m.httpsServer = newHTTPServer(m.Config, m.API, m.Log) // the same timeouts as the plain listener
	return nil
}

// TLSAddr is the address of the TLS listener ("" without one).
func (m *Main) TLSAddr() string {
	if m.tlsListener == nil {
		return ""
	}
	return m.tlsListener.Addr().String()
}

func ensureSelfSigned(certFile, keyFile string) error {
	if _, err := os.Stat(certFile); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "claimflow local"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644) //nolint:gosec // G306: a certificate is public
}
