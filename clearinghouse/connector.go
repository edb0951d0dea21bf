package clearinghouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path"
	"sort"
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
	stop := context.AfterFunc(tctx, func() { conn.Close() })
	err = fn(sc)
	if !stop() && err != nil && tctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", tctx.Err(), err)
	}
	return err
}

// Sent describes an outbound file.
type Sent struct {
	Hash       string // archive key
	RemoteName string
	// Already is true when this content had been sent to the partner
	// before; nothing was uploaded again.
	Already bool
}

// Send archives body, then uploads it to the partner's outbound folder
// under a temporary name and renames it, so the partner never picks up a
// partial file. Sending the same content again is a no-op. When Send fails
// (or the process dies) after archiving, a later Send of the same content
// or ResumeSends finishes the upload without sending it twice.
func (c *Connector) Send(ctx context.Context, body []byte) (Sent, error) {
	e, _, err := c.archive.Put(ctx, body, rcm.EDIMeta{Direction: rcm.Outbound, Partner: c.p.ID, Received: time.Now()})
	if err != nil {
		return Sent{}, err
	}
	if err := c.step("send:archived"); err != nil {
		return Sent{}, err
	}
	isa13 := ""
	if len(e.ISA13) > 0 {
		isa13 = e.ISA13[0]
	}
	row, created, err := c.ledger.OutboundCreate(ctx, c.p.ID, c.p.remoteName(e.Hash, isa13, e.Received), e.Hash, e.Size)
	if err != nil {
		return Sent{}, err
	}
	s := Sent{Hash: row.SHA256, RemoteName: row.RemoteName, Already: !created && row.State == rcm.OutboundUploaded}
	if err := c.step("send:recorded"); err != nil {
		return s, err
	}
	unlock, err := c.ledger.LockPartner(ctx, c.p.ID)
	if err != nil {
		return s, err
	}
	defer unlock()
	return s, c.upload(ctx, row, body)
}

// SendArchived sends a file already in the archive, by its hash (workflows
// pass archive keys, not EDI bytes).
func (c *Connector) SendArchived(ctx context.Context, hash string) (Sent, error) {
	body, _, err := c.archive.Get(ctx, hash)
	if err != nil {
		return Sent{}, err
	}
	return c.Send(ctx, body)
}

