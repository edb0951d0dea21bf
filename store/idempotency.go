package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// BeginIdempotent claims (principal, key) for a request whose body hashes
// to reqHash. It returns the stored response when the same request already
// completed, ErrIdempotencyBody when the key was used for a different
// request, and ErrInProgress while the first request is still running.
func (s *Store) BeginIdempotent(ctx context.Context, a Actor, key string, reqHash []byte) (*StoredResponse, error) {
	principalID := a.UserID
	claimed, err := s.idemBatchers().claims.do(ctx, idemClaim{principalID, key, reqHash})
	if err != nil {
		return nil, err
	}
	if claimed {
		return nil, nil
	}
	r, err := pgq.New(s.Pool).GetIdempotencyKey(ctx, pgq.GetIdempotencyKeyParams{PrincipalID: principalID, Key: key})
	if errors.Is(err, pgx.ErrNoRows) { // released meanwhile: try again
		return s.BeginIdempotent(ctx, a, key, reqHash)
	}
	if err != nil {
		return nil, err
	}
	h, status, dek, body, patient, org := r.RequestHash, r.Status, r.Dek, r.Response, r.PatientID, r.OrgID
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
	return &StoredResponse{Status: int(*status), Body: []byte(plain), PatientID: patient, OrgID: org}, nil
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
	_, err = s.idemBatchers().finishes.do(ctx, idemFinish{principalID, key, r.Status, wrapped, sealed, optional(r.PatientID), optional(r.OrgID)})
	return err
}

// optional is s, or nil (SQL NULL) when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Claiming a key and storing its response are a transaction each around
// every keyed POST; concurrent ones share transactions (batcher.go), one
// multi-row statement per batch, with the booking batches' limits.
type idemQueues struct {
	once     sync.Once
	claims   batcher[idemClaim, bool]
	finishes batcher[idemFinish, struct{}]
}

type idemClaim struct {
	principal, key string
	hash           []byte
}

type idemFinish struct {
	principal, key string
	status         int
	dek, response  []byte
	patient, org   *string
}

func (s *Store) idemBatchers() *idemQueues {
	iq := &s.idem
	iq.once.Do(func() {
		iq.claims = batcher[idemClaim, bool]{
			limits: s.bookingLimits,
			fits: func(batch []*call[idemClaim, bool], c *call[idemClaim, bool]) bool {
				// One statement cannot claim a key twice: a repeat waits
				// for the next batch (and finds the key taken).
				return !slices.ContainsFunc(batch, func(o *call[idemClaim, bool]) bool {
					return o.in.principal == c.in.principal && o.in.key == c.in.key
				})
			},
			single: func(ctx context.Context, in idemClaim) (bool, error) {
				n, err := pgq.New(s.Pool).ClaimIdempotencyKey(ctx, pgq.ClaimIdempotencyKeyParams{PrincipalID: in.principal, Key: in.key, RequestHash: in.hash})
				return n == 1, err
			},
			many: func(ctx context.Context, batch []*call[idemClaim, bool]) {
				var principals, keys []string
				var hashes [][]byte
				for _, c := range batch {
					principals, keys, hashes = append(principals, c.in.principal), append(keys, c.in.key), append(hashes, c.in.hash)
				}
				claimed := map[[2]string]bool{}
				rows, err := s.Pool.Query(ctx, q("ClaimIdempotencyKeys"), principals, keys, hashes)
				if err == nil {
					for rows.Next() {
						var p, k string
						if err = rows.Scan(&p, &k); err != nil {
							break
						}
						claimed[[2]string{p, k}] = true
					}
					rows.Close()
					if err == nil {
						err = rows.Err()
					}
				}
				for _, c := range batch {
					if err != nil { // nothing was claimed: each on its own
						c.out, c.err = iq.claims.single(c.ctx, c.in)
						continue
					}
					c.out = claimed[[2]string{c.in.principal, c.in.key}]
				}
			},
		}
		iq.finishes = batcher[idemFinish, struct{}]{
			limits: s.bookingLimits,
			single: func(ctx context.Context, in idemFinish) (struct{}, error) {
				status := int32(in.status)
				err := pgq.New(s.Pool).FinishIdempotencyKey(ctx, pgq.FinishIdempotencyKeyParams{PrincipalID: in.principal, Key: in.key,
					Status: &status, Dek: in.dek, Response: in.response, PatientID: in.patient, OrgID: in.org})
				return struct{}{}, err
			},
			many: func(ctx context.Context, batch []*call[idemFinish, struct{}]) {
				n := len(batch)
				principals, keys, statuses := make([]string, n), make([]string, n), make([]int32, n)
				deks, responses := make([][]byte, n), make([][]byte, n)
				patients, orgs := make([]*string, n), make([]*string, n)
				for i, c := range batch {
					principals[i], keys[i], statuses[i] = c.in.principal, c.in.key, int32(c.in.status)
					deks[i], responses[i], patients[i], orgs[i] = c.in.dek, c.in.response, c.in.patient, c.in.org
				}
				_, err := s.Pool.Exec(ctx, q("FinishIdempotencyKeys"), principals, keys, statuses, deks, responses, patients, orgs)
				for _, c := range batch {
					if err != nil {
						_, c.err = iq.finishes.single(c.ctx, c.in)
					}
				}
			},
		}
	})
	return iq
}

// ReleaseIdempotent forgets a key whose request failed unexpectedly, so a
// retry runs again.
func (s *Store) ReleaseIdempotent(ctx context.Context, principalID, key string) error {
	return pgq.New(s.Pool).ReleaseIdempotencyKey(ctx, pgq.ReleaseIdempotencyKeyParams{PrincipalID: principalID, Key: key})
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
	for _, table := range []string{"users", "patients", "coverages", "idempotency_keys", "payload_keys"} {
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
