-- Queries of the per-organisation workflow payload keys (payloadkeys.go).

-- name: GetPayloadKey
SELECT wrapped, coalesce(org_id::text, '') FROM payload_keys WHERE id = $1;

-- name: InsertPayloadKey
INSERT INTO payload_keys (id, org_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING;

-- name: WorkflowOrg
SELECT coalesce(workflow_org($1)::text, '');

-- name: HasPlatformGrant
SELECT EXISTS (SELECT 1 FROM platform_grants WHERE user_id = $1 AND permission = $2);

-- name: InsertPlatformGrant
INSERT INTO platform_grants (user_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING;
-- name: RotateSelect_payload_keys
SELECT id, wrapped FROM payload_keys WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_payload_keys
UPDATE payload_keys SET wrapped = $2 WHERE id = $1;

-- name: UserIDByLogin
SELECT id::text FROM users WHERE login = $1;
