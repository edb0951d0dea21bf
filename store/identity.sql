-- The OpenID Connect provider's storage (store/identity.go).

-- name: ListOIDCSigningKeys
SELECT id, algorithm, private_key, created_at, retire_at FROM oidc_signing_keys
WHERE retire_at > $1 ORDER BY created_at DESC;

-- name: LockOIDCSigningKeys
SELECT pg_advisory_xact_lock(hashtext('oidc_signing_keys'));

-- name: InsertOIDCSigningKey
INSERT INTO oidc_signing_keys (id, algorithm, private_key, created_at, retire_at) VALUES ($1, $2, $3, $4, $5);

-- name: RetireOIDCSigningKeys
-- Older keys stop signing now; they stay published until $2.
UPDATE oidc_signing_keys SET retire_at = least(retire_at, $2) WHERE id <> $1;

-- name: DeleteRetiredOIDCSigningKeys
DELETE FROM oidc_signing_keys WHERE retire_at <= $1;

-- name: UserIdentity
SELECT u.id::text, u.org_id::text, u.kind, u.login, u.display_name,
       array(SELECT DISTINCT rp.permission FROM role_grants g JOIN role_permissions rp ON rp.role = g.role WHERE g.user_id = u.id)
FROM users u WHERE u.id = $1 AND NOT u.disabled;
