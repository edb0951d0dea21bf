-- +goose Up
-- Payer directory and enrollment gating (issue 19).
--
-- The payer directory is reference data shared by every tenant (like the
-- code tables): one entry per payer, its payer ID at each clearinghouse,
-- the transactions it supports and those it requires provider enrollment
-- for. It is seeded from schemas/payers/directory.json when `migrate up`
-- runs (missing entries only) and replaced entry by entry with
-- `claimflow payers import FILE`.
CREATE TABLE payer_directory (
    id                   text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,79}$'),
    name                 text NOT NULL CHECK (name <> ''),
    aliases              text[] NOT NULL DEFAULT '{}',
    -- Subset of 270/271, 276/277, 837P, 837I, 837D, 835, 278.
    transactions         text[] NOT NULL,
    -- The transactions the payer accepts only from enrolled providers.
    enrollment_required  text[] NOT NULL DEFAULT '{}',
    source               text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (transactions <@ ARRAY['270/271', '276/277', '837P', '837I', '837D', '835', '278']),
    CHECK (enrollment_required <@ transactions)
);

-- The payer's ID as each clearinghouse lists it.
CREATE TABLE payer_directory_ids (
    entry_id       text NOT NULL REFERENCES payer_directory (id) ON DELETE CASCADE,
    clearinghouse  text NOT NULL CHECK (clearinghouse <> ''),
    payer_id       text NOT NULL CHECK (payer_id ~ '^[0-9A-Z]{2,80}$'),
    PRIMARY KEY (entry_id, clearinghouse)
);
CREATE INDEX payer_directory_ids_payer ON payer_directory_ids (payer_id);

-- A tenant's payer made from a directory entry: which entry, and the
-- transactions and enrollment requirements it inherited (copied, so a
-- later directory import does not change a payer staff set up).
CREATE TABLE payer_directory_links (
    payer_id             uuid PRIMARY KEY REFERENCES payers (id) ON DELETE CASCADE,
    entry_id             text NOT NULL REFERENCES payer_directory (id),
    transactions         text[] NOT NULL,
    enrollment_required  text[] NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Claims the scrub held because their provider is not enrolled with the
-- payer for claims (written by the scrub activity that learns it). When
-- staff record the approval, the claims it covers are resubmitted through
-- their workflows (an outbox 'update' intent in the approval's
-- transaction) and the hold is marked released.
CREATE TABLE enrollment_holds (
    claim_id         uuid PRIMARY KEY REFERENCES claims (id),
    org_id           uuid NOT NULL REFERENCES orgs (id),
    provider_id      uuid NOT NULL REFERENCES providers (id),
    payer_id         uuid NOT NULL REFERENCES payers (id),
    date_of_service  date NOT NULL,
    reason           text NOT NULL,
    attempt          int NOT NULL,
    held_at          timestamptz NOT NULL DEFAULT now(),
    released_at      timestamptz,
    released_by      uuid REFERENCES users (id)
);
CREATE INDEX enrollment_holds_open ON enrollment_holds (provider_id, payer_id) WHERE released_at IS NULL;

-- The outbox also carries workflow updates (a staff decision applied on
-- someone's behalf: the release of a claim held for enrollment).
INSERT INTO workflow_names (key, value) VALUES ('UpdateClaimDecide', 'claim.decide');
ALTER TABLE workflow_outbox DROP CONSTRAINT workflow_outbox_kind_check;
ALTER TABLE workflow_outbox ADD CONSTRAINT workflow_outbox_kind_check
    CHECK (kind IN ('start', 'signal', 'signal_with_start', 'update'));

-- An ERA (835) for a provider not enrolled with the payer for remittance
-- is still archived and posted (the money is real), and flagged to staff
-- in the remittance work queue.
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_kind_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_kind_check
    CHECK (kind IN ('unmatched_claim', 'unbalanced', 'eft_unreconciled', 'not_enrolled_835'));
-- Staff close such an item once they have followed the enrollment up.
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_resolution_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_resolution_check
    CHECK (resolution IN ('posted_manually', 'refund_requested', 'written_off', 'not_ours', 'deposit_matched', 'enrollment_followed_up'));

-- +goose Down
UPDATE remit_work_queue SET resolution = 'not_ours' WHERE resolution = 'enrollment_followed_up';
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_resolution_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_resolution_check
    CHECK (resolution IN ('posted_manually', 'refund_requested', 'written_off', 'not_ours', 'deposit_matched'));
DELETE FROM remit_work_queue WHERE kind = 'not_enrolled_835';
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_kind_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_kind_check
    CHECK (kind IN ('unmatched_claim', 'unbalanced', 'eft_unreconciled'));
DELETE FROM workflow_outbox WHERE kind = 'update';
DELETE FROM workflow_names WHERE key = 'UpdateClaimDecide';
ALTER TABLE workflow_outbox DROP CONSTRAINT workflow_outbox_kind_check;
ALTER TABLE workflow_outbox ADD CONSTRAINT workflow_outbox_kind_check
    CHECK (kind IN ('start', 'signal', 'signal_with_start'));
DROP TABLE enrollment_holds;
DROP TABLE payer_directory_links;
DROP TABLE payer_directory_ids;
DROP TABLE payer_directory;
