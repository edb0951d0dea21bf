package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// ErrStateChanged is returned when a ledger row is no longer in the state a
// transition expects (another connector moved it).
var ErrStateChanged = errors.New("store: ledger state changed")

func inboundFile(r pgq.ClearinghouseInboundGetRow) InboundFile {
	return InboundFile{ID: r.ID, Partner: r.Partner, RemoteName: r.RemoteName, Size: r.Size, MTime: r.Mtime,
		State: r.State, SHA256: r.Sha256, Duplicate: r.Duplicate, Attempts: int(r.Attempts)}
}

// InboundSeen records a listed remote file (idempotent).
func (s *Store) InboundSeen(ctx context.Context, partner, name string, size int64, mtime time.Time) error {
	return pgq.New(s.Pool).ClearinghouseInboundSeen(ctx, pgq.ClearinghouseInboundSeenParams{Partner: partner, RemoteName: name, Size: size, Mtime: mtime.UTC().Truncate(time.Second)})
}

// InboundOpen lists a partner's files that are not yet removed from the
// server, oldest first.
func (s *Store) InboundOpen(ctx context.Context, partner string) ([]InboundFile, error) {
	rows, err := pgq.New(s.Pool).ClearinghouseInboundOpen(ctx, partner)
	if err != nil {
		return nil, err
	}
	var out []InboundFile
	for _, r := range rows {
		out = append(out, inboundFile(pgq.ClearinghouseInboundGetRow(r)))
	}
	return out, nil
}

// InboundGet reads one ledger row.
func (s *Store) InboundGet(ctx context.Context, id int64) (InboundFile, error) {
	r, err := pgq.New(s.Pool).ClearinghouseInboundGet(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return InboundFile{}, ErrNotFound
	}
	if err != nil {
		return InboundFile{}, err
	}
	return inboundFile(r), nil
}

// InboundDownloaded records the content hash and returns the updated row
// (Duplicate tells whether this content was already received).
func (s *Store) InboundDownloaded(ctx context.Context, id int64, sha string) (InboundFile, error) {
	n, err := pgq.New(s.Pool).ClearinghouseInboundDownloaded(ctx, pgq.ClearinghouseInboundDownloadedParams{ID: id, Sha256: sha})
	if err != nil {
		return InboundFile{}, err
	}
	if n == 0 {
		return InboundFile{}, ErrStateChanged
	}
	return s.InboundGet(ctx, id)
}

// InboundAdvance moves a file from state from to state to.
func (s *Store) InboundAdvance(ctx context.Context, id int64, from, to string) error {
	n, err := pgq.New(s.Pool).ClearinghouseInboundAdvance(ctx, pgq.ClearinghouseInboundAdvanceParams{ID: id, FromState: from, ToState: to})
	if err == nil && n == 0 {
		err = ErrStateChanged
	}
	return err
}

// InboundFailed counts a failed attempt; msg must not contain PHI.
func (s *Store) InboundFailed(ctx context.Context, id int64, msg string) error {
	return pgq.New(s.Pool).ClearinghouseInboundFailed(ctx, pgq.ClearinghouseInboundFailedParams{ID: id, LastError: msg})
}

// InboundCounts returns how many of a partner's files are in each state;
// duplicates are counted under "<state>/duplicate".
func (s *Store) InboundCounts(ctx context.Context, partner string) (map[string]int, error) {
	rows, err := pgq.New(s.Pool).ClearinghouseInboundCounts(ctx, partner)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		state := r.State
		if r.Duplicate {
			state += "/duplicate"
		}
		out[state] = int(r.Count)
	}
	return out, nil
}

func outboundFile(r pgq.ClearinghouseOutboundBySHARow) OutboundFile {
	return OutboundFile{ID: r.ID, Partner: r.Partner, RemoteName: r.RemoteName, SHA256: r.Sha256, Size: r.Size,
		State: r.State, Attempts: int(r.Attempts)}
}

// OutboundCreate records a file to send once it is archived. Sending the
// same content to the same partner again returns the existing row with
// created=false.
func (s *Store) OutboundCreate(ctx context.Context, partner, name, sha string, size int64) (OutboundFile, bool, error) {
	db := pgq.New(s.Pool)
	n, err := db.ClearinghouseOutboundCreate(ctx, pgq.ClearinghouseOutboundCreateParams{Partner: partner, RemoteName: name, Sha256: sha, Size: size})
	if err != nil {
		return OutboundFile{}, false, fmt.Errorf("store: outbound file: %w", err)
	}
	r, err := db.ClearinghouseOutboundBySHA(ctx, pgq.ClearinghouseOutboundBySHAParams{Partner: partner, Sha256: sha})
	if errors.Is(err, pgx.ErrNoRows) {
		return OutboundFile{}, false, ErrNotFound
	}
	if err != nil {
		return OutboundFile{}, false, err
	}
	return outboundFile(r), n == 1, nil
}

// OutboundOpen lists a partner's files not yet uploaded, oldest first.
func (s *Store) OutboundOpen(ctx context.Context, partner string) ([]OutboundFile, error) {
	rows, err := pgq.New(s.Pool).ClearinghouseOutboundOpen(ctx, partner)
	if err != nil {
		return nil, err
	}
	var out []OutboundFile
	for _, r := range rows {
		out = append(out, outboundFile(pgq.ClearinghouseOutboundBySHARow(r)))
	}
	return out, nil
}

// OutboundAdvance moves a file from state from to state to.
func (s *Store) OutboundAdvance(ctx context.Context, id int64, from, to string) error {
	n, err := pgq.New(s.Pool).ClearinghouseOutboundAdvance(ctx, pgq.ClearinghouseOutboundAdvanceParams{ID: id, FromState: from, ToState: to})
	if err == nil && n == 0 {
		err = ErrStateChanged
	}
	return err
}

// OutboundFailed counts a failed attempt; msg must not contain PHI.
func (s *Store) OutboundFailed(ctx context.Context, id int64, msg string) error {
	return pgq.New(s.Pool).ClearinghouseOutboundFailed(ctx, pgq.ClearinghouseOutboundFailedParams{ID: id, LastError: msg})
}

// LockPartner takes the partner's session lock so that one connector at a
// time works its folders; unlock releases it. The lock lives on its own
// connection outside the pool, so lock holders and waiters never starve the
// pool the ledger queries need; a process that dies releases it with that
// connection.
func (s *Store) LockPartner(ctx context.Context, partner string) (unlock func(), err error) {
	conn, err := pgx.ConnectConfig(ctx, s.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("store: lock partner: %w", err)
	}
	if err := pgq.New(conn).ClearinghouseLock(ctx, partner); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("store: lock partner: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = pgq.New(conn).ClearinghouseUnlock(ctx, partner)
		_ = conn.Close(ctx) // closing also releases the lock
	}, nil
}
