package clearinghouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/rcm"
)

// ArchivedFile is an inbound file that is safely archived, handed to the
// Router. It carries references and identifiers, never the file's content:
// read it from the archive by Hash.
type ArchivedFile struct {
	Partner    string
	RemoteName string
	Hash       string // archive key (SHA-256 of the content)
	Size       int64
	Received   time.Time
	Sets       []string // transaction set IDs (ST01), e.g. 999, 277
	ISA13      []string // interchange control numbers
	GS06       []string // group control numbers
	ST02       []string // transaction set control numbers
}

// Router hands an archived inbound file to whatever waits for it (the
// workflows). Route is called at least once per distinct file: after a
// crash between Route and the ledger update it is called again with the
// same Hash, so implementations must be idempotent on Hash. A file whose
// content the partner already sent (a duplicate) is not routed again.
type Router interface {
	Route(ctx context.Context, f ArchivedFile) error
}

// RouterFunc adapts a function to Router.
type RouterFunc func(ctx context.Context, f ArchivedFile) error

// Route calls f.
func (f RouterFunc) Route(ctx context.Context, a ArchivedFile) error { return f(ctx, a) }

// Ledger is the Postgres ledger of the files exchanged with partners, as
// the connector uses it. It records each file's progress so that a crash
// at any step resumes where it stopped.
type Ledger interface {
	LockPartner(ctx context.Context, partner string) (unlock func(), err error)
	OutboundCreate(ctx context.Context, partner, name, sha string, size int64) (rcm.OutboundFile, bool, error)
	OutboundOpen(ctx context.Context, partner string) ([]rcm.OutboundFile, error)
	OutboundAdvance(ctx context.Context, id int64, from, to string) error
	OutboundFailed(ctx context.Context, id int64, msg string) error
	InboundSeen(ctx context.Context, partner, name string, size int64, mtime time.Time) error
	InboundOpen(ctx context.Context, partner string) ([]rcm.InboundFile, error)
	InboundDownloaded(ctx context.Context, id int64, sha string) (rcm.InboundFile, error)
	InboundAdvance(ctx context.Context, id int64, from, to string) error
	InboundFailed(ctx context.Context, id int64, msg string) error
}

// Archiver stores an EDI file before it is sent or after it is received.
type Archiver interface {
	Put(ctx context.Context, body []byte, m rcm.EDIMeta) (e rcm.EDIFile, stored bool, err error)
}

// FileArchive is the EDI archive as the connector uses it: files are
// archived before they are sent and read back to resume a send.
type FileArchive interface {
	Archiver
	Get(ctx context.Context, hash string) ([]byte, rcm.EDIFile, error)
	Stat(ctx context.Context, hash string) (rcm.EDIFile, error)
}

// Connector moves files between claimflow and one partner's SFTP server.
// It is safe for concurrent use; Poll and resumption of sends hold the
// partner's lock in Postgres, so one connector at a time works a partner's
// folders.
type Connector struct {
	p       Partner
	cfg     *ssh.ClientConfig
	ledger  Ledger
	archive FileArchive
	router  Router
	log     *slog.Logger

	// crash, when set (tests), is called at each step boundary; a non-nil
	// error aborts the operation there, as if the process died.
	crash func(step string) error

	mu   sync.Mutex
	conn *ssh.Client
	sc   *sftp.Client
}

// Options are the Connector's dependencies.
type Options struct {
	Ledger  Ledger      // package store's *Store provides it
	Archive FileArchive // package archive's *Archive provides it
	Router  Router      // required for Poll
	Log     *slog.Logger
}

// New builds a connector; it connects lazily.
func New(p Partner, o Options) (*Connector, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, err := p.sshConfig()
	if err != nil {
		return nil, err
	}
	if o.Ledger == nil || o.Archive == nil {
		return nil, errors.New("clearinghouse: Ledger and Archive are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Connector{p: p, cfg: cfg, ledger: o.Ledger, archive: o.Archive, router: o.Router,
		log: o.Log.With("partner", p.ID)}, nil
}

// Partner returns the connector's configuration.
func (c *Connector) Partner() Partner { return c.p }

// Close drops the connection.
func (c *Connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked()
	return nil
}

func (c *Connector) dropLocked() {
	if c.sc != nil {
		_ = c.sc.Close()
	}
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.sc, c.conn = nil, nil
}

// client returns the SFTP client, dialling when needed.
func (c *Connector) client(ctx context.Context) (*sftp.Client, *ssh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sc != nil {
		return c.sc, c.conn, nil
	}
	d := net.Dialer{Timeout: time.Duration(c.p.Timeout)}
	nc, err := d.DialContext(ctx, "tcp", c.p.Addr)
	if err != nil {
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(time.Duration(c.p.Timeout)))
	sconn, chans, reqs, err := ssh.NewClientConn(nc, c.p.Addr, c.cfg)
	if err != nil {
		nc.Close()
		if msg := err.Error(); strings.Contains(msg, "host key mismatch") || strings.Contains(msg, "unable to authenticate") {
			// Retrying cannot fix a wrong server or a refused key.
			return nil, nil, permanent{err}
		}
		return nil, nil, err
	}
	conn := ssh.NewClient(sconn, chans, reqs)
	sc, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	c.conn, c.sc = conn, sc
	return sc, conn, nil
}

// errCrashed marks an abort injected by the crash hook.
var errCrashed = errors.New("clearinghouse: aborted at step boundary (test hook)")

func (c *Connector) step(name string) error {
	if c.crash != nil {
		if err := c.crash(name); err != nil {
			return fmt.Errorf("%w: %s: %w", errCrashed, name, err)
		}
	}
	return nil
}

// permanent wraps errors that retrying the same operation cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent reports that retrying cannot fix the error.
func (p permanent) Permanent() bool { return true }

// IsPermanent reports whether err (or an error it wraps) is one that
// retrying the same call cannot fix: a host key that does not match the
// pinned one, a refused client key, an inbound file over MaxFileSize or
// changed after download, a CORE error about the request. Callers that
// retry (Temporal's retry policy, around an activity) stop on these.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// do runs fn against the SFTP server once, with a per-try timeout. It does
// not retry: retries belong to the caller (a Temporal activity's retry
// policy), and each step's progress is in the ledger, so a retried call
// resumes where this one stopped. After a failure the connection is
// dropped, so the next call dials afresh.
func (c *Connector) do(ctx context.Context, what string, fn func(sc *sftp.Client) error) error {
	err := c.try(ctx, fn)
	if err == nil {
		return nil
	}
	if !IsPermanent(err) {
		c.log.Warn("sftp operation failed", "op", what, "err", err.Error())
		c.mu.Lock()
		c.dropLocked()
		c.mu.Unlock()
	}
	return fmt.Errorf("clearinghouse: %s %s: %w", c.p.ID, what, err)
}

func (c *Connector) try(ctx context.Context, fn func(sc *sftp.Client) error) error {
	tctx, cancel := context.WithTimeout(ctx, time.Duration(c.p.Timeout))
	defer cancel()
	sc, conn, err := c.client(tctx)
	if err != nil {
		return err
	}
	// Closing the connection is the only way to interrupt a blocked SFTP
	// call: do it when the try's time is up.
	stop := context.AfterFunc(tctx, func() { _ = conn.Close() })
	err = fn(sc)
	if !stop() && err != nil && tctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", tctx.Err(), err)
	}
	return err
}
