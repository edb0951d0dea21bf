package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// StoredResponse is the response replayed for a repeated idempotency key.
// PatientID and OrgID name whose record it discloses (when it does), so a
// replay is audited like the original read.
type StoredResponse struct {
	Status    int
	Body      []byte
	PatientID string
	OrgID     string
}

// BeginIdempotent claims (principal, key) for a request whose body hashes
// to reqHash. It returns the stored response when the same request already
// completed, ErrIdempotencyBody when the key was used for a different
// request, and ErrInProgress while the first request is still running.
func (s *Store) BeginIdempotent(ctx context.Context, a Actor, key string, reqHash []byte) (*StoredResponse, error) {
	principalID := a.UserID
	tag, err := s.Pool.Exec(ctx, q("ClaimIdempotencyKey"), principalID, key, reqHash)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var h, dek, body []byte
	var status *int
	var patient, org string
	if err := s.Pool.QueryRow(ctx, q("GetIdempotencyKey"), principalID, key).Scan(&h, &status, &dek, &body, &patient, &org); err != nil {
		if errors.Is(err, pgx.ErrNoRows) { // released meanwhile: try again
			return s.BeginIdempotent(ctx, a, key, reqHash)
		}
		return nil, err
	}
	if !bytes.Equal(h, reqHash) {
		return nil, ErrIdempotencyBody
	}
	if status == nil {
		return nil, ErrInProgress
	}
	dk, err := s.keys.DataKey(ctx, dek)
	if err != nil {
		return nil, err
	}
	plain, err := sealer{dk, "idempotency_keys", principalID + "/" + key}.open("response", body)
	if err != nil {
		return nil, err
	}
	if patient != "" {
		err := s.tx(ctx, func(tx pgx.Tx) error {
			return s.audit(ctx, tx, a, AuditEntry{OrgID: org, PatientID: patient, Action: ActionRead, Resource: "idempotent_replay", ResourceID: key})
		})
		if err != nil {
			return nil, err
		}
	}
	return &StoredResponse{Status: *status, Body: []byte(plain), PatientID: patient, OrgID: org}, nil
}

// FinishIdempotent stores the response (sealed: it may carry PHI).
func (s *Store) FinishIdempotent(ctx context.Context, principalID, key string, r StoredResponse) error {
	dk, wrapped, err := s.keys.NewDataKey(ctx)
	if err != nil {
		return err
	}
	sealed := sealer{dk, "idempotency_keys", principalID + "/" + key}.seal("response", string(r.Body))
	if sealed == nil {
		sealed = []byte{}
	}
	_, err = s.Pool.Exec(ctx, q("FinishIdempotencyKey"), principalID, key, r.Status, wrapped, sealed, nullable(r.PatientID), nullable(r.OrgID))
	return err
}

// ReleaseIdempotent forgets a key whose request failed unexpectedly, so a
// retry runs again.
func (s *Store) ReleaseIdempotent(ctx context.Context, principalID, key string) error {
	_, err := s.Pool.Exec(ctx, q("ReleaseIdempotencyKey"), principalID, key)
	return err
}

// RotationReport counts the data keys RotateKeys re-wrapped per table.
type RotationReport map[string]int

// RotateKeys re-wraps every row's data key under the current key-encryption
// key, batch rows per transaction, so it runs online beside normal traffic.
// Rows whose key is already current are left alone.
func (s *Store) RotateKeys(ctx context.Context, batch int) (RotationReport, error) {
	if batch <= 0 {
		batch = 500
	}
	rep := RotationReport{}
	for _, table := range []string{"users", "patients", "coverages", "idempotency_keys"} {
		after := ""
		for {
			var n, last int
			var lastKey string
			err := s.tx(ctx, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, q("RotateSelect_"+table), after, batch)
				if err != nil {
					return err
				}
				type row struct {
					key string
					dek []byte
				}
				rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
					var x row
					return x, r.Scan(&x.key, &x.dek)
				})
				if err != nil {
					return err
				}
				last = len(rs)
				b := &pgx.Batch{}
				for _, x := range rs {
					lastKey = x.key
					w, changed, err := s.keys.Rewrap(ctx, x.dek)
					if err != nil {
						return fmt.Errorf("store: rewrap %s %s: %w", table, x.key, err)
					}
					if changed {
						b.Queue(q("RotateUpdate_"+table), x.key, w)
						n++
					}
				}
				if b.Len() == 0 {
					return nil
				}
				return tx.SendBatch(ctx, b).Close()
			})
			if err != nil {
				return rep, err
			}
			rep[table] += n
			if last < batch {
				break
			}
			after = lastKey
		}
	}
	return rep, nil
}
