-- Clearinghouse connector ledgers (migrations/00050_clearinghouse.sql).

-- name: ClearinghouseInboundSeen :exec
-- Idempotent: listing the same remote file again finds the same row. A file
-- listed again after its row was removed is a new delivery (next generation).
-- Callers hold the partner lock.
INSERT INTO clearinghouse_inbound (partner, remote_name, size, mtime, generation)
SELECT $1, $2, $3, $4, coalesce(max(generation) + 1, 0)
FROM clearinghouse_inbound
WHERE partner = $1 AND remote_name = $2 AND size = $3 AND mtime = $4
HAVING bool_and(state = 'removed') IS NOT FALSE
ON CONFLICT DO NOTHING;

-- name: ClearinghouseInboundOpen :many
SELECT id, partner, remote_name, size, mtime, state, coalesce(sha256, '')::text AS sha256, (duplicate_of IS NOT NULL)::bool AS duplicate, attempts
FROM clearinghouse_inbound
WHERE partner = $1 AND state <> 'removed'
ORDER BY mtime, remote_name, id;

-- name: ClearinghouseInboundGet :one
SELECT id, partner, remote_name, size, mtime, state, coalesce(sha256, '')::text AS sha256, (duplicate_of IS NOT NULL)::bool AS duplicate, attempts
FROM clearinghouse_inbound WHERE id = $1;

-- name: ClearinghouseInboundDownloaded :execrows
-- Records the content hash; a file whose content this partner already sent
-- is marked as a duplicate of the first one.
UPDATE clearinghouse_inbound AS f
SET sha256 = @sha256::text, state = 'downloaded', updated_at = now(), last_error = NULL,
    duplicate_of = (SELECT o.id FROM clearinghouse_inbound o
                    WHERE o.partner = f.partner AND o.sha256 = @sha256::text AND o.duplicate_of IS NULL AND o.id <> f.id
                    ORDER BY o.id LIMIT 1)
WHERE f.id = @id AND f.state IN ('listed', 'downloaded');

-- name: ClearinghouseInboundAdvance :execrows
-- Moves a file from one state to the next; 0 rows means another state.
UPDATE clearinghouse_inbound SET state = @to_state, updated_at = now(), last_error = NULL
WHERE id = @id AND state = @from_state;

-- name: ClearinghouseInboundFailed :exec
UPDATE clearinghouse_inbound SET attempts = attempts + 1, last_error = @last_error::text, updated_at = now()
WHERE id = $1;

-- name: ClearinghouseInboundCounts :many
SELECT state, (duplicate_of IS NOT NULL)::bool AS duplicate, count(*) FROM clearinghouse_inbound
WHERE partner = $1 GROUP BY 1, 2 ORDER BY 1, 2;

-- name: ClearinghouseOutboundCreate :execrows
INSERT INTO clearinghouse_outbound (partner, remote_name, sha256, size)
VALUES ($1, $2, $3, $4)
ON CONFLICT (partner, sha256) DO NOTHING;

-- name: ClearinghouseOutboundBySHA :one
SELECT id, partner, remote_name, sha256, size, state, attempts
FROM clearinghouse_outbound WHERE partner = $1 AND sha256 = $2;

-- name: ClearinghouseOutboundOpen :many
SELECT id, partner, remote_name, sha256, size, state, attempts
FROM clearinghouse_outbound WHERE partner = $1 AND state <> 'uploaded' ORDER BY id;

-- name: ClearinghouseOutboundAdvance :execrows
UPDATE clearinghouse_outbound SET state = @to_state, updated_at = now(), last_error = NULL
WHERE id = @id AND state = @from_state;

-- name: ClearinghouseOutboundFailed :exec
UPDATE clearinghouse_outbound SET attempts = attempts + 1, last_error = @last_error::text, updated_at = now()
WHERE id = $1;

-- name: ClearinghouseLock :exec
-- One connector works a partner's folders at a time (session lock, released
-- when the connection closes, also when the process dies).
SELECT pg_advisory_lock(hashtextextended('claimflow/clearinghouse/' || @partner::text, 0));

-- name: ClearinghouseUnlock :exec
SELECT pg_advisory_unlock(hashtextextended('claimflow/clearinghouse/' || @partner::text, 0));
