-- Claim file events (store/claimevents.go, migration 00142). Recording is
-- idempotent on (claim_id, kind, dedup); reads are scoped with
-- visible_orgs() like the dashboard's queries.

-- name: RecordClaimEvent :exec
-- The organisation is the claim's; an unknown claim records nothing. The
-- same event recorded again (a retried activity) stays one row holding
-- what the latest attempt saw (a 276 first unanswered, then answered).
INSERT INTO claim_events (org_id, claim_id, kind, dedup, attempt, file_key, response_key, st02, set_index, seq,
                          accepted, codes, summary, at)
SELECT c.org_id, c.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
FROM claims c WHERE c.id = $1
ON CONFLICT (claim_id, kind, dedup) DO UPDATE SET
    attempt = EXCLUDED.attempt, file_key = EXCLUDED.file_key, response_key = EXCLUDED.response_key,
    st02 = EXCLUDED.st02, set_index = EXCLUDED.set_index, seq = EXCLUDED.seq, accepted = EXCLUDED.accepted,
    codes = EXCLUDED.codes, summary = EXCLUDED.summary, at = EXCLUDED.at;

-- name: RecordBatchSent :exec
-- One 837 event per claim of an uploaded batch.
INSERT INTO claim_events (org_id, claim_id, kind, dedup, attempt, file_key, st02, summary, at)
SELECT c.org_id, bc.claim_id, '837', b.id, bc.attempt, b.file_key, bc.st02,
       'batch ' || b.id || ', ISA13 ' || b.isa13 || ', ST02 ' || bc.st02 || ', attempt ' || bc.attempt,
       coalesce(b.uploaded_at, now())
FROM claim_batches b
JOIN batch_claims bc ON bc.batch_id = b.id
JOIN claims c ON c.id = bc.claim_id
WHERE b.id = $1
ON CONFLICT (claim_id, kind, dedup) DO NOTHING;

-- name: ClaimEvents :many
-- A claim's events, oldest first, when the actor ($2) sees its
-- organisation with claim:read ($3); $4 true for the system actor.
SELECT e.kind, e.dedup, e.attempt, e.file_key, e.response_key, e.st02, e.set_index, e.seq,
       e.accepted, e.codes, e.summary, e.at
FROM claim_events e
WHERE e.claim_id = $1
  AND ($4::boolean OR e.org_id IN (SELECT id FROM visible_orgs($2, $3)))
ORDER BY e.at, e.id;
