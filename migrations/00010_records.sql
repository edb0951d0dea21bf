-- +goose Up
-- Records, access control and the audit log (issue 5).
--
-- PHI columns are bytea holding AES-256-GCM ciphertext sealed under the
-- row's own data key (dek, wrapped by the key-encryption key); *_bidx
-- columns hold a keyed blind index for exact-match search. No PHI is ever
-- stored in plaintext.
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Organisations form a tree (health system > facility or practice >
-- department). path is the ltree of ids from the root, so "is org X at or
-- under an org where the user holds permission P" is one indexed query.
CREATE TABLE orgs (
    id          uuid PRIMARY KEY,
    parent_id   uuid REFERENCES orgs (id),
    kind        text NOT NULL CHECK (kind IN ('health_system', 'facility', 'practice', 'department')),
    name        text NOT NULL,
    path        ltree NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orgs_path_gist ON orgs USING gist (path);

-- Users are staff (password + TOTP) or systems (API tokens).
CREATE TABLE users (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id),
    kind             text NOT NULL CHECK (kind IN ('staff', 'system')),
    login            text NOT NULL UNIQUE,
    display_name     text NOT NULL,
    password_hash    text,
    dek              bytea,
    totp_secret      bytea,
    totp_last_step   bigint NOT NULL DEFAULT 0,
    failed_logins    int NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    disabled         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE role_permissions (
    role        text NOT NULL,
    permission  text NOT NULL,
    PRIMARY KEY (role, permission)
);

-- A role granted at an org applies to the org and all its descendants.
CREATE TABLE role_grants (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id   uuid NOT NULL REFERENCES orgs (id),
    role     text NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);

INSERT INTO role_permissions (role, permission)
SELECT 'admin', p FROM unnest(ARRAY[
    'org:read', 'org:write', 'user:write',
    'provider:read', 'provider:write', 'payer:read', 'payer:write',
    'patient:read', 'patient:write', 'coverage:read', 'coverage:write',
    'availability:read', 'availability:write',
    'appointment:read', 'appointment:write', 'waitlist:read', 'waitlist:write',
    'encounter:read', 'encounter:write', 'claim:read', 'claim:write']) AS p
UNION ALL
SELECT 'front_desk', p FROM unnest(ARRAY[
    'org:read', 'provider:read', 'payer:read', 'patient:read', 'patient:write',
    'coverage:read', 'coverage:write', 'availability:read',
    'appointment:read', 'appointment:write', 'waitlist:read', 'waitlist:write']) AS p
UNION ALL
SELECT 'clinician', p FROM unnest(ARRAY[
    'org:read', 'provider:read', 'patient:read', 'availability:read', 'appointment:read',
    'encounter:read', 'encounter:write']) AS p
UNION ALL
SELECT 'biller', p FROM unnest(ARRAY[
    'org:read', 'provider:read', 'payer:read', 'payer:write', 'patient:read', 'coverage:read',
    'encounter:read', 'claim:read', 'claim:write']) AS p
UNION ALL
SELECT 'compliance', p FROM unnest(ARRAY['org:read', 'audit:read']) AS p
UNION ALL
SELECT 'scheduler_system', p FROM unnest(ARRAY[
    'org:read', 'provider:read', 'patient:read', 'availability:read', 'availability:write',
    'appointment:read', 'appointment:write', 'waitlist:read', 'waitlist:write']) AS p;

-- Secrets are stored as SHA-256 hashes only.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);

CREATE TABLE providers (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    npi           text NOT NULL CHECK (npi ~ '^[0-9]{10}$'),
    first_name    text NOT NULL DEFAULT '',
    last_name     text NOT NULL,
    taxonomy      text NOT NULL CHECK (taxonomy ~ '^[0-9A-Z]{9}X$'),
    credentials   text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, npi)
);

