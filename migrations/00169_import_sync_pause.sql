-- +goose Up
-- Pausing, resuming and deleting an EHR sync (issue 21). The sync's row is
-- the record of its state; its Temporal Schedule (import-sync/<id>) is
-- paused, unpaused or deleted in the same request, under the row's lock.
-- paused_at/paused_by: when and by whom the sync was paused (NULL: active).
-- deleted_at/deleted_by: a deleted sync's Schedule is gone; the row stays,
--   with its runs (import_runs.sync_id) and flags (import_sync_flags), as
--   history. An organisation may register the same server again after
--   deleting its sync, so the one-sync-per-server rule holds among the
--   syncs not deleted.
ALTER TABLE import_syncs
    ADD COLUMN paused_at  timestamptz,
    ADD COLUMN paused_by  uuid REFERENCES users (id),
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by uuid REFERENCES users (id);
ALTER TABLE import_syncs DROP CONSTRAINT import_syncs_org_id_server_key;
CREATE UNIQUE INDEX import_syncs_org_server ON import_syncs (org_id, server) WHERE deleted_at IS NULL;

-- +goose Down
-- Down fails while a deleted sync and a later one share an organisation and
-- server (the old constraint cannot hold); it drops no history to pass.
DROP INDEX import_syncs_org_server;
ALTER TABLE import_syncs ADD CONSTRAINT import_syncs_org_id_server_key UNIQUE (org_id, server);
ALTER TABLE import_syncs DROP COLUMN paused_at, DROP COLUMN paused_by, DROP COLUMN deleted_at, DROP COLUMN deleted_by;
