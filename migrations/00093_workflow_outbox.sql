-- +goose Up
-- The intent to start a workflow, written in the same transaction as the
-- record that needs it (by trigger), so neither is ever lost. Workers
-- dispatch the rows: start the workflow (its ID makes a repeat harmless),
-- then mark the row dispatched.
CREATE TABLE workflow_outbox (
    id             bigserial PRIMARY KEY,
    workflow_type  text NOT NULL,
    workflow_id    text NOT NULL,
    input          jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz,
    attempts       int NOT NULL DEFAULT 0,
    last_error     text NOT NULL DEFAULT ''
);
CREATE INDEX workflow_outbox_pending ON workflow_outbox (id) WHERE dispatched_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION claim_workflow_intent() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES ('Claim', 'claim/' || NEW.id, jsonb_build_object('ClaimID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER claims_start_workflow AFTER INSERT ON claims
    FOR EACH ROW EXECUTE FUNCTION claim_workflow_intent();

-- +goose Down
DROP TRIGGER claims_start_workflow ON claims;
DROP FUNCTION claim_workflow_intent();
DROP TABLE workflow_outbox;
