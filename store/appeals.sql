-- Appeals (store/appeals.go, migration 00153): the denial read model the
-- claim workflow's status writes keep, the appeals worklist, and appeal
-- letters. Reads are scoped with visible_orgs() like the dashboard's.

-- name: UpsertClaimDenial :exec
-- The claim's latest denial as its workflow classified it; the
-- organisation is the claim's.
INSERT INTO claim_denials (claim_id, org_id, attempt, category, codes, rarcs, deadline, appealable)
SELECT c.id, c.org_id, @attempt::int, @category::text, @codes::text[], @rarcs::text[], @deadline::timestamptz, @appealable::boolean
FROM claims c WHERE c.id = @claim_id
ON CONFLICT (claim_id) DO UPDATE SET
    org_id = EXCLUDED.org_id, attempt = EXCLUDED.attempt, category = EXCLUDED.category, codes = EXCLUDED.codes,
    rarcs = EXCLUDED.rarcs, deadline = EXCLUDED.deadline, appealable = EXCLUDED.appealable, recorded_at = now();

-- name: DashAppeals :many
-- Claims the actor may read in the worklist's statuses, soonest deadline
-- first (a claim without a recorded denial first: its deadline is read
-- from its workflow). A needs_correction claim is listed when a code of
-- its denial is one to appeal. within_until keeps deadlines up to then
-- (and the unknown ones, which the API filters once known).
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
SELECT c.id::text AS id, c.org_id::text AS org_id, c.status, c.patient_control_number, c.payer_claim_number,
       c.payer_id::text AS payer_id, p.name AS payer_name, c.patient_id::text AS patient_id,
       to_char(e.date_of_service, 'YYYY-MM-DD')::text AS date_of_service, c.total_cents, c.paid_cents,
       coalesce(d.category, '')::text AS denial_category, coalesce(d.codes, '{}')::text[] AS denial_codes,
       coalesce(d.rarcs, '{}')::text[] AS denial_rarcs, d.deadline,
       (SELECT count(*) FROM claim_appeals a WHERE a.claim_id = c.id)::int AS appeals,
       fa.filed_at AS last_filed_at,
       (SELECT count(*) FROM appeal_letters l WHERE l.claim_id = c.id)::int AS letters,
       la.created_at AS last_letter_at
FROM claims c
JOIN payers p ON p.id = c.payer_id
JOIN encounters e ON e.id = c.encounter_id
LEFT JOIN claim_denials d ON d.claim_id = c.id
-- The latest filing and letter (NULL when none).
LEFT JOIN claim_appeals fa ON fa.claim_id = c.id AND fa.payer_claim_number = (
    SELECT a.payer_claim_number FROM claim_appeals a WHERE a.claim_id = c.id ORDER BY a.filed_at DESC, a.payer_claim_number DESC LIMIT 1)
LEFT JOIN appeal_letters la ON la.id = (
    SELECT l.id FROM appeal_letters l WHERE l.claim_id = c.id ORDER BY l.created_at DESC, l.id DESC LIMIT 1)
WHERE c.org_id IN (SELECT id FROM visible)
  AND c.status = ANY (@statuses::text[])
  AND (c.status <> 'needs_correction' OR d.claim_id IS NULL OR d.appealable)
  AND (sqlc.narg(payer_id)::uuid IS NULL OR c.payer_id = sqlc.narg(payer_id)::uuid)
  AND (sqlc.narg(within_until)::timestamptz IS NULL OR d.deadline IS NULL OR d.deadline <= sqlc.narg(within_until)::timestamptz)
ORDER BY d.deadline ASC NULLS FIRST, c.id
LIMIT @row_limit;

-- name: AppealLetterClaim :one
-- What an appeal letter prints besides the patient: the claim, its payer,
-- its dates of service and its recorded denial.
SELECT c.id::text AS id, c.org_id::text AS org_id, c.status, c.patient_id::text AS patient_id,
       c.coverage_id::text AS coverage_id, c.patient_control_number, c.payer_claim_number, c.total_cents,
       p.name AS payer_name, to_char(e.date_of_service, 'YYYY-MM-DD')::text AS date_of_service,
       coalesce(d.category, '')::text AS denial_category, coalesce(d.codes, '{}')::text[] AS denial_codes,
       coalesce(d.rarcs, '{}')::text[] AS denial_rarcs, d.deadline
FROM claims c
JOIN payers p ON p.id = c.payer_id
JOIN encounters e ON e.id = c.encounter_id
LEFT JOIN claim_denials d ON d.claim_id = c.id
WHERE c.id = @claim_id;

-- name: UserDisplayName :one
SELECT display_name FROM users WHERE id = @id;

-- name: InsertAppealLetter :exec
INSERT INTO appeal_letters (id, claim_id, org_id, created_by, created_at, dek, reason, pdf, pdf_bytes)
VALUES (@id, @claim_id, @org_id, sqlc.narg(created_by)::uuid, @created_at, @dek, @reason, @pdf, @pdf_bytes);

-- name: RecordAppealLetterEvent :exec
-- The letter in the claim's history (claim_events; dedup is the letter).
INSERT INTO claim_events (org_id, claim_id, kind, dedup, summary, at)
VALUES (@org_id, @claim_id, 'appeal_letter', @letter_id, @summary, @at)
ON CONFLICT (claim_id, kind, dedup) DO NOTHING;

-- name: ListAppealLetters :many
SELECT l.id::text AS id, l.claim_id::text AS claim_id, coalesce(l.created_by::text, '')::text AS created_by,
       coalesce(u.display_name, '')::text AS created_by_name, l.created_at, l.dek, l.reason, l.pdf_bytes
FROM appeal_letters l LEFT JOIN users u ON u.id = l.created_by
WHERE l.claim_id = @claim_id
ORDER BY l.created_at, l.id;

-- name: GetAppealLetter :one
SELECT l.id::text AS id, l.claim_id::text AS claim_id, l.org_id::text AS org_id, l.dek, l.pdf
FROM appeal_letters l
WHERE l.id = @id AND l.claim_id = @claim_id;
