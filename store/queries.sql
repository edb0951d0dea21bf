-- name: InsertSmokeRun :exec
-- Idempotent: a retried activity writes the same row once.
INSERT INTO smoke_runs (id, message, written_by)
VALUES ($1, $2, $3)
ON CONFLICT (id) DO NOTHING;

-- name: GetSmokeRun :one
SELECT id, message, written_by, created_at FROM smoke_runs WHERE id = $1;
