-- Ongoing EHR sync (issue 21), read at run time through q() until sqlc is
-- run over this file.

-- name: InsertImportSync :one
INSERT INTO import_syncs (id, org_id, created_by, server, every_seconds) VALUES ($1, $2, $3, $4, $5)
RETURNING created_at, updated_at;

-- name: GetImportSync :one
-- A sync is visible to users who may write patients at its organisation;
-- $2 NULL is the system actor (the sync's workflow).
-- A deleted sync is still read (the history of its runs and flags).
SELECT id::text, org_id::text, created_by::text, server, every_seconds, high_water, coalesce(last_run_id::text, ''), last_error, created_at, updated_at,
       paused_at, coalesce(paused_by::text, ''), deleted_at
FROM import_syncs WHERE id = $1 AND ($2::uuid IS NULL OR org_visible($2::uuid, 'patient:write', org_id));

-- name: ListImportSyncs :many
-- Deleted syncs are left out (their runs stay in the import list).
SELECT id::text, org_id::text, created_by::text, server, every_seconds, high_water, coalesce(last_run_id::text, ''), last_error, created_at, updated_at,
       paused_at, coalesce(paused_by::text, ''), deleted_at
FROM import_syncs WHERE org_id IN (SELECT v.id FROM visible_orgs($1::uuid, 'patient:write') AS v (id)) AND deleted_at IS NULL
ORDER BY created_at DESC, id DESC;

-- name: GetImportSyncForUpdate :one
SELECT id::text, org_id::text, created_by::text, server, every_seconds, high_water, coalesce(last_run_id::text, ''), last_error, created_at, updated_at,
       paused_at, coalesce(paused_by::text, ''), deleted_at
FROM import_syncs WHERE id = $1 FOR UPDATE;

-- name: PauseImportSync :one
UPDATE import_syncs SET paused_at = now(), paused_by = $2, updated_at = now() WHERE id = $1 RETURNING paused_at, updated_at;

-- name: ResumeImportSync :one
UPDATE import_syncs SET paused_at = NULL, paused_by = NULL, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: DeleteImportSync :one
UPDATE import_syncs SET deleted_at = now(), deleted_by = $2, updated_at = now() WHERE id = $1 RETURNING deleted_at, updated_at;

-- name: SetImportRunSync :exec
UPDATE import_runs SET sync_id = $2 WHERE id = $1;

-- name: RaiseImportRunHighWater :exec
UPDATE import_runs SET high_water = greatest(coalesce(high_water, $2), $2) WHERE id = $1;

-- name: FinishImportSync :exec
-- A committed run moves the sync's high-water mark to the greatest
-- lastUpdated it saw; a failed one leaves it, so the next run asks again.
UPDATE import_syncs s SET
    high_water = CASE WHEN $3::boolean THEN coalesce(r.high_water, s.high_water) ELSE s.high_water END,
    last_run_id = r.id, last_error = $4, updated_at = now()
FROM import_runs r WHERE s.id = $1 AND r.id = $2 AND r.sync_id = s.id;

-- name: ListSyncRuns :many
SELECT id::text, org_id::text, coalesce(created_by::text, ''), source, source_name, dry_run, stage, total, valid, invalid,
       imported, unchanged, failed, error, created_at, updated_at, dek,
       coalesce((SELECT u.display_name FROM users u WHERE u.id = import_runs.created_by), ''),
       updated, flagged, coalesce(sync_id::text, '')
FROM import_runs WHERE sync_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2;

-- name: MarkImportItem :exec
UPDATE import_items SET status = $3, record_id = $4 WHERE run_id = $1 AND seq = $2;

-- name: InsertImportKeyIfMissing :exec
INSERT INTO import_keys (org_id, resource_type, source_id, record_id, natural_bidx, run_id) VALUES ($1, $2, $3, $4, NULL, $5)
ON CONFLICT (org_id, resource_type, source_id) DO NOTHING;

-- name: EncounterClaimStatus :one
SELECT id::text, status FROM claims WHERE encounter_id = $1;

-- name: AppointmentClaimStatuses :many
-- The claims of the encounters of one appointment.
SELECT c.id::text, c.status FROM encounters e JOIN claims c ON c.encounter_id = e.id WHERE e.appointment_id = $1 ORDER BY c.id;

-- name: InsertImportSyncFlag :one
-- One flag per source version: a re-run that sees the same version again
-- inserts nothing (no row returned).
INSERT INTO import_sync_flags (id, org_id, sync_id, run_id, seq, resource_type, source_id, record_id, patient_id, claim_id,
                               claim_status, reason, fields, body, version_bidx)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (org_id, resource_type, source_id, version_bidx) DO NOTHING
RETURNING id::text;

-- name: ListImportSyncFlags :many
-- $2 '' for every status.
SELECT id::text, org_id::text, sync_id::text, run_id::text, resource_type, source_id, record_id::text, coalesce(patient_id::text, ''),
       coalesce(claim_id::text, ''), claim_status, reason, fields, status, coalesce(resolved_by::text, ''), resolved_at, created_at
FROM import_sync_flags
WHERE org_id IN (SELECT v.id FROM visible_orgs($1::uuid, 'patient:write') AS v (id)) AND ($2 = '' OR status = $2)
ORDER BY created_at DESC, id DESC LIMIT $3;

-- name: GetImportSyncFlagForUpdate :one
SELECT id::text, org_id::text, sync_id::text, run_id::text, resource_type, source_id, record_id::text, coalesce(patient_id::text, ''),
       coalesce(claim_id::text, ''), claim_status, reason, fields, status, coalesce(resolved_by::text, ''), resolved_at, created_at
FROM import_sync_flags WHERE id = $1 FOR UPDATE;

-- name: ResolveImportSyncFlag :one
UPDATE import_sync_flags SET status = $2, resolved_by = $3, resolved_at = now() WHERE id = $1 RETURNING resolved_at;
