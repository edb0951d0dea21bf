-- +goose Up
-- A replayed idempotent response discloses the record again: the replay is
-- audited against the patient the stored response concerns.
ALTER TABLE idempotency_keys ADD COLUMN patient_id uuid;
ALTER TABLE idempotency_keys ADD COLUMN org_id uuid;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN org_id;
ALTER TABLE idempotency_keys DROP COLUMN patient_id;
