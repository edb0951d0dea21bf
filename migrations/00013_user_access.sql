-- +goose Up
-- Access management: list a user's API tokens, revoke all of a user's open
-- sessions when the user is disabled, list the users of an organisation.
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
CREATE INDEX sessions_user_open ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX users_org ON users (org_id, id);

-- +goose Down
DROP INDEX users_org;
DROP INDEX sessions_user_open;
DROP INDEX api_tokens_user;
