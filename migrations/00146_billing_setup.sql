-- +goose Up
-- Practice setup (issue 16, item 2): a child organisation bills under its
-- parent's billing profile only when staff said so. A row here is that
-- explicit choice ("inherit from the parent"); without a profile of its own
-- and without a row here, an organisation's claims are held at scrubbing
-- with the reason, never sent under another practice's identity.
CREATE TABLE billing_profile_inheritance (
    org_id      uuid PRIMARY KEY REFERENCES orgs (id),
    set_by      uuid,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE billing_profile_inheritance;
