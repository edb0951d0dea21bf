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

-- Sign-ins in progress (authorization requests), from /authorize to the
-- code's exchange: any replica may serve each step. They live minutes.
CREATE TABLE oidc_auth_requests (
    id                    text PRIMARY KEY,
    client_id             text NOT NULL,
    redirect_uri          text NOT NULL,
    state                 text NOT NULL,
    nonce                 text NOT NULL,
    scopes                text[] NOT NULL,
    response_type         text NOT NULL,
    response_mode         text NOT NULL,
    code_challenge        text NOT NULL,
    code_challenge_method text NOT NULL,
    created_at            timestamptz NOT NULL,
    user_id               uuid REFERENCES users (id) ON DELETE CASCADE,
    auth_time             timestamptz,
    code                  text UNIQUE
);
CREATE INDEX oidc_auth_requests_created ON oidc_auth_requests (created_at);

-- +goose Down
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_signing_keys;
