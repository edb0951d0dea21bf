-- Queries of the per-organisation workflow payload keys (payloadkeys.go).

-- name: GetPayloadKey :one
SELECT wrapped, coalesce(org_id::text, '')::text AS org_id FROM payload_keys WHERE id = $1;

-- name: InsertPayloadKey :exec
INSERT INTO payload_keys (id, org_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING;

-- name: WorkflowOrg :one
SELECT coalesce(workflow_org($1)::text, '')::text AS org_id;

-- name: HasPlatformGrant :one
SELECT EXISTS (SELECT 1 FROM platform_grants WHERE user_id = $1 AND permission = $2);

-- name: InsertPlatformGrant :exec
INSERT INTO platform_grants (user_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING;
-- name: RotateSelect_payload_keys :many
SELECT id, wrapped FROM payload_keys WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_payload_keys :exec
UPDATE payload_keys SET wrapped = $2 WHERE id = $1;

-- name: UserIDByLogin :one
SELECT id::text FROM users WHERE login = $1;
