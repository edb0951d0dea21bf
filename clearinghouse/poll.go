package clearinghouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/pkg/sftp"

	"github.com/claimflow/claimflow/rcm"
)

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
