-- Posting an 835's claim payments a slice at a time (store/posting.go,
-- issue 20): each query is sent for a whole slice of claim payments, the
-- per-row statements queued in one pgx batch (one round trip), inside one
-- transaction per slice. Read at run time by q(): $N parameters only.
-- Exactly once stays keyed by (remittance_id, seq), as PostClaimPayment's.

-- name: PostingMatchClaims :many
-- The claims with these patient control numbers (CLM01, unique) among the
-- claims sent through account $2: what comes back through an account can
-- only concern what was sent through it (as ClaimSentThrough).
SELECT c.patient_control_number, c.id::text, c.org_id::text FROM claims c
WHERE c.patient_control_number = ANY ($1::text[])
  AND EXISTS (SELECT 1 FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id
              WHERE bc.claim_id = c.id AND b.clearinghouse = $2);

-- name: PostingInsertClaimPayment :execrows
INSERT INTO claim_payments (remittance_id, seq, claim_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents,
                            payer_claim_number, rarcs, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (remittance_id, seq) DO NOTHING;

-- name: PostingPostedBefore :many
-- The claims of the claim payments a retry or a re-delivery found posted.
SELECT seq, coalesce(claim_id::text, '') FROM claim_payments WHERE remittance_id = $1 AND seq = ANY ($2::int[]);

-- name: PostingInsertLine :exec
INSERT INTO claim_payment_lines (remittance_id, seq, line, org_id, procedure_qual, procedure, modifiers, revenue_code, units,
                                 charge_cents, paid_cents, allowed_cents, service_date, line_control, rarcs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: PostingMarkLinesRecorded :exec
UPDATE claim_payments SET lines_recorded = true WHERE remittance_id = $1 AND seq = ANY ($2::int[]);

-- name: PostingInsertAdjustment :exec
INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: PostingEnqueueWork :exec
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES ($1, $2, $3, $4)
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;

-- name: PostingAddClaimPaid :exec
UPDATE claims SET paid_cents = paid_cents + $2, updated_at = now() WHERE id = $1;

-- name: PostingEnrollmentParties :many
-- The provider and payer of each posted claim payment's claim, for the
-- ERA's enrollment check (as ClaimEnrollmentParties).
SELECT c.id::text, c.provider_id::text, c.payer_id::text FROM claims c WHERE c.id = ANY ($1::uuid[]);

-- name: PostingRemittancePayments :many
-- The matched claim payments of a remittance after seq $2, in order, with
-- their adjustments (claim and service lines, in posting order): what the
-- remittance workflow tells each claim, a page at a time.
SELECT cp.seq, cp.claim_id::text, cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number,
       cp.rarcs,
       coalesce((SELECT array_agg(a.group_code ORDER BY a.n, a.line) FROM claim_adjustments a
                 WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq), '{}')::text[],
       coalesce((SELECT array_agg(a.reason ORDER BY a.n, a.line) FROM claim_adjustments a
                 WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq), '{}')::text[],
       coalesce((SELECT array_agg(a.amount_cents ORDER BY a.n, a.line) FROM claim_adjustments a
                 WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq), '{}')::bigint[]
FROM claim_payments cp
WHERE cp.remittance_id = $1 AND cp.seq > $2 AND cp.claim_id IS NOT NULL
ORDER BY cp.seq
LIMIT $3;
