-- +goose Up
-- clearinghouse_inbound is the ledger of files found in a partner's inbound
-- SFTP folder. A file is identified by partner + remote name + size + mtime;
-- its state moves listed -> downloaded -> archived -> routed -> removed
-- (a duplicate of an already archived file skips routed). After a crash the
-- connector resumes each file from its recorded state, so a file is never
-- processed twice and never lost.
CREATE TABLE clearinghouse_inbound (
    id            bigserial PRIMARY KEY,
    partner       text NOT NULL,
    remote_name   text NOT NULL,
    size          bigint NOT NULL,
    mtime         timestamptz NOT NULL,
    state         text NOT NULL DEFAULT 'listed'
                  CHECK (state IN ('listed', 'downloaded', 'archived', 'routed', 'removed')),
    sha256        text,
    -- set when the same content was already received from this partner
    duplicate_of  bigint REFERENCES clearinghouse_inbound (id),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner, remote_name, size, mtime)
);
CREATE INDEX clearinghouse_inbound_open ON clearinghouse_inbound (partner, id) WHERE state <> 'removed';
CREATE UNIQUE INDEX clearinghouse_inbound_content ON clearinghouse_inbound (partner, sha256)
    WHERE sha256 IS NOT NULL AND duplicate_of IS NULL;

-- clearinghouse_outbound is the ledger of files sent: archived (the bytes
-- are in the EDI archive under sha256) -> uploading (writing the temporary
-- name) -> renaming -> uploaded. The same content is sent to a partner once.
CREATE TABLE clearinghouse_outbound (
    id            bigserial PRIMARY KEY,
    partner       text NOT NULL,
    remote_name   text NOT NULL,
    sha256        text NOT NULL,
    size          bigint NOT NULL,
    state         text NOT NULL DEFAULT 'archived'
                  CHECK (state IN ('archived', 'uploading', 'renaming', 'uploaded')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner, sha256),
    UNIQUE (partner, remote_name)
);
CREATE INDEX clearinghouse_outbound_open ON clearinghouse_outbound (partner, id) WHERE state <> 'uploaded';

-- +goose Down
DROP TABLE clearinghouse_outbound;
DROP TABLE clearinghouse_inbound;
