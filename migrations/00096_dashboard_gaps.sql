-- +goose Up
-- The remittance work queue's resolutions: what staff decided about an
-- item, who and when. A resolved item leaves the queue; resolving it again
-- answers the first resolution.
ALTER TABLE remit_work_queue
    ADD COLUMN resolution      text CHECK (resolution IN ('posted_manually', 'refund_requested', 'written_off', 'not_ours')),
    ADD COLUMN resolution_note text NOT NULL DEFAULT '',
    ADD COLUMN resolved_by     uuid REFERENCES users (id),
    ADD COLUMN resolved_at     timestamptz,
    ADD CONSTRAINT remit_work_queue_resolution CHECK (resolution IS NULL OR (status = 'resolved' AND resolved_at IS NOT NULL));
CREATE INDEX remit_work_queue_open ON remit_work_queue (id) WHERE status = 'open';

-- Real-time claim status inquiries (276 sent, 277 received), one row per
-- inquiry trace. The files themselves are in the EDI archive (the real-time
-- client archives both); the keys are their SHA-256 hashes.
CREATE TABLE claim_status_inquiries (
    id            bigserial PRIMARY KEY,
    claim_id      uuid NOT NULL REFERENCES claims (id),
    attempt       int NOT NULL,
    trace         text NOT NULL,
    partner       text NOT NULL,
    request_key   text NOT NULL,
    response_key  text NOT NULL DEFAULT '',
    stc           text NOT NULL DEFAULT '', -- the claim's STC01 (category:status:entity), codes only
    note          text NOT NULL DEFAULT '',
    sent_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (claim_id, trace)
);

-- +goose Down
DROP TABLE claim_status_inquiries;
DROP INDEX remit_work_queue_open;
ALTER TABLE remit_work_queue
    DROP CONSTRAINT remit_work_queue_resolution,
    DROP COLUMN resolved_at,
    DROP COLUMN resolved_by,
    DROP COLUMN resolution_note,
    DROP COLUMN resolution;
