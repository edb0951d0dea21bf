-- +goose Up
-- Claim editor (issue 16, item 1): staff correct a claim's coding (diagnoses,
-- pointers, lines), member ID and rendering provider while it waits for
-- them (needs_correction, rejected, scrub_failed). Each edit is a new
-- version of the claim's data; the encounter and its charges stay as
-- created (version 0) and every version is kept for audit. The 837 of the
-- next attempt is built from the latest version.
--
-- data is the version's JSON sealed (AES-256-GCM) under the row's own data
-- key, wrapped by the keyring as the records tables' keys are: diagnoses
-- and the member ID are PHI. org_id is the claim's organisation (tenancy as
-- in 00120: reads are scoped with visible_orgs()).
CREATE TABLE claim_versions (
    claim_id     uuid NOT NULL REFERENCES claims (id),
    version      int NOT NULL CHECK (version > 0),
    org_id       uuid NOT NULL REFERENCES orgs (id),
    provider_id  uuid NOT NULL REFERENCES providers (id),
    total_cents  bigint NOT NULL,
    dek          bytea NOT NULL,
    data         bytea NOT NULL,
    edited_by    uuid,
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, version)
);
CREATE INDEX claim_versions_org ON claim_versions (org_id);

-- +goose Down
DROP TABLE claim_versions;
