// Package clearinghouse exchanges EDI files with clearinghouses and payers:
// batch files over SFTP (Connector) and real-time 270/271 and 276/277
// requests over HTTP following the CAQH CORE connectivity rule
// (RealTimeClient).
//
// Every file is archived (package archive) before anything processes it,
// and a ledger in Postgres (package store) records each file's progress, so
// a process that dies between any two steps resumes where it stopped:
// nothing is lost and nothing is processed twice.
package clearinghouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Partner is one clearinghouse's SFTP configuration.
type Partner struct {
	// ID names the partner in the ledger and the archive
	// (letters, digits, '.', '_' or '-').
	ID   string `json:"id"`
	Addr string `json:"addr"` // host:port
	User string `json:"user"`
	// PrivateKey is the client key in PEM (OpenSSH or PKCS#8) form;
	// PrivateKeyFile is read when PrivateKey is empty.
	PrivateKey     []byte `json:"-"`
	PrivateKeyFile string `json:"private_key_file"`
	// HostKey pins the server's public key, in authorized_keys form
	// ("ssh-ed25519 AAAA..."). It is required: host keys are never ignored.
	HostKey string `json:"host_key"`
	// OutboundDir is where files for the partner are uploaded, InboundDir
	// where the partner leaves files for us.
	OutboundDir string `json:"outbound_dir"`
	InboundDir  string `json:"inbound_dir"`
	// DoneDir, when set, receives processed inbound files (moved there);
	// otherwise they are removed from the server.
	DoneDir string `json:"done_dir,omitempty"`
	// NamePattern names outbound files. Placeholders: {partner}, {isa13}
	// (first interchange control number), {hash} (first 16 hex digits of
	// the content hash), {date} (YYYYMMDD, UTC). The name depends only on
	// the content, so a retried send uses the same name. Default
	// "{partner}-{isa13}-{hash}.x12".
	NamePattern string `json:"name_pattern,omitempty"`
	// TempSuffix marks files being written; uploads are written under
	// name+TempSuffix and renamed when complete, and inbound files with
	// this suffix are ignored. Default ".part".
	TempSuffix string `json:"temp_suffix,omitempty"`
	// Timeout bounds each network operation (dial, list, one file's
	// transfer). Default 30s.
	Timeout Duration `json:"timeout,omitempty"`
	// MaxFileSize refuses larger inbound files. Default 256 MiB.
	MaxFileSize int64 `json:"max_file_size,omitempty"`
	// RealTime is the partner's CORE real-time endpoint, when it has one.
	RealTime *RealTimeConfig `json:"realtime,omitempty"`
}

// RealTimeConfig configures a partner's CORE real-time endpoint. The
// password is read from the environment variable PasswordEnv, never from
// the file.
type RealTimeConfig struct {
	URL         string   `json:"url"`
	SenderID    string   `json:"sender_id"`
	ReceiverID  string   `json:"receiver_id"`
	Username    string   `json:"username"`
	PasswordEnv string   `json:"password_env"`
	Timeout     Duration `json:"timeout,omitempty"`
}

// NewRealTimeClient builds the client for p's real-time endpoint; requests
// and answers are archived in a (when not nil).
func (p Partner) NewRealTimeClient(a Archiver, getenv func(string) string) (*RealTimeClient, error) {
	rt := p.RealTime
	if rt == nil || rt.URL == "" {
		return nil, fmt.Errorf("clearinghouse: partner %s has no real-time endpoint", p.ID)
	}
	if rt.SenderID == "" || rt.ReceiverID == "" {
		return nil, fmt.Errorf("clearinghouse: partner %s: realtime sender_id and receiver_id are required", p.ID)
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &RealTimeClient{URL: rt.URL, Partner: p.ID, SenderID: rt.SenderID, ReceiverID: rt.ReceiverID,
		Username: rt.Username, Timeout: time.Duration(rt.Timeout), Archive: a}
	if rt.PasswordEnv != "" {
		c.Password = getenv(rt.PasswordEnv)
		if c.Password == "" {
			return nil, fmt.Errorf("clearinghouse: partner %s: %s is not set", p.ID, rt.PasswordEnv)
		}
	}
	return c, nil
}

// Duration is a time.Duration that reads "30s" from JSON.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

var partnerID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withDefaults validates p and fills in defaults.
func (p Partner) withDefaults() (Partner, error) {
	if !partnerID.MatchString(p.ID) {
		return p, fmt.Errorf("clearinghouse: partner id %q: use 1-64 letters, digits, '.', '_' or '-'", p.ID)
	}
	if p.Addr == "" || p.User == "" {
		return p, fmt.Errorf("clearinghouse: partner %s: addr and user are required", p.ID)
	}
	if strings.TrimSpace(p.HostKey) == "" {
		return p, fmt.Errorf("clearinghouse: partner %s: host_key is required (host keys are pinned, never ignored)", p.ID)
	}
	if len(p.PrivateKey) == 0 {
		if p.PrivateKeyFile == "" {
			return p, fmt.Errorf("clearinghouse: partner %s: a private key is required", p.ID)
		}
		b, err := os.ReadFile(p.PrivateKeyFile)
		if err != nil {
			return p, fmt.Errorf("clearinghouse: partner %s: %w", p.ID, err)
		}
		p.PrivateKey = b
	}
	if p.OutboundDir == "" || p.InboundDir == "" {
		return p, fmt.Errorf("clearinghouse: partner %s: outbound_dir and inbound_dir are required", p.ID)
	}
	if p.NamePattern == "" {
		p.NamePattern = "{partner}-{isa13}-{hash}.x12"
	}
	if p.TempSuffix == "" {
		p.TempSuffix = ".part"
	}
	if p.Timeout <= 0 {
		p.Timeout = Duration(30 * time.Second)
	}
	if p.MaxFileSize <= 0 {
		p.MaxFileSize = 256 << 20
	}
	return p, nil
}

// LoadPartners reads a JSON array of partners from file.
func LoadPartners(file string) ([]Partner, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("clearinghouse: %w", err)
	}
	var ps []Partner
	if err := json.Unmarshal(b, &ps); err != nil {
		return nil, fmt.Errorf("clearinghouse: %s: %w", file, err)
	}
	return ps, nil
}

// sshConfig builds the client configuration with the pinned host key.
func (p Partner) sshConfig() (*ssh.ClientConfig, error) {
	signer, err := ssh.ParsePrivateKey(p.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("clearinghouse: partner %s: private key: %w", p.ID, err)
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(p.HostKey))
	if err != nil {
		return nil, fmt.Errorf("clearinghouse: partner %s: host_key: %w", p.ID, err)
	}
	algos := []string{hk.Type()}
	if hk.Type() == ssh.KeyAlgoRSA {
		algos = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return &ssh.ClientConfig{
		User:              p.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   ssh.FixedHostKey(hk),
		HostKeyAlgorithms: algos,
		Timeout:           time.Duration(p.Timeout),
	}, nil
}

// remoteName renders the outbound file name for content with the given
// hash and first interchange control number.
func (p Partner) remoteName(hash, isa13 string, at time.Time) string {
	if isa13 == "" {
		isa13 = "noisa"
	}
	r := strings.NewReplacer("{partner}", p.ID, "{isa13}", isa13, "{hash}", hash[:16], "{date}", at.UTC().Format("20060102"))
	return path.Base(r.Replace(p.NamePattern))
}

var errVanished = errors.New("clearinghouse: remote file vanished")
