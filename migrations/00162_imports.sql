-- +goose Up
-- Practice import (issue 21): a migration from an EHR (FHIR R4) or files is
-- one Temporal workflow, import/<id>, over these tables.
--
-- import_runs: one row per import: where it came from, the stage it is in
--   and its progress (the workflow's activities write it; the API, CLI and
--   dashboard read it).
-- import_items: every source record staged by the fetch step, sealed under
--   the run's data key (dek) because a FHIR resource is PHI; the validate
--   and commit steps write each item's outcome and problems (field pointers
--   and reasons, never values), which is the per-record error report.
-- import_keys: the mapping from a source record to the claimflow record it
--   became, per organisation. Its primary key (org, resource type, source
--   id) makes the commit idempotent: a re-run or a resumed run finds the key
--   and writes nothing. natural_bidx is the blind index of the natural key
--   (MRN, member ID, NPI) so duplicates are found without storing the value.
CREATE TABLE import_runs (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    created_by  uuid REFERENCES users (id),
    source      text NOT NULL CHECK (source IN ('ndjson', 'csv', 'fhir')),
    source_name text NOT NULL DEFAULT '',
    dry_run     boolean NOT NULL,
    dek         bytea NOT NULL,
    stage       text NOT NULL DEFAULT 'fetch' CHECK (stage IN ('fetch', 'validate', 'report', 'commit', 'done', 'failed')),
    total       integer NOT NULL DEFAULT 0,
    valid       integer NOT NULL DEFAULT 0,
    invalid     integer NOT NULL DEFAULT 0,
    imported    integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_runs_org ON import_runs (org_id, created_at DESC);

CREATE TABLE import_items (
    run_id        uuid NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    seq           integer NOT NULL,
    resource_type text NOT NULL,
    source_id     text NOT NULL,
    body          bytea NOT NULL,
    mapped        bytea,
    status        text NOT NULL DEFAULT 'staged'
                  CHECK (status IN ('staged', 'valid', 'invalid', 'imported', 'unchanged', 'failed', 'reference')),
    record_id     uuid,
    problems      jsonb NOT NULL DEFAULT '[]',
    unmapped      jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX import_items_status ON import_items (run_id, status, seq);

CREATE TABLE import_keys (
    org_id        uuid NOT NULL REFERENCES orgs (id),
    resource_type text NOT NULL,
    source_id     text NOT NULL,
    record_id     uuid NOT NULL,
    natural_bidx  bytea,
    run_id        uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, resource_type, source_id)
);
CREATE INDEX import_keys_natural ON import_keys (org_id, resource_type, natural_bidx) WHERE natural_bidx IS NOT NULL;

-- +goose Down
DROP TABLE import_keys;
DROP TABLE import_items;
DROP TABLE import_runs;
