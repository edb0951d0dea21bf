package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Claim file event kinds (claim_events.kind).
const (
	EventSent837    = "837"
	EventTA1        = "TA1"
	Event999        = "999"
	Event277CA      = "277CA"
	Event835        = "835"
	EventInquiry276 = "276/277"
)

// ClaimEvent is one EDI exchange of a claim, recorded by the activity that
// sent or handled the file. It holds no PHI: control numbers, archive keys,
// codes with positions and amounts only.
type ClaimEvent struct {
	ClaimID string `json:"-"`
	Kind    string `json:"kind"` // one of the Event constants
	// Dedup names the event among the claim's events of its kind: the
	// batch ID (837), the acknowledgment's archive key (TA1, 999, 277CA),
	// remittance ID/CLP sequence (835), the inquiry's trace (276/277).
	// Recording an event a second time (a retried activity) does nothing.
	Dedup   string `json:"-"`
	Attempt int    `json:"attempt"`
	// FileKey is the archived file ("" when there is none: an event from
	// before events were recorded); ResponseKey the 277 of a 276.
	FileKey     string `json:"-"`
	ResponseKey string `json:"-"`
	// Where the claim is in the file: ST02 of the 837 set (and of the set a
	// 999 answers); the 835 transaction set index and CLP sequence.
	ST02     string    `json:"-"`
	SetIndex int       `json:"-"`
	Seq      int       `json:"-"`
	Accepted *bool     `json:"accepted,omitempty"`
	Codes    []string  `json:"codes"`
	Summary  string    `json:"summary"`
	At       time.Time `json:"at"`
}

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
