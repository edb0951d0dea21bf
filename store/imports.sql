-- Practice import (issue 21), read at run time through q() until sqlc is
-- run over this file.

-- name: InsertImportRun :one
INSERT INTO import_runs (id, org_id, created_by, source, source_name, dry_run, dek)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING stage, created_at, updated_at;

-- name: GetImportRun :one
-- An import is visible to users who may write patients at its organisation
-- (or above); $2 NULL is the system actor.
SELECT id::text, org_id::text, coalesce(created_by::text, ''), source, source_name, dry_run, stage, total, valid, invalid,
       imported, unchanged, failed, error, created_at, updated_at, dek,
       coalesce((SELECT u.display_name FROM users u WHERE u.id = import_runs.created_by), ''),
       updated, flagged, coalesce(sync_id::text, '')
FROM import_runs
WHERE id = $1 AND ($2::uuid IS NULL OR org_visible($2::uuid, 'patient:write', org_id));

-- name: ListImportRuns :many
SELECT id::text, org_id::text, coalesce(created_by::text, ''), source, source_name, dry_run, stage, total, valid, invalid,
       imported, unchanged, failed, error, created_at, updated_at, dek,
       coalesce((SELECT u.display_name FROM users u WHERE u.id = import_runs.created_by), ''),
       updated, flagged, coalesce(sync_id::text, '')
FROM import_runs
WHERE org_id IN (SELECT v.id FROM visible_orgs($1::uuid, 'patient:write') AS v (id))
ORDER BY created_at DESC, id DESC LIMIT $2;

-- name: SetImportRunStage :exec
UPDATE import_runs SET stage = $2, error = $3, updated_at = now() WHERE id = $1;

-- name: RecountImportRun :exec
-- The counts are derived from the items (their one writer), so a resumed
-- step never counts a record twice.
UPDATE import_runs r SET
    total = c.total, valid = c.valid, invalid = c.invalid, imported = c.imported,
    unchanged = c.unchanged, failed = c.failed, updated = c.updated, flagged = c.flagged, updated_at = now()
FROM (SELECT count(*)::int AS total,
             count(*) FILTER (WHERE status IN ('valid', 'imported', 'unchanged', 'failed', 'reference', 'updated', 'flagged'))::int AS valid,
             count(*) FILTER (WHERE status = 'invalid')::int AS invalid,
             count(*) FILTER (WHERE status IN ('imported', 'reference') AND $2::boolean)::int AS imported,
             count(*) FILTER (WHERE status = 'unchanged')::int AS unchanged,
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             count(*) FILTER (WHERE status = 'updated')::int AS updated,
             count(*) FILTER (WHERE status = 'flagged')::int AS flagged
      FROM import_items WHERE run_id = $1) c
WHERE r.id = $1;

-- name: InsertImportItem :exec
INSERT INTO import_items (run_id, seq, resource_type, source_id, body) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, seq) DO NOTHING;

-- name: MaxImportSeq :one
SELECT coalesce(max(seq), 0)::int FROM import_items WHERE run_id = $1;

-- name: ListImportItems :many
-- One page of a run's items of one resource type ('' for all) with one
-- status ('' for all), in source order.
SELECT seq, resource_type, source_id, body, mapped, status, coalesce(record_id::text, ''), problems, unmapped
FROM import_items
WHERE run_id = $1 AND ($2 = '' OR resource_type = $2) AND ($3 = '' OR status = $3) AND seq > $4
ORDER BY seq LIMIT $5;

-- name: SetImportItemOutcome :exec
UPDATE import_items SET status = $3, record_id = $4, problems = $5, unmapped = $6, mapped = coalesce($7, mapped)
WHERE run_id = $1 AND seq = $2;

-- name: GetImportKey :one
SELECT record_id::text FROM import_keys WHERE org_id = $1 AND resource_type = $2 AND source_id = $3;

-- name: FindImportKeyNatural :one
SELECT source_id FROM import_keys WHERE org_id = $1 AND resource_type = $2 AND natural_bidx = $3 LIMIT 1;

-- name: InsertImportKey :exec
INSERT INTO import_keys (org_id, resource_type, source_id, record_id, natural_bidx, run_id) VALUES ($1, $2, $3, $4, $5, $6);

-- name: ImportProviderByNPI :one
SELECT id::text FROM providers WHERE org_id = $1 AND npi = $2;

-- name: ImportPayersUsable :many
-- The payers usable at an organisation (set up there or above): payer ID → id.
SELECT p.payer_id, p.id::text FROM payers p JOIN orgs po ON po.id = p.org_id JOIN orgs o ON o.id = $1::uuid
WHERE po.path @> o.path ORDER BY po.path DESC;

-- name: ImportCoverageByMember :one
-- An existing coverage with this member ID and payer at the organisation.
SELECT id::text FROM coverages WHERE org_id = $1 AND member_id_bidx = $2 AND payer_id = $3 LIMIT 1;

-- name: ImportKeysOfOrg :many
SELECT resource_type, source_id, record_id::text, natural_bidx FROM import_keys WHERE org_id = $1;

-- name: ImportCoverageKeysOfOrg :many
SELECT member_id_bidx, payer_id::text FROM coverages WHERE org_id = $1 AND member_id_bidx IS NOT NULL;

-- name: CommitImportRun :one
-- A finished dry run becomes an import (the dashboard's Commit): only once,
-- and only a dry run that reached its report.
UPDATE import_runs SET dry_run = false, stage = 'validate', updated_at = now()
WHERE id = $1 AND dry_run AND stage = 'report' RETURNING id::text;

-- name: UncommitImportRun :exec
UPDATE import_runs SET dry_run = true, stage = 'report', updated_at = now() WHERE id = $1 AND NOT dry_run AND stage = 'validate';
