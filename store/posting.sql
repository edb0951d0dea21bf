-- Posting an 835's claim payments a slice at a time (store/posting.go,
-- issue 20): each statement takes the whole slice (unnest of arrays), the
-- statements queued in pgx batches, one transaction per slice. Read at run time by q(): $N parameters only.
-- Exactly once stays keyed by (remittance_id, seq), as PostClaimPayment's.

-- name: PostingRemittancePartner :one
SELECT partner FROM remittances WHERE id = $1;

-- name: PostingRemittanceByTrace :one
SELECT id::text FROM remittances WHERE partner = $1 AND payer_id = $2 AND trace_number = $3;

-- name: PostingMatchClaims :many
-- The claims with these patient control numbers (CLM01, unique) among the
-- claims sent through account $2: what comes back through an account can
-- only concern what was sent through it (as ClaimSentThrough).
SELECT c.patient_control_number, c.id::text, c.org_id::text FROM claims c
WHERE c.patient_control_number = ANY ($1::text[])
  AND EXISTS (SELECT 1 FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id
              WHERE bc.claim_id = c.id AND b.clearinghouse = $2);

-- name: PostingInsertClaimPayments :many
-- The slice's claim payments, each once (a retry's are skipped by the
-- key), and the CAS adjustments of those this call posts, in one
-- statement; it answers the positions this call posted. One statement so
-- that the read-model triggers of both tables (00170, statement level) run
-- after both inserts: each claim is recomputed once, with its payment and
-- adjustments, not once for the payments and again for the adjustments.
-- rarcs arrive as array literals (one text[] per payment); $12.. are the
-- adjustments of every payment of the slice (org_id that of its payment).
WITH posted AS (
    INSERT INTO claim_payments (remittance_id, seq, claim_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents,
                                payer_claim_number, rarcs, org_id)
    SELECT $1::uuid, x.seq, x.claim_id::uuid, x.pcn, x.status, x.charge, x.paid, x.resp, x.payer_claim, x.rarcs::text[], x.org_id::uuid
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[])
         AS x (seq, claim_id, pcn, status, charge, paid, resp, payer_claim, rarcs, org_id)
    ON CONFLICT (remittance_id, seq) DO NOTHING
    RETURNING seq, org_id
), adjusted AS (
    INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
    SELECT $1::uuid, x.seq, x.line, x.n, x.grp, x.reason, x.amount, p.org_id
    FROM unnest($12::int[], $13::int[], $14::int[], $15::text[], $16::text[], $17::bigint[]) AS x (seq, line, n, grp, reason, amount)
    JOIN posted p ON p.seq = x.seq
)
SELECT seq FROM posted;

-- name: PostingPostedBefore :many
-- The claims of the claim payments a retry or a re-delivery found posted.
SELECT seq, coalesce(claim_id::text, '') FROM claim_payments WHERE remittance_id = $1 AND seq = ANY ($2::int[]);

-- name: PostingInsertLine :exec
INSERT INTO claim_payment_lines (remittance_id, seq, line, org_id, procedure_qual, procedure, modifiers, revenue_code, units,
                                 charge_cents, paid_cents, allowed_cents, service_date, line_control, rarcs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: PostingMarkLinesRecorded :exec
UPDATE claim_payments SET lines_recorded = true WHERE remittance_id = $1 AND seq = ANY ($2::int[]);

-- name: PostingEnqueueWork :exec
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES ($1, $2, $3, $4)
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;

-- name: PostingLockClaims :exec
-- The claims whose paid totals the slice adds to, locked in ID order first:
-- two postings paying the same claims wait for each other, never deadlock.
-- (The read-model trigger of the payments' insert, 00170, has locked them
-- in the same order already.) NO KEY UPDATE, the lock the UPDATE takes: a
-- FOR UPDATE would also wait for the key-share locks that other
-- transactions' rows referencing the claim hold (their foreign keys), and
-- such a transaction waiting for this one's claims would deadlock with it.
SELECT 1 FROM claims WHERE id = ANY ($1::uuid[]) ORDER BY id FOR NO KEY UPDATE;

-- name: PostingAddClaimsPaid :exec
-- Each claim's paid total, by the sum of its newly posted payments.
UPDATE claims c SET paid_cents = c.paid_cents + x.paid, updated_at = now()
FROM (SELECT u.id::uuid AS id, sum(u.paid)::bigint AS paid FROM unnest($1::text[], $2::bigint[]) AS u (id, paid) GROUP BY u.id) x
WHERE c.id = x.id;

-- name: PostingRecordClaimEvents :exec
-- The slice's claim events (as RecordClaimEvent, each once on its claim,
-- kind and dedup; recorded again, the row holds the latest), in one
-- statement. codes arrive as array literals.
INSERT INTO claim_events (org_id, claim_id, kind, dedup, attempt, file_key, response_key, st02, set_index, seq,
                          accepted, codes, summary, at)
SELECT c.org_id, c.id, x.kind, x.dedup, x.attempt, x.file_key, x.response_key, x.st02, x.set_index, x.seq, x.accepted, x.codes::text[],
       x.summary, x.at
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::bool[],
            $11::text[], $12::text[], $13::timestamptz[])
     AS x (claim_id, kind, dedup, attempt, file_key, response_key, st02, set_index, seq, accepted, codes, summary, at)
JOIN claims c ON c.id = x.claim_id::uuid
ON CONFLICT (claim_id, kind, dedup) DO UPDATE SET
    attempt = EXCLUDED.attempt, file_key = EXCLUDED.file_key, response_key = EXCLUDED.response_key,
    st02 = EXCLUDED.st02, set_index = EXCLUDED.set_index, seq = EXCLUDED.seq, accepted = EXCLUDED.accepted,
    codes = EXCLUDED.codes, summary = EXCLUDED.summary, at = EXCLUDED.at;

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
