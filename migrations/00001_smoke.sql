-- +goose Up
-- smoke_runs records the round trips of `claimflow smoke`: a workflow writes a
-- row through an activity and reads it back.
CREATE TABLE smoke_runs (
    id          text PRIMARY KEY,
    message     text NOT NULL,
    written_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE smoke_runs;
