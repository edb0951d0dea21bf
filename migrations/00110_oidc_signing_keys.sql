-- +goose Up
-- Signing keys of claimflow's OpenID Connect provider (the Temporal UI's
-- sign-in, and the access tokens the codec endpoint accepts). The private
-- key is sealed with the keyring; every API replica signs and verifies with
-- the same keys. A key signs until a newer one exists and is published in
-- JWKS until retire_at, after the last token it signed has expired.
CREATE TABLE oidc_signing_keys (
    id          text PRIMARY KEY,
    algorithm   text NOT NULL,
    private_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retire_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE oidc_signing_keys;