// ResumeSends finishes every upload a crash interrupted, reading the bytes
// back from the archive. It returns how many files it completed.
func (c *Connector) ResumeSends(ctx context.Context) (int, error) {
	unlock, err := c.ledger.LockPartner(ctx, c.p.ID)
	if err != nil {
		return 0, err
	}
	defer unlock()
	rows, err := c.ledger.OutboundOpen(ctx, c.p.ID)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, row := range rows {
		body, _, err := c.archive.Get(ctx, row.SHA256)
		if err != nil {
			return done, err
		}
		if err := c.upload(ctx, row, body); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// upload moves one outbound row to uploaded from whatever state it is in.
// The caller holds the partner lock.
func (c *Connector) upload(ctx context.Context, row rcm.OutboundFile, body []byte) error {
	// Re-read: another connector may have moved it before we got the lock.
	final := path.Join(c.p.OutboundDir, row.RemoteName)
	tmp := final + c.p.TempSuffix
	state := row.State
	for {
		var err error
		switch state {
		case rcm.OutboundUploaded:
			return nil
		case rcm.OutboundArchived:
			err = c.ledger.OutboundAdvance(ctx, row.ID, state, rcm.OutboundUploading)
			state = rcm.OutboundUploading
		case rcm.OutboundUploading:
			err = c.do(ctx, "upload", func(sc *sftp.Client) error {
				f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
				if err != nil {
					return err
				}
				if _, err := f.Write(body); err != nil {
					f.Close()
					return err
				}
				return f.Close()
			})
			if err == nil {
				err = c.step("send:written")
			}
			if err == nil {
				err = c.ledger.OutboundAdvance(ctx, row.ID, state, rcm.OutboundRenaming)
				state = rcm.OutboundRenaming
			}
		case rcm.OutboundRenaming:
			err = c.do(ctx, "rename", func(sc *sftp.Client) error {
				if _, err := sc.Stat(tmp); errors.Is(err, os.ErrNotExist) {
					// The rename happened before a crash or a dropped
					// reply; the partner may already have taken the file.
					return nil
				} else if err != nil {
					return err
				}
				if fi, err := sc.Stat(final); err == nil && fi.Size() == int64(len(body)) {
					return sc.Remove(tmp)
				}
				return sc.Rename(tmp, final)
			})
			if err == nil {
				err = c.step("send:renamed")
			}
			if err == nil {
				err = c.ledger.OutboundAdvance(ctx, row.ID, state, rcm.OutboundUploaded)
				state = rcm.OutboundUploaded
				c.log.Info("uploaded", "file", row.RemoteName, "hash", row.SHA256)
			}
		default:
			return fmt.Errorf("clearinghouse: outbound file %d in unknown state %q", row.ID, state)
		}
		if err != nil {
			if !errors.Is(err, errCrashed) && ctx.Err() == nil {
				_ = c.ledger.OutboundFailed(context.WithoutCancel(ctx), row.ID, err.Error())
			}
			return err
		}
	}
}

// PollResult counts what one Poll did.
type PollResult struct {
	Listed     int // files seen in the inbound folder
	Archived   int // files archived (new content)
	Duplicates int // files whose content was already received
	Routed     int // files handed to the Router
	Removed    int // files removed (or moved to DoneDir) on the server
	Failed     int // files that failed this time and will be retried
}

// PollProgress is how far a Poll got, for a retried Poll to resume from
// (a Temporal activity heartbeats it). It holds counts only, never file
// content or names.
type PollProgress struct {
	// Listed is true once the inbound folder was listed and every file in
	// it recorded in the ledger: a resumed Poll does not list again, it
	// works the ledger's open files.
	Listed bool
	// Result counts what was done so far. Failed counts the current
	// attempt's failures only: a resumed Poll tries those files again.
	Result PollResult
}

// Poll lists the inbound folder, then takes every known file one step at a
// time to the end: download, archive, route, remove. Each step is recorded
// in the ledger before the next, so a Poll after a crash resumes each file
// where it stopped. Files that fail are retried by the next Poll; the first
// error is returned after all files were tried (the first retryable one,
// when there is one).
func (c *Connector) Poll(ctx context.Context) (PollResult, error) {
	return c.PollFrom(ctx, PollProgress{}, nil)
}

// PollFrom is Poll resumed from a previous attempt's progress (the zero
// PollProgress starts afresh); report, when not nil, is called with the
// progress after the listing and after each file's step, so the caller can
// heartbeat it. The result adds this attempt's work to from's counts.
func (c *Connector) PollFrom(ctx context.Context, from PollProgress, report func(PollProgress)) (PollResult, error) {
	res := from.Result
	res.Failed = 0
	if report == nil {
		report = func(PollProgress) {}
	}
	if c.router == nil {
		return res, errors.New("clearinghouse: Poll needs a Router")
	}
	unlock, err := c.ledger.LockPartner(ctx, c.p.ID)
	if err != nil {
		return res, err
	}
	defer unlock()
	if !from.Listed {
		if err := c.list(ctx, &res); err != nil {
			return res, err
		}
		report(PollProgress{Listed: true, Result: res})
	}
	rows, err := c.ledger.InboundOpen(ctx, c.p.ID)
	if err != nil {
		return res, err
	}
	var first error
	for _, row := range rows {
		err := c.process(ctx, row, &res, func() { report(PollProgress{Listed: true, Result: res}) })
		if err != nil {
			if errors.Is(err, errCrashed) || ctx.Err() != nil {
				return res, err
			}
			res.Failed++
			c.log.Warn("inbound file failed", "file", row.RemoteName, "state", row.State, "err", err.Error())
			_ = c.ledger.InboundFailed(ctx, row.ID, err.Error())
			// Return a failure a retry can fix before one it cannot, so
			// one bad file does not stop the caller retrying the others.
			if first == nil || IsPermanent(first) && !IsPermanent(err) {
				first = err
			}
			report(PollProgress{Listed: true, Result: res})
		}
	}
	return res, first
}

// list records every file of the inbound folder in the ledger.
func (c *Connector) list(ctx context.Context, res *PollResult) error {
	var entries []os.FileInfo
	err := c.do(ctx, "list", func(sc *sftp.Client) error {
		var err error
		entries, err = sc.ReadDir(c.p.InboundDir)
		return err
	})
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool {
		if !entries[i].ModTime().Equal(entries[j].ModTime()) {
			return entries[i].ModTime().Before(entries[j].ModTime())
		}
		return entries[i].Name() < entries[j].Name()
	})
	for _, fi := range entries {
		name := fi.Name()
		if !fi.Mode().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, c.p.TempSuffix) {
			continue
		}
		res.Listed++
		if err := c.ledger.InboundSeen(ctx, c.p.ID, name, fi.Size(), fi.ModTime()); err != nil {
			return err
		}
	}
	return c.step("poll:listed")
}

