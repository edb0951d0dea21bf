package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// RecordClaimEvent records e once: a second call with the same claim, kind
// and Dedup (a retried activity) adds no event and leaves the one event
// holding the latest call's details (a status inquiry first unanswered,
// then answered). The event takes its claim's organisation; a claim that
// does not exist records nothing.
func (s *Store) RecordClaimEvent(ctx context.Context, e ClaimEvent) error {
	if !validID(e.ClaimID) {
		return ErrNotFound
	}
	codes := e.Codes
	if codes == nil {
		codes = []string{}
	}
	at := e.At
	if at.IsZero() {
		at = s.now()
	}
	_, err := s.Pool.Exec(ctx, q("RecordClaimEvent"), e.ClaimID, e.Kind, e.Dedup, e.Attempt, e.FileKey, e.ResponseKey,
		e.ST02, e.SetIndex, e.Seq, e.Accepted, codes, e.Summary, at)
	return err
}

// RecordBatchSent records the 837 event of every claim in an uploaded
// batch (once per claim and batch).
func (s *Store) RecordBatchSent(ctx context.Context, batchID string) error {
	_, err := s.Pool.Exec(ctx, q("RecordBatchSent"), batchID)
	return err
}

// ClaimEvents lists the claim's events, oldest first, as the actor sees
// them: none when the claim's organisation is outside the actor's
// claim:read scope.
func (s *Store) ClaimEvents(ctx context.Context, a Actor, claimID string) ([]ClaimEvent, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	rows, err := s.Pool.Query(ctx, q("ClaimEvents"), claimID, nullable(a.UserID), PermClaimRead, a == System)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClaimEvent, error) {
		e := ClaimEvent{ClaimID: claimID}
		return e, r.Scan(&e.Kind, &e.Dedup, &e.Attempt, &e.FileKey, &e.ResponseKey, &e.ST02, &e.SetIndex, &e.Seq,
			&e.Accepted, &e.Codes, &e.Summary, &e.At)
	})
	if out == nil {
		out = []ClaimEvent{}
	}
	return out, err
}
