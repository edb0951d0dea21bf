-- name: CountLoginAttempt :one
-- One attempt in the key's window: a window older than $3 seconds starts
-- afresh at $2.
INSERT INTO login_attempts AS t (key, window_start, attempts) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN t.window_start <= $2 - make_interval(secs => $3) THEN $2 ELSE t.window_start END,
    attempts     = CASE WHEN t.window_start <= $2 - make_interval(secs => $3) THEN 1 ELSE t.attempts + 1 END
RETURNING window_start, attempts;

-- name: PruneLoginAttempts :exec
DELETE FROM login_attempts WHERE window_start < $1;

-- name: InsertAPITokenExpiring :one
INSERT INTO api_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING created_at;

-- name: GetAPITokenForRotation :one
SELECT t.user_id::text, t.expires_at, (t.revoked_at IS NOT NULL)::bool AS revoked, (t.replaced_by IS NOT NULL)::bool AS replaced
FROM api_tokens t WHERE t.id = $1 AND t.user_id = $2 FOR UPDATE;

-- name: ReplaceAPIToken :one
-- The rotated token names its successor and expires at $3 at the latest.
UPDATE api_tokens SET replaced_by = $2, expires_at = least(expires_at, $3) WHERE id = $1
RETURNING id::text, user_id::text, created_at, last_used_at, revoked_at, expires_at;
