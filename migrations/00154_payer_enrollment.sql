-- +goose Up
-- Payer enrollment (issue 16, ground for issue 19): per provider, payer and
-- transaction (837 claims, 835 remittance/ERA, 270 eligibility), where the
-- provider's enrollment with the payer stands. A payer that requires
-- enrollment (enrollment_required) gets no claim and no eligibility check
-- for a provider who is not approved for that transaction on the date:
-- the claim is held at scrubbing with the reason, the 270 is not sent.
-- The default (false) leaves every existing payer as it was.
ALTER TABLE payers ADD COLUMN enrollment_required boolean NOT NULL DEFAULT false;

CREATE TABLE payer_enrollments (
    id              uuid PRIMARY KEY,
    -- The provider's organisation (scope): set from the provider.
    org_id          uuid NOT NULL REFERENCES orgs (id),
    provider_id     uuid NOT NULL REFERENCES providers (id),
    payer_id        uuid NOT NULL REFERENCES payers (id),
    transaction     text NOT NULL CHECK (transaction IN ('837', '835', '270')),
    status          text NOT NULL CHECK (status IN ('not_started', 'submitted', 'approved', 'rejected')),
    effective_date  date,
    -- The clearinghouse the enrollment was made through (one this
    -- installation is configured with; the payer's route when not given).
    clearinghouse   text NOT NULL,
    notes           text NOT NULL DEFAULT '',
    updated_by      uuid REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, payer_id, transaction),
    CHECK (status <> 'approved' OR effective_date IS NOT NULL)
);
CREATE INDEX payer_enrollments_org ON payer_enrollments (org_id);
CREATE INDEX payer_enrollments_payer ON payer_enrollments (payer_id);

-- +goose Down
DROP TABLE payer_enrollments;
ALTER TABLE payers DROP COLUMN enrollment_required;
