-- name: PendingOutbox :many
SELECT id, workflow_type, workflow_id, input, kind, signal_name, signal_input
FROM workflow_outbox
WHERE dispatched_at IS NULL
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED;

-- name: MarkOutboxDispatched :exec
UPDATE workflow_outbox SET dispatched_at = now(), attempts = attempts + 1, last_error = '' WHERE id = $1;

-- name: MarkOutboxFailed :exec
UPDATE workflow_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1;
