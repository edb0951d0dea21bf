-- Claim versions: staff edits of a claim's data (00147).

-- name: LatestClaimVersion :one
SELECT claim_id::text AS claim_id, version, org_id::text AS org_id, provider_id::text AS provider_id, total_cents, dek, data,
       coalesce(edited_by::text, '')::text AS edited_by, note, created_at
FROM claim_versions WHERE claim_id = $1 ORDER BY version DESC LIMIT 1;

-- name: ListClaimVersions :many
SELECT v.claim_id::text AS claim_id, v.version, v.org_id::text AS org_id, v.provider_id::text AS provider_id, v.total_cents, v.dek, v.data,
       coalesce(v.edited_by::text, '')::text AS edited_by, coalesce(u.display_name, '')::text AS edited_by_name, v.note, v.created_at
FROM claim_versions v LEFT JOIN users u ON u.id = v.edited_by
WHERE v.claim_id = $1 ORDER BY v.version;

-- name: InsertClaimVersion :exec
INSERT INTO claim_versions (claim_id, version, org_id, provider_id, total_cents, dek, data, edited_by, note)
VALUES (@claim_id, @version, @org_id, @provider_id, @total_cents, @dek, @data, sqlc.narg(edited_by)::uuid, @note);

-- name: LockClaimForEdit :one
SELECT status, (SELECT coalesce(max(version), 0) FROM claim_versions WHERE claim_id = $1)::int AS version
FROM claims WHERE id = $1 FOR UPDATE;

-- name: SetClaimEditTotal :exec
UPDATE claims SET total_cents = @total_cents, provider_id = @provider_id, updated_at = now() WHERE id = @id;

-- name: ListClaimStatusNamed :many
SELECT h.seq, h.status, h.reason, coalesce(h.actor_id::text, '')::text AS actor_id, coalesce(u.display_name, '')::text AS actor_name, h.at
FROM claim_status_history h LEFT JOIN users u ON u.id = h.actor_id
WHERE h.claim_id = $1 ORDER BY h.seq;
