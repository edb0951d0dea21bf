-- +goose Up
-- Sign-in attempts counted per account and per source address, in fixed
-- windows, shared by every API instance. The key is the SHA-256 of
-- "account" or "address", a NUL and the login name or address: no caller
-- text is stored.
CREATE TABLE login_attempts (
    key          bytea PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts     int NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- API tokens expire (CLAIMFLOW_API_TOKEN_TTL) and rotate: a rotated token
-- names its successor and expires after a grace period. Tokens issued
-- before expiry existed get 90 days from issue, and at least 30 from now.
ALTER TABLE api_tokens
    ADD COLUMN expires_at  timestamptz,
    ADD COLUMN replaced_by uuid REFERENCES api_tokens (id);
UPDATE api_tokens SET expires_at = greatest(created_at + interval '90 days', now() + interval '30 days');
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- A charge carries at most 18 digits (SV102, store.MaxAmountCents); NOT
-- VALID: rows stored before are left as they are, new ones are checked.
ALTER TABLE charges ADD CONSTRAINT charges_amount_x12 CHECK (amount_cents <= 999999999999999999) NOT VALID;

-- +goose Down
ALTER TABLE charges DROP CONSTRAINT charges_amount_x12;
ALTER TABLE api_tokens DROP COLUMN replaced_by, DROP COLUMN expires_at;
DROP TABLE login_attempts;