CREATE TABLE payers (
    id                    uuid PRIMARY KEY,
    org_id                uuid NOT NULL REFERENCES orgs (id),
    payer_id              text NOT NULL,
    name                  text NOT NULL,
    clearinghouse         text NOT NULL,
    clearinghouse_payer   text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, payer_id)
);

CREATE TABLE patients (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id),
    dek              bytea NOT NULL,
    first_name       bytea NOT NULL,
    last_name        bytea NOT NULL,
    birth_date       bytea NOT NULL,
    sex              text NOT NULL CHECK (sex IN ('F', 'M', 'U')),
    ssn              bytea,
    address          bytea,
    phone            bytea,
    email            bytea,
    last_name_bidx   bytea NOT NULL,
    birth_date_bidx  bytea NOT NULL,
    ssn_bidx         bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_name_dob ON patients (last_name_bidx, birth_date_bidx);
CREATE INDEX patients_ssn ON patients (ssn_bidx) WHERE ssn_bidx IS NOT NULL;
CREATE INDEX patients_org ON patients (org_id, id);

CREATE TABLE coverages (
    id                     uuid PRIMARY KEY,
    org_id                 uuid NOT NULL REFERENCES orgs (id),
    patient_id             uuid NOT NULL REFERENCES patients (id),
    payer_id               uuid NOT NULL REFERENCES payers (id),
    dek                    bytea NOT NULL,
    member_id              bytea NOT NULL,
    member_id_bidx         bytea NOT NULL,
    group_number           text NOT NULL DEFAULT '',
    relationship           text NOT NULL CHECK (relationship IN ('self', 'spouse', 'child', 'other')),
    subscriber_first_name  bytea,
    subscriber_last_name   bytea,
    subscriber_birth_date  bytea,
    priority               int NOT NULL CHECK (priority BETWEEN 1 AND 3),
    effective_from         date,
    effective_to           date,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coverages_patient ON coverages (patient_id, priority);
CREATE INDEX coverages_member ON coverages (member_id_bidx);

-- Weekly availability templates (local wall-clock times in the template's
-- time zone) and dated exceptions that block or add time.
CREATE TABLE availability_templates (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    provider_id   uuid NOT NULL REFERENCES providers (id),
    weekday       int NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_time    time NOT NULL,
    end_time      time NOT NULL CHECK (end_time > start_time),
    time_zone     text NOT NULL,
    valid_from    date,
    valid_to      date,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX availability_templates_provider ON availability_templates (provider_id, weekday);

CREATE TABLE availability_exceptions (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    provider_id   uuid NOT NULL REFERENCES providers (id),
    kind          text NOT NULL CHECK (kind IN ('unavailable', 'available')),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX availability_exceptions_provider ON availability_exceptions (provider_id, starts_at);

CREATE TABLE appointment_series (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    provider_id   uuid NOT NULL REFERENCES providers (id),
    patient_id    uuid NOT NULL REFERENCES patients (id),
    rule          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- No provider is ever double-booked: Postgres enforces it with an exclusion
-- constraint over non-cancelled appointments.
CREATE TABLE appointments (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    provider_id   uuid NOT NULL REFERENCES providers (id),
    patient_id    uuid NOT NULL REFERENCES patients (id),
    series_id     uuid REFERENCES appointment_series (id),
    visit_type    text NOT NULL,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    status        text NOT NULL CHECK (status IN ('booked', 'cancelled', 'completed', 'no_show')),
    cancel_reason text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointments_no_double_booking EXCLUDE USING gist (
        provider_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX appointments_patient ON appointments (patient_id, starts_at);
CREATE INDEX appointments_org ON appointments (org_id, id);

CREATE TABLE waitlist_entries (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id),
    patient_id       uuid NOT NULL REFERENCES patients (id),
    provider_id      uuid REFERENCES providers (id),
    visit_type       text NOT NULL,
    priority         int NOT NULL DEFAULT 0,
    earliest         date,
    latest           date,
    weekdays         int[] NOT NULL DEFAULT '{}',
    time_from        time,
    time_to          time,
    status           text NOT NULL CHECK (status IN ('waiting', 'left', 'booked')),
    appointment_id   uuid REFERENCES appointments (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waitlist_waiting ON waitlist_entries (org_id, status, priority DESC, id);

CREATE TABLE encounters (
    id                 uuid PRIMARY KEY,
    org_id             uuid NOT NULL REFERENCES orgs (id),
    patient_id         uuid NOT NULL REFERENCES patients (id),
    provider_id        uuid NOT NULL REFERENCES providers (id),
    coverage_id        uuid REFERENCES coverages (id),
    appointment_id     uuid REFERENCES appointments (id),
    date_of_service    date NOT NULL,
    place_of_service   text NOT NULL CHECK (place_of_service ~ '^[0-9]{2}$'),
    diagnoses          text[] NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX encounters_patient ON encounters (patient_id);

CREATE TABLE charges (
    encounter_id       uuid NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    line               int NOT NULL,
    code               text NOT NULL CHECK (code ~ '^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$'),
    modifiers          text[] NOT NULL DEFAULT '{}',
    diagnosis_pointers int[] NOT NULL,
    units              numeric(9, 3) NOT NULL CHECK (units > 0),
    amount_cents       bigint NOT NULL CHECK (amount_cents >= 0),
    place_of_service   text,
    PRIMARY KEY (encounter_id, line)
);

CREATE TABLE claims (
    id                      uuid PRIMARY KEY,
    org_id                  uuid NOT NULL REFERENCES orgs (id),
    encounter_id            uuid NOT NULL UNIQUE REFERENCES encounters (id),
    patient_id              uuid NOT NULL REFERENCES patients (id),
    coverage_id             uuid NOT NULL REFERENCES coverages (id),
    payer_id                uuid NOT NULL REFERENCES payers (id),
    provider_id             uuid NOT NULL REFERENCES providers (id),
    patient_control_number  text NOT NULL UNIQUE,
    total_cents             bigint NOT NULL,
    status                  text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_org_status ON claims (org_id, status, id);

CREATE TABLE claim_status_history (
    claim_id   uuid NOT NULL REFERENCES claims (id),
    seq        int NOT NULL,
    status     text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    actor_id   uuid,
    at         timestamptz NOT NULL,
    PRIMARY KEY (claim_id, seq)
);

-- Idempotency keys: the stored response is sealed (it may carry PHI).
CREATE TABLE idempotency_keys (
    principal_id   uuid NOT NULL,
    key            text NOT NULL,
    request_hash   bytea NOT NULL,
    status         int,
    dek            bytea,
    response       bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
);

-- The audit log is hash-chained: each row's hash is a keyed MAC over the
-- previous row's hash and this row's content. audit_head holds the newest
-- seq and hash; appending locks it, which serializes appends.
CREATE TABLE audit_log (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_id      uuid,
    org_id        uuid,
    patient_id    uuid,
    action        text NOT NULL,
    resource      text NOT NULL,
    resource_id   text NOT NULL,
    fields        text[] NOT NULL DEFAULT '{}',
    source_ip     text NOT NULL DEFAULT '',
    request_id    text NOT NULL DEFAULT '',
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);

CREATE TABLE audit_head (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq   bigint NOT NULL,
    hash  bytea NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE claim_status_history;
DROP TABLE claims;
DROP TABLE charges;
DROP TABLE encounters;
DROP TABLE waitlist_entries;
DROP TABLE appointments;
DROP TABLE appointment_series;
DROP TABLE availability_exceptions;
DROP TABLE availability_templates;
DROP TABLE coverages;
DROP TABLE patients;
DROP TABLE payers;
DROP TABLE providers;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE role_grants;
DROP TABLE role_permissions;
DROP TABLE users;
DROP TABLE orgs;
