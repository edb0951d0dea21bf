-- +goose Up
-- Ongoing EHR sync (issue 21): an organisation registers a FHIR server (by
-- the name the worker's CLAIMFLOW_FHIR_SERVERS gives its base URL and SMART
-- Backend Services credentials) and an interval; a Temporal Schedule,
-- import-sync/<id>, runs the import-sync workflow, which is an import run
-- (import_runs.sync_id) over the appointments and encounters (with their
-- ChargeItems) changed since the sync's high-water mark.
--
-- import_syncs: the registration and its high-water mark (the greatest
--   meta.lastUpdated a committed run saw; the next run searches
--   _lastUpdated=gt<mark>). No credential is stored: they stay in the
--   worker's configuration, as for the one-off FHIR import.
-- import_sync_flags: a change in the EHR to an appointment or encounter
--   whose claim already went out, which is flagged for staff instead of
--   applied. body is the EHR's new version mapped to claimflow's record
--   (PHI), sealed under the run's data key; fields names what changed
--   (field names, never values). One flag per source version
--   (version_bidx, a keyed hash of that body), so a re-run flags nothing
--   twice.
CREATE TABLE import_syncs (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id),
    created_by       uuid NOT NULL REFERENCES users (id),
    server           text NOT NULL CHECK (server <> ''),
    every_seconds    integer NOT NULL CHECK (every_seconds BETWEEN 60 AND 86400),
    high_water       timestamptz,
    last_run_id      uuid,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, server)
);

ALTER TABLE import_runs
    ADD COLUMN sync_id    uuid REFERENCES import_syncs (id),
    ADD COLUMN high_water timestamptz,
    ADD COLUMN updated    integer NOT NULL DEFAULT 0,
    ADD COLUMN flagged    integer NOT NULL DEFAULT 0;
CREATE INDEX import_runs_sync ON import_runs (sync_id, created_at DESC) WHERE sync_id IS NOT NULL;

-- A sync run's outcomes add: updated (a change applied to a record not yet
-- billed) and flagged (a change to a billed record, kept for staff).
ALTER TABLE import_items DROP CONSTRAINT import_items_status_check;
ALTER TABLE import_items ADD CONSTRAINT import_items_status_check
    CHECK (status IN ('staged', 'valid', 'invalid', 'imported', 'unchanged', 'failed', 'reference', 'updated', 'flagged'));

CREATE TABLE import_sync_flags (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    sync_id       uuid NOT NULL REFERENCES import_syncs (id),
    run_id        uuid NOT NULL REFERENCES import_runs (id),
    seq           integer NOT NULL,
    resource_type text NOT NULL CHECK (resource_type IN ('Appointment', 'Encounter')),
    source_id     text NOT NULL,
    record_id     uuid NOT NULL,
    patient_id    uuid REFERENCES patients (id),
    claim_id      uuid REFERENCES claims (id),
    claim_status  text NOT NULL DEFAULT '',
    reason        text NOT NULL,
    fields        text[] NOT NULL DEFAULT '{}',
    body          bytea NOT NULL,
    version_bidx  bytea NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'dismissed')),
    resolved_by   uuid REFERENCES users (id),
    resolved_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, resource_type, source_id, version_bidx)
);
CREATE INDEX import_sync_flags_org ON import_sync_flags (org_id, status, created_at DESC);

-- +goose Down
DROP TABLE import_sync_flags;
ALTER TABLE import_items DROP CONSTRAINT import_items_status_check;
ALTER TABLE import_items ADD CONSTRAINT import_items_status_check
    CHECK (status IN ('staged', 'valid', 'invalid', 'imported', 'unchanged', 'failed', 'reference'));
DROP INDEX import_runs_sync;
ALTER TABLE import_runs DROP COLUMN sync_id, DROP COLUMN high_water, DROP COLUMN updated, DROP COLUMN flagged;
DROP TABLE import_syncs;