// process takes one inbound file from its recorded state to removed,
// calling stepped after each step the ledger recorded.
func (c *Connector) process(ctx context.Context, row rcm.InboundFile, res *PollResult, stepped func()) error {
	remote := path.Join(c.p.InboundDir, row.RemoteName)
	for {
		var err error
		switch row.State {
		case rcm.InboundRemoved:
			return nil
		case rcm.InboundListed, rcm.InboundDownloaded:
			var body []byte
			err = c.do(ctx, "download", func(sc *sftp.Client) error {
				f, err := sc.Open(remote)
				if errors.Is(err, os.ErrNotExist) {
					return permanent{errVanished}
				}
				if err != nil {
					return err
				}
				defer f.Close()
				body, err = io.ReadAll(io.LimitReader(f, c.p.MaxFileSize+1))
				if err == nil && int64(len(body)) > c.p.MaxFileSize {
					return permanent{fmt.Errorf("file larger than %d bytes", c.p.MaxFileSize)}
				}
				return err
			})
			if errors.Is(err, errVanished) {
				// Nothing to process and nothing left on the server. Keep
				// the row (with its error) for the record.
				_ = c.ledger.InboundFailed(ctx, row.ID, "vanished from the server before download")
				err = c.ledger.InboundAdvance(ctx, row.ID, row.State, rcm.InboundRemoved)
				row.State = rcm.InboundRemoved
				break
			}
			if err != nil {
				return err
			}
			hash := rcm.EDIHash(body)
			if row.State == rcm.InboundDownloaded && hash != row.SHA256 {
				return permanent{fmt.Errorf("clearinghouse: %s changed on the server after download", row.RemoteName)}
			}
			if row.State == rcm.InboundListed {
				if row, err = c.ledger.InboundDownloaded(ctx, row.ID, hash); err != nil {
					return err
				}
				if err := c.step("poll:downloaded"); err != nil {
					return err
				}
			}
			// err is the loop's: a := here would shadow it, and the ledger
			// advance below would be lost (staticcheck SA4006).
			var stored bool
			_, stored, err = c.archive.Put(ctx, body, rcm.EDIMeta{Direction: rcm.Inbound, Partner: c.p.ID, Received: time.Now()})
			if err != nil {
				return err
			}
			if stored {
				res.Archived++
			}
			if err := c.step("poll:archived"); err != nil {
				return err
			}
			err = c.ledger.InboundAdvance(ctx, row.ID, row.State, rcm.InboundArchived)
			row.State = rcm.InboundArchived
		case rcm.InboundArchived:
			if row.Duplicate {
				res.Duplicates++
				if err = c.remove(ctx, row, remote); err == nil {
					res.Removed++
					err = c.ledger.InboundAdvance(ctx, row.ID, row.State, rcm.InboundRemoved)
					row.State = rcm.InboundRemoved
				}
				break
			}
			e, err2 := c.archive.Stat(ctx, row.SHA256)
			if err2 != nil {
				return err2
			}
			if err = c.router.Route(ctx, ArchivedFile{
				Partner: c.p.ID, RemoteName: row.RemoteName, Hash: row.SHA256, Size: row.Size, Received: e.Received,
				Sets: e.Sets, ISA13: e.ISA13, GS06: e.GS06, ST02: e.ST02,
			}); err != nil {
				return fmt.Errorf("clearinghouse: route %s: %w", row.SHA256, err)
			}
			res.Routed++
			if err := c.step("poll:routed"); err != nil {
				return err
			}
			err = c.ledger.InboundAdvance(ctx, row.ID, row.State, rcm.InboundRouted)
			row.State = rcm.InboundRouted
		case rcm.InboundRouted:
			if err = c.remove(ctx, row, remote); err == nil {
				res.Removed++
				if err := c.step("poll:removed"); err != nil {
					return err
				}
				err = c.ledger.InboundAdvance(ctx, row.ID, row.State, rcm.InboundRemoved)
				row.State = rcm.InboundRemoved
			}
		default:
			return fmt.Errorf("clearinghouse: inbound file %d in unknown state %q", row.ID, row.State)
		}
		if err != nil {
			return err
		}
		stepped()
	}
}

// remove deletes a processed file from the server, or moves it to DoneDir.
// A file already gone counts as removed; a different file that now carries
// the same name (other size or time) is left alone.
func (c *Connector) remove(ctx context.Context, row rcm.InboundFile, remote string) error {
	return c.do(ctx, "remove", func(sc *sftp.Client) error {
		fi, err := sc.Stat(remote)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Size() != row.Size || !fi.ModTime().Truncate(time.Second).Equal(row.MTime.Truncate(time.Second)) {
			return nil
		}
		if c.p.DoneDir == "" {
			err = sc.Remove(remote)
		} else {
			err = sc.Rename(remote, path.Join(c.p.DoneDir, fmt.Sprintf("%s.%d", row.RemoteName, row.ID)))
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	})
}
