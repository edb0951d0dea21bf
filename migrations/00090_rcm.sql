-- +goose Up
-- Revenue-cycle state driven by the workflows: billing profiles (the 837's
-- billing provider and submitter), claim submission attempts and batches,
-- 835 remittances posted exactly once, and the queue of what did not match.

-- The billing provider and submitter identity an organisation bills under.
CREATE TABLE billing_profiles (
    org_id          uuid PRIMARY KEY REFERENCES orgs (id),
    name            text NOT NULL,
    npi             text NOT NULL CHECK (npi ~ '^[0-9]{10}$'),
    tax_id          text NOT NULL CHECK (tax_id ~ '^[0-9]{9}$'),
    taxonomy        text NOT NULL DEFAULT '',
    address_line1   text NOT NULL,
    city            text NOT NULL,
    state           text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    zip             text NOT NULL CHECK (zip ~ '^[0-9]{5}([0-9]{4})?$'),
    submitter_id    text NOT NULL,
    contact_name    text NOT NULL,
    contact_phone   text NOT NULL CHECK (contact_phone ~ '^[0-9]{10}$'),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE claims
    ADD COLUMN attempt            int NOT NULL DEFAULT 1,
    ADD COLUMN frequency_code     text NOT NULL DEFAULT '1' CHECK (frequency_code IN ('1', '7', '8')),
    ADD COLUMN payer_claim_number text NOT NULL DEFAULT '',
    ADD COLUMN batch_id           text,
    ADD COLUMN paid_cents         bigint NOT NULL DEFAULT 0;

-- Interchange and group control numbers: ISA13 is nine digits, unique per
-- sender; GS06 up to nine digits.
CREATE SEQUENCE interchange_control_numbers MINVALUE 1 MAXVALUE 999999999 CYCLE;

-- One 837 interchange sent to a clearinghouse. run_id is the batch
-- workflow's ID: a retried activity finds its batches instead of building
-- new ones.
CREATE TABLE claim_batches (
    id               text PRIMARY KEY,
    run_id           text NOT NULL,
    clearinghouse    text NOT NULL,
    payer_id         uuid NOT NULL REFERENCES payers (id),
    isa13            text NOT NULL,
    gs06             text NOT NULL,
    file_key         text NOT NULL DEFAULT '',
    uploaded_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_batches_run ON claim_batches (run_id);
CREATE INDEX claim_batches_isa ON claim_batches (clearinghouse, isa13);

CREATE TABLE batch_claims (
    batch_id   text NOT NULL REFERENCES claim_batches (id),
    claim_id   uuid NOT NULL REFERENCES claims (id),
    attempt    int NOT NULL,
    st02       text NOT NULL,
    PRIMARY KEY (batch_id, claim_id),
    UNIQUE (claim_id, attempt)
);

-- One 835 transaction, posted once: (payer, trace number) is unique, so a
-- re-delivered file posts nothing.
CREATE TABLE remittances (
    id                  uuid PRIMARY KEY,
    payer_id            text NOT NULL,
    trace_number        text NOT NULL,
    file_key            text NOT NULL,
    transaction_index   int NOT NULL,
    paid_cents          bigint NOT NULL,
    provider_adj_cents  bigint NOT NULL DEFAULT 0,
    balanced            boolean NOT NULL,
    balance_problems    text[] NOT NULL DEFAULT '{}',
    eft_reconciled      boolean NOT NULL DEFAULT false,
    payment_date        date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payer_id, trace_number)
);

-- One CLP claim payment, posted in its own transaction, once: the key is
-- the remittance and the CLP's position in it.
CREATE TABLE claim_payments (
    remittance_id       uuid NOT NULL REFERENCES remittances (id),
    seq                 int NOT NULL,
    claim_id            uuid REFERENCES claims (id),
    patient_control     text NOT NULL,
    status_code         text NOT NULL,
    charge_cents        bigint NOT NULL,
    paid_cents          bigint NOT NULL,
    patient_resp_cents  bigint NOT NULL,
    payer_claim_number  text NOT NULL DEFAULT '',
    rarcs               text[] NOT NULL DEFAULT '{}',
    posted_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (remittance_id, seq)
);
CREATE INDEX claim_payments_claim ON claim_payments (claim_id);

-- CAS adjustments of a claim payment (line 0) or of one of its service
-- lines (SVC position, from 1).
CREATE TABLE claim_adjustments (
    remittance_id  uuid NOT NULL,
    seq            int NOT NULL,
    line           int NOT NULL,
    n              int NOT NULL,
    group_code     text NOT NULL CHECK (group_code IN ('CO', 'CR', 'OA', 'PI', 'PR')),
    reason         text NOT NULL,
    amount_cents   bigint NOT NULL,
    PRIMARY KEY (remittance_id, seq, line, n),
    FOREIGN KEY (remittance_id, seq) REFERENCES claim_payments (remittance_id, seq)
);

-- What posting could not match or balance: the staff work queue.
CREATE TABLE remit_work_queue (
    id              bigserial PRIMARY KEY,
    remittance_id   uuid NOT NULL REFERENCES remittances (id),
    seq             int NOT NULL DEFAULT 0, -- the CLP position; 0 for the whole remittance
    kind            text NOT NULL CHECK (kind IN ('unmatched_claim', 'unbalanced', 'eft_unreconciled')),
    detail          text NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (remittance_id, seq, kind)
);

-- Deposits seen on the bank account (imported), matched by EFT trace.
CREATE TABLE eft_deposits (
    trace_number   text PRIMARY KEY,
    amount_cents   bigint NOT NULL,
    deposited_on   date NOT NULL,
    remittance_id  uuid REFERENCES remittances (id)
);

-- +goose Down
DROP TABLE eft_deposits;
DROP TABLE remit_work_queue;
DROP TABLE claim_adjustments;
DROP TABLE claim_payments;
DROP TABLE remittances;
DROP TABLE batch_claims;
DROP TABLE claim_batches;
DROP SEQUENCE interchange_control_numbers;
ALTER TABLE claims
    DROP COLUMN attempt,
    DROP COLUMN frequency_code,
    DROP COLUMN payer_claim_number,
    DROP COLUMN batch_id,
    DROP COLUMN paid_cents;
DROP TABLE billing_profiles;
