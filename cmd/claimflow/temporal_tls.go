package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"

	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/config"
)

// temporalClientOptions are the address, namespace and connection security
// every Temporal client claimflow dials starts from (Main.temporalOptions
// adds the logger, the payload codec and the metrics handler):
//
//   - TEMPORAL_TLS, or any of the settings below, turns TLS on; the server is
//     verified against the system roots, or TEMPORAL_TLS_CA_FILE when set,
//     under TEMPORAL_TLS_SERVER_NAME when set (else the address's host).
//   - TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE present a client
//     certificate (mTLS). The files are read now, so a bad path fails at
//     start, and again on every handshake, so a rotated certificate is used
//     by the next connection without a restart.
//   - TEMPORAL_API_KEY sends a Temporal Cloud API key as a bearer token,
//     always over TLS.
//
// Errors name the setting at fault.
func temporalClientOptions(c config.Config) (client.Options, error) {
	opts := client.Options{HostPort: c.TemporalAddress, Namespace: c.TemporalNamespace}
	if !c.TemporalTLS && c.TemporalTLSCAFile == "" && c.TemporalTLSCert == "" && c.TemporalTLSKey == "" &&
		c.TemporalTLSServer == "" && c.TemporalAPIKey == "" {
		return opts, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TemporalTLSServer}
	if c.TemporalTLSCAFile != "" {
		pem, err := os.ReadFile(c.TemporalTLSCAFile)
		if err != nil {
			return client.Options{}, fmt.Errorf("TEMPORAL_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return client.Options{}, fmt.Errorf("TEMPORAL_TLS_CA_FILE: %s holds no PEM certificate", c.TemporalTLSCAFile)
		}
		tc.RootCAs = pool
	}
	switch {
	case c.TemporalTLSCert != "" && c.TemporalTLSKey != "":
		kp := &keyPairFiles{certFile: c.TemporalTLSCert, keyFile: c.TemporalTLSKey}
		if _, err := kp.load(); err != nil {
			return client.Options{}, err
		}
		tc.GetClientCertificate = kp.getClientCertificate
	case c.TemporalTLSCert != "":
		return client.Options{}, errors.New("TEMPORAL_TLS_KEY_FILE: must be set with TEMPORAL_TLS_CERT_FILE (mTLS needs both)")
	case c.TemporalTLSKey != "":
		return client.Options{}, errors.New("TEMPORAL_TLS_CERT_FILE: must be set with TEMPORAL_TLS_KEY_FILE (mTLS needs both)")
	}
	opts.ConnectionOptions.TLS = tc
	if c.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.TemporalAPIKey)
	}
	return opts, nil
}

// keyPairFiles is a client certificate and key on disk, re-read on every
// handshake (a Temporal client holds one long-lived connection, so that is
// rare) and parsed again only when their contents change. A pair that fails
// to parse, e.g. a certificate replaced before its key, leaves the last good
// one in use.
type keyPairFiles struct {
	certFile, keyFile string

	mu              sync.Mutex
	certPEM, keyPEM []byte
	cert            *tls.Certificate
}

// load returns the current pair, parsing the files when they changed.
func (k *keyPairFiles) load() (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(k.certFile)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_TLS_CERT_FILE: %w", err)
	}
	keyPEM, err := os.ReadFile(k.keyFile)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_TLS_KEY_FILE: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cert != nil && bytes.Equal(certPEM, k.certPEM) && bytes.Equal(keyPEM, k.keyPEM) {
		return k.cert, nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: %w", err)
	}
	k.certPEM, k.keyPEM, k.cert = certPEM, keyPEM, &cert
	return k.cert, nil
}

func (k *keyPairFiles) getClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	cert, err := k.load()
	if err == nil {
		return cert, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cert != nil {
		return k.cert, nil // mid-rotation: keep the last good pair
	}
	return nil, err
}
