-- The payer directory (store/directory.go): shared reference data, the
-- payers made from it, and the claims held for enrollment.

-- name: SearchDirectory :many
-- Entries whose name or an alias contains pattern (a LIKE pattern, its
-- wildcards escaped by the caller) or with a payer ID equal to code;
-- optionally supporting one of txs, or listed at clearinghouse.
SELECT d.id, d.name, d.aliases, d.transactions, d.enrollment_required, d.source
FROM payer_directory d
WHERE (sqlc.narg(pattern)::text IS NULL
       OR d.name ILIKE sqlc.narg(pattern)::text
       OR EXISTS (SELECT 1 FROM unnest(d.aliases) AS a (alias) WHERE a.alias ILIKE sqlc.narg(pattern)::text)
       OR EXISTS (SELECT 1 FROM payer_directory_ids i WHERE i.entry_id = d.id AND i.payer_id = sqlc.narg(code)::text))
  AND (sqlc.narg(txs)::text[] IS NULL OR d.transactions && sqlc.narg(txs)::text[])
  AND (sqlc.narg(clearinghouse)::text IS NULL
       OR EXISTS (SELECT 1 FROM payer_directory_ids i WHERE i.entry_id = d.id AND i.clearinghouse = sqlc.narg(clearinghouse)::text))
ORDER BY d.name, d.id
LIMIT @row_limit;

-- name: DirectoryPayerIDs :many
SELECT entry_id, clearinghouse, payer_id FROM payer_directory_ids
WHERE entry_id = ANY(@entry_ids::text[])
ORDER BY entry_id, clearinghouse;

-- name: GetDirectoryEntry :one
SELECT id, name, aliases, transactions, enrollment_required, source FROM payer_directory WHERE id = $1;

-- name: UpsertDirectoryEntry :exec
INSERT INTO payer_directory (id, name, aliases, transactions, enrollment_required, source)
VALUES (@id, @name, @aliases::text[], @transactions::text[], @enrollment_required::text[], @source)
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, aliases = EXCLUDED.aliases, transactions = EXCLUDED.transactions,
    enrollment_required = EXCLUDED.enrollment_required, source = EXCLUDED.source, updated_at = now();

-- name: InsertDirectoryEntryIfMissing :execrows
INSERT INTO payer_directory (id, name, aliases, transactions, enrollment_required, source)
VALUES (@id, @name, @aliases::text[], @transactions::text[], @enrollment_required::text[], @source)
ON CONFLICT (id) DO NOTHING;

-- name: DeleteDirectoryPayerIDs :exec
DELETE FROM payer_directory_ids WHERE entry_id = $1;

-- name: InsertDirectoryPayerID :exec
INSERT INTO payer_directory_ids (entry_id, clearinghouse, payer_id) VALUES (@entry_id, @clearinghouse, @payer_id);

-- name: InsertDirectoryLink :exec
INSERT INTO payer_directory_links (payer_id, entry_id, transactions, enrollment_required)
VALUES (@payer_id, @entry_id, @transactions::text[], @enrollment_required::text[]);

-- name: GetDirectoryLink :one
SELECT entry_id, transactions, enrollment_required FROM payer_directory_links WHERE payer_id = $1;

-- name: RecordEnrollmentHold :execrows
-- The scrub held the claim for enrollment: recorded unless the provider's
-- claims enrollment is now approved and in effect on the date of service
-- (approved since the scrub read it: then nothing holds the claim).
INSERT INTO enrollment_holds (claim_id, org_id, provider_id, payer_id, date_of_service, reason, attempt)
SELECT c.id, c.org_id, c.provider_id, c.payer_id, e.date_of_service, @reason::text, c.attempt
FROM claims c JOIN encounters e ON e.id = c.encounter_id
WHERE c.id = @claim_id
  AND NOT EXISTS (SELECT 1 FROM payer_enrollments pe
                  WHERE pe.provider_id = c.provider_id AND pe.payer_id = c.payer_id AND pe.transaction = '837'
                    AND pe.status = 'approved' AND pe.effective_date <= e.date_of_service)
ON CONFLICT (claim_id) DO UPDATE
SET provider_id = EXCLUDED.provider_id, payer_id = EXCLUDED.payer_id, date_of_service = EXCLUDED.date_of_service,
    reason = EXCLUDED.reason, attempt = EXCLUDED.attempt, held_at = now(), released_at = NULL, released_by = NULL;

-- name: CloseEnrollmentHold :exec
-- The claim passed the scrub: nothing holds it for enrollment any more.
UPDATE enrollment_holds SET released_at = now() WHERE claim_id = $1 AND released_at IS NULL;

-- name: ReleaseEnrollmentHolds :many
-- The provider's claims enrollment with the payer was approved from
-- effective: the open holds of claims it covers are released, each by an
-- outbox intent that resubmits the claim through its workflow's staff
-- decision update (in this transaction, so the release is never lost).
WITH released AS (
    UPDATE enrollment_holds h SET released_at = now(), released_by = sqlc.narg(actor)::uuid
    WHERE h.provider_id = @provider_id AND h.payer_id = @payer_id AND h.released_at IS NULL
      AND h.date_of_service >= @effective::date
    RETURNING h.claim_id
), intents AS (
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input)
    SELECT workflow_name('ClaimWorkflowName'), workflow_name('ClaimIDPrefix') || r.claim_id, jsonb_build_object('ClaimID', r.claim_id::text),
           'update', workflow_name('UpdateClaimDecide'),
           jsonb_build_object('Action', 'resubmit', 'Note', @note::text, 'User', coalesce(sqlc.narg(actor)::text, ''))
    FROM released r
)
SELECT claim_id::text AS claim_id FROM released ORDER BY claim_id;

-- name: OpenEnrollmentHolds :many
-- The claims held for enrollment at org_id and below that the actor sees.
SELECT h.claim_id::text AS claim_id, h.provider_id::text AS provider_id, h.payer_id::text AS payer_id,
       to_char(h.date_of_service, 'YYYY-MM-DD')::text AS date_of_service, h.reason, h.held_at
FROM enrollment_holds h
JOIN orgs o ON o.id = h.org_id
JOIN orgs top ON top.id = @org_id::uuid
WHERE h.released_at IS NULL AND o.path <@ top.path
  AND h.org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
ORDER BY h.held_at, h.claim_id;

-- name: ClaimEnrollmentParties :one
-- The provider, payer and date of service of a posted claim payment's
-- claim, for the ERA's enrollment check.
SELECT c.provider_id::text AS provider_id, c.payer_id::text AS payer_id, to_char(e.date_of_service, 'YYYY-MM-DD')::text AS date_of_service
FROM claims c JOIN encounters e ON e.id = c.encounter_id
WHERE c.id = $1;

-- name: EnqueueEnrollmentWork :exec
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES (@remittance_id, @seq, 'not_enrolled_835', @detail)
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;
