-- Clearinghouse connector ledgers (migrations/00050_clearinghouse.sql).

-- name: ClearinghouseInboundSeen
-- Idempotent: listing the same remote file again finds the same row. A file
-- listed again after its row was removed is a new delivery (next generation).
-- Callers hold the partner lock.
INSERT INTO clearinghouse_inbound (partner, remote_name, size, mtime, generation)
SELECT $1, $2, $3, $4, coalesce(max(generation) + 1, 0)
FROM clearinghouse_inbound
WHERE partner = $1 AND remote_name = $2 AND size = $3 AND mtime = $4
HAVING bool_and(state = 'removed') IS NOT FALSE
ON CONFLICT DO NOTHING;

-- name: ClearinghouseInboundOpen
SELECT id, partner, remote_name, size, mtime, state, coalesce(sha256, ''), duplicate_of IS NOT NULL, attempts
FROM clearinghouse_inbound
WHERE partner = $1 AND state <> 'removed'
ORDER BY mtime, remote_name, id;

-- name: ClearinghouseInboundGet
SELECT id, partner, remote_name, size, mtime, state, coalesce(sha256, ''), duplicate_of IS NOT NULL, attempts
FROM clearinghouse_inbound WHERE id = $1;

-- name: ClearinghouseInboundDownloaded
-- Records the content hash; a file whose content this partner already sent
-- is marked as a duplicate of the first one.
UPDATE clearinghouse_inbound AS f
SET sha256 = $2, state = 'downloaded', updated_at = now(), last_error = NULL,
    duplicate_of = (SELECT o.id FROM clearinghouse_inbound o
                    WHERE o.partner = f.partner AND o.sha256 = $2 AND o.duplicate_of IS NULL AND o.id <> f.id
                    ORDER BY o.id LIMIT 1)
WHERE f.id = $1 AND f.state IN ('listed', 'downloaded');

-- name: ClearinghouseInboundAdvance
-- Moves a file from one state to the next; 0 rows means another state.
UPDATE clearinghouse_inbound SET state = $3, updated_at = now(), last_error = NULL
WHERE id = $1 AND state = $2;

-- name: ClearinghouseInboundFailed
UPDATE clearinghouse_inbound SET attempts = attempts + 1, last_error = $2, updated_at = now()
WHERE id = $1;

-- name: ClearinghouseInboundCounts
SELECT state, duplicate_of IS NOT NULL, count(*) FROM clearinghouse_inbound
WHERE partner = $1 GROUP BY 1, 2 ORDER BY 1, 2;

-- name: ClearinghouseOutboundCreate
INSERT INTO clearinghouse_outbound (partner, remote_name, sha256, size)
VALUES ($1, $2, $3, $4)
ON CONFLICT (partner, sha256) DO NOTHING;

-- name: ClearinghouseOutboundBySHA
SELECT id, partner, remote_name, sha256, size, state, attempts
FROM clearinghouse_outbound WHERE partner = $1 AND sha256 = $2;

-- name: ClearinghouseOutboundOpen
SELECT id, partner, remote_name, sha256, size, state, attempts
FROM clearinghouse_outbound WHERE partner = $1 AND state <> 'uploaded' ORDER BY id;

-- name: ClearinghouseOutboundAdvance
UPDATE clearinghouse_outbound SET state = $3, updated_at = now(), last_error = NULL
WHERE id = $1 AND state = $2;

-- name: ClearinghouseOutboundFailed
UPDATE clearinghouse_outbound SET attempts = attempts + 1, last_error = $2, updated_at = now()
WHERE id = $1;

-- name: ClearinghouseLock
-- One connector works a partner's folders at a time (session lock, released
-- when the connection closes, also when the process dies).
SELECT pg_advisory_lock(hashtextextended('claimflow/clearinghouse/' || $1, 0));

-- name: ClearinghouseUnlock
SELECT pg_advisory_unlock(hashtextextended('claimflow/clearinghouse/' || $1, 0));
