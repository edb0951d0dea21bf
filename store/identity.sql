-- The OpenID Connect provider's storage (store/identity.go).

-- name: ListOIDCSigningKeys :many
SELECT id, algorithm, private_key, created_at, retire_at FROM oidc_signing_keys
WHERE retire_at > $1 ORDER BY created_at DESC;

-- name: LockOIDCSigningKeys :exec
SELECT pg_advisory_xact_lock(hashtext('oidc_signing_keys'));

-- name: InsertOIDCSigningKey :exec
INSERT INTO oidc_signing_keys (id, algorithm, private_key, created_at, retire_at) VALUES ($1, $2, $3, $4, $5);

-- name: RetireOIDCSigningKeys :exec
-- Older keys stop signing now; they stay published until $2.
UPDATE oidc_signing_keys SET retire_at = least(retire_at, @retire_at::timestamptz) WHERE id <> @keep_id;

-- name: DeleteRetiredOIDCSigningKeys :exec
DELETE FROM oidc_signing_keys WHERE retire_at <= $1;

-- name: UserIdentity :one
SELECT u.id::text AS user_id, u.org_id::text AS org_id, u.kind, u.login, u.display_name,
       array(SELECT DISTINCT rp.permission FROM role_grants g JOIN role_permissions rp ON rp.role = g.role WHERE g.user_id = u.id)::text[] AS permissions
FROM users u WHERE u.id = $1 AND NOT u.disabled;

-- name: InsertOIDCAuthRequest :exec
INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode,
    code_challenge, code_challenge_method, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: DeleteExpiredOIDCAuthRequests :exec
DELETE FROM oidc_auth_requests WHERE created_at < $1;

-- name: GetOIDCAuthRequest :one
SELECT id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode, code_challenge,
       code_challenge_method, created_at, coalesce(user_id::text, '')::text AS user_id, auth_time, coalesce(code, '')::text AS code
FROM oidc_auth_requests WHERE id = @id AND created_at >= @created_after;

-- name: GetOIDCAuthRequestByCode :one
SELECT id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode, code_challenge,
       code_challenge_method, created_at, coalesce(user_id::text, '')::text AS user_id, auth_time, coalesce(code, '')::text AS code
FROM oidc_auth_requests WHERE code = @code::text AND created_at >= @created_after;

-- name: SetOIDCAuthCode :execrows
UPDATE oidc_auth_requests SET code = @code::text WHERE id = @id;

-- name: CompleteOIDCAuthRequest :execrows
UPDATE oidc_auth_requests SET user_id = @user_id::uuid, auth_time = @auth_time::timestamptz
WHERE id = @id AND created_at >= @created_after AND user_id IS NULL;

-- name: DeleteOIDCAuthRequest :exec
DELETE FROM oidc_auth_requests WHERE id = $1;
