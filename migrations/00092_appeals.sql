-- +goose Up
-- Appeals filed by staff decision in the claim workflow: the appeal packet
-- (letter and records) goes to the payer outside X12; this is its record
-- and the queue the billing team works from.
CREATE TABLE claim_appeals (
    claim_id            uuid NOT NULL REFERENCES claims (id),
    payer_claim_number  text NOT NULL,
    denial_codes        text[] NOT NULL,
    note                text NOT NULL DEFAULT '',
    filed_by            text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'filed' CHECK (status IN ('filed', 'sent', 'won', 'lost')),
    filed_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, payer_claim_number)
);

-- +goose Down
DROP TABLE claim_appeals;
