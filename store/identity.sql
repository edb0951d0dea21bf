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

-- name: InsertOIDCAuthRequest
INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode,
    code_challenge, code_challenge_method, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: DeleteExpiredOIDCAuthRequests
DELETE FROM oidc_auth_requests WHERE created_at < $1;

-- name: GetOIDCAuthRequest
SELECT id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode, code_challenge,
       code_challenge_method, created_at, coalesce(user_id::text, ''), auth_time, coalesce(code, '')
FROM oidc_auth_requests WHERE id = $1 AND created_at >= $2;

-- name: GetOIDCAuthRequestByCode
SELECT id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode, code_challenge,
       code_challenge_method, created_at, coalesce(user_id::text, ''), auth_time, coalesce(code, '')
FROM oidc_auth_requests WHERE code = $1 AND created_at >= $2;

-- name: SetOIDCAuthCode
UPDATE oidc_auth_requests SET code = $2 WHERE id = $1;

-- name: CompleteOIDCAuthRequest
UPDATE oidc_auth_requests SET user_id = $2, auth_time = $3 WHERE id = $1 AND created_at >= $4 AND user_id IS NULL;

-- name: DeleteOIDCAuthRequest
DELETE FROM oidc_auth_requests WHERE id = $1;
