package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrStateChanged is returned when a ledger row is no longer in the state a
// transition expects (another connector moved it).
var ErrStateChanged = errors.New("store: ledger state changed")

func scanInbound(r pgx.Row) (InboundFile, error) {
	var f InboundFile
	err := r.Scan(&f.ID, &f.Partner, &f.RemoteName, &f.Size, &f.MTime, &f.State, &f.SHA256, &f.Duplicate, &f.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, ErrNotFound
	}
	return f, err
}

// InboundSeen records a listed remote file (idempotent).
func (s *Store) InboundSeen(ctx context.Context, partner, name string, size int64, mtime time.Time) error {
	_, err := s.Pool.Exec(ctx, q("ClearinghouseInboundSeen"), partner, name, size, mtime.UTC().Truncate(time.Second))
	return err
}

// InboundOpen lists a partner's files that are not yet removed from the
// server, oldest first.
func (s *Store) InboundOpen(ctx context.Context, partner string) ([]InboundFile, error) {
	rows, err := s.Pool.Query(ctx, q("ClearinghouseInboundOpen"), partner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InboundFile
	for rows.Next() {
		f, err := scanInbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// InboundGet reads one ledger row.
func (s *Store) InboundGet(ctx context.Context, id int64) (InboundFile, error) {
	return scanInbound(s.Pool.QueryRow(ctx, q("ClearinghouseInboundGet"), id))
}

// InboundDownloaded records the content hash and returns the updated row
// (Duplicate tells whether this content was already received).
func (s *Store) InboundDownloaded(ctx context.Context, id int64, sha string) (InboundFile, error) {
	tag, err := s.Pool.Exec(ctx, q("ClearinghouseInboundDownloaded"), id, sha)
	if err != nil {
		return InboundFile{}, err
	}
	if tag.RowsAffected() == 0 {
		return InboundFile{}, ErrStateChanged
	}
	return s.InboundGet(ctx, id)
}

// InboundAdvance moves a file from state from to state to.
func (s *Store) InboundAdvance(ctx context.Context, id int64, from, to string) error {
	tag, err := s.Pool.Exec(ctx, q("ClearinghouseInboundAdvance"), id, from, to)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrStateChanged
	}
	return err
}

// InboundFailed counts a failed attempt; msg must not contain PHI.
func (s *Store) InboundFailed(ctx context.Context, id int64, msg string) error {
	_, err := s.Pool.Exec(ctx, q("ClearinghouseInboundFailed"), id, msg)
	return err
}

// InboundCounts returns how many of a partner's files are in each state;
// duplicates are counted under "<state>/duplicate".
func (s *Store) InboundCounts(ctx context.Context, partner string) (map[string]int, error) {
	rows, err := s.Pool.Query(ctx, q("ClearinghouseInboundCounts"), partner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var dup bool
		var n int
		if err := rows.Scan(&state, &dup, &n); err != nil {
			return nil, err
		}
		if dup {
			state += "/duplicate"
		}
		out[state] = n
	}
	return out, rows.Err()
}

func scanOutbound(r pgx.Row) (OutboundFile, error) {
	var f OutboundFile
	err := r.Scan(&f.ID, &f.Partner, &f.RemoteName, &f.SHA256, &f.Size, &f.State, &f.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, ErrNotFound
	}
	return f, err
}

// OutboundCreate records a file to send once it is archived. Sending the
// same content to the same partner again returns the existing row with
// created=false.
func (s *Store) OutboundCreate(ctx context.Context, partner, name, sha string, size int64) (OutboundFile, bool, error) {
	tag, err := s.Pool.Exec(ctx, q("ClearinghouseOutboundCreate"), partner, name, sha, size)
	if err != nil {
		return OutboundFile{}, false, fmt.Errorf("store: outbound file: %w", err)
	}
	f, err := scanOutbound(s.Pool.QueryRow(ctx, q("ClearinghouseOutboundBySHA"), partner, sha))
	return f, tag.RowsAffected() == 1, err
}

// OutboundOpen lists a partner's files not yet uploaded, oldest first.
func (s *Store) OutboundOpen(ctx context.Context, partner string) ([]OutboundFile, error) {
	rows, err := s.Pool.Query(ctx, q("ClearinghouseOutboundOpen"), partner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboundFile
	for rows.Next() {
		f, err := scanOutbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// OutboundAdvance moves a file from state from to state to.
func (s *Store) OutboundAdvance(ctx context.Context, id int64, from, to string) error {
	tag, err := s.Pool.Exec(ctx, q("ClearinghouseOutboundAdvance"), id, from, to)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrStateChanged
	}
	return err
}

// OutboundFailed counts a failed attempt; msg must not contain PHI.
func (s *Store) OutboundFailed(ctx context.Context, id int64, msg string) error {
	_, err := s.Pool.Exec(ctx, q("ClearinghouseOutboundFailed"), id, msg)
	return err
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
	if _, err := conn.Exec(ctx, q("ClearinghouseLock"), partner); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("store: lock partner: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(ctx, q("ClearinghouseUnlock"), partner)
		_ = conn.Close(ctx) // closing also releases the lock
	}, nil
}
