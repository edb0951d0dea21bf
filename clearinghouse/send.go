package clearinghouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"github.com/pkg/sftp"

	"github.com/claimflow/claimflow/rcm"
)

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
