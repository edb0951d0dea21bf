-- +goose Up
-- Claim file events (issue 15): every EDI exchange of a claim (837 sent,
-- TA1/999, 277CA, 835, 276/277), recorded by the activity that handles it,
-- so the dashboard reads a claim's files from Postgres and never from
-- workflow history.
--
-- Tenancy as in 00120: each row carries the organisation of its claim
-- (copied from claims when recorded) and every read is scoped with
-- visible_orgs(). Nothing here is PHI: control numbers, archive keys
-- (content hashes), status and adjustment codes with positions, amounts
-- and counts; patient data stays sealed in the records tables.
--
-- Idempotent: (claim_id, kind, dedup) is unique and recording is an
-- upsert on it, so a retried activity records nothing twice (its row keeps
-- the latest attempt's details).
-- dedup names what one event is: the batch ID (837), the archive key of
-- the acknowledgment (TA1, 999, 277CA), remittance/CLP sequence (835), the
-- inquiry's trace (276/277).
CREATE TABLE claim_events (
    id            bigserial PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    claim_id      uuid NOT NULL REFERENCES claims (id),
    kind          text NOT NULL CHECK (kind IN ('837', 'TA1', '999', '277CA', '835', '276/277')),
    dedup         text NOT NULL,
    attempt       int NOT NULL DEFAULT 0,
    -- file_key is the archived file ('' when none: not uploaded yet, or an
    -- event from before this table); response_key the 277 of a 276.
    file_key      text NOT NULL DEFAULT '',
    response_key  text NOT NULL DEFAULT '',
    -- Where the claim is in the file: the 837 set (and the 999's answered
    -- set) by ST02; the 835 by transaction set index and CLP sequence.
    st02          text NOT NULL DEFAULT '',
    set_index     int NOT NULL DEFAULT 0,
    seq           int NOT NULL DEFAULT 0,
    accepted      boolean,
    codes         text[] NOT NULL DEFAULT '{}',
    summary       text NOT NULL DEFAULT '',
    at            timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (claim_id, kind, dedup)
);
CREATE INDEX claim_events_claim ON claim_events (claim_id, at, id);
CREATE INDEX claim_events_org ON claim_events (org_id);

-- Claims in flight at deploy: their events before this migration are
-- copied from the tables that already hold them. 837s from their uploaded
-- batches (a batch not uploaded yet is recorded when it is),
-- 835s from their postings, 276/277s from the inquiries; acknowledgments
-- (TA1, 999, 277CA) were only in workflow history, so they are taken from
-- the claim's status history (kind, time, outcome; no file and no codes:
-- the dashboard shows them without segments).
INSERT INTO claim_events (org_id, claim_id, kind, dedup, attempt, file_key, st02, summary, at)
SELECT c.org_id, bc.claim_id, '837', b.id, bc.attempt, b.file_key, bc.st02,
       'batch ' || b.id || ', ISA13 ' || b.isa13 || ', ST02 ' || bc.st02 || ', attempt ' || bc.attempt,
       b.uploaded_at
FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id JOIN claims c ON c.id = bc.claim_id
WHERE b.uploaded_at IS NOT NULL;

INSERT INTO claim_events (org_id, claim_id, kind, dedup, file_key, set_index, seq, codes, summary, at)
SELECT c.org_id, cp.claim_id, '835', cp.remittance_id::text || '/' || cp.seq, r.file_key, r.transaction_index, cp.seq,
       coalesce((SELECT array_agg(a.group_code || '-' || a.reason ORDER BY a.line, a.n)
                 FROM claim_adjustments a WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq), '{}') || cp.rarcs,
       '835 trace ' || r.trace_number || ': CLP02 ' || cp.status_code || ', paid '
         || to_char(cp.paid_cents / 100.0, 'FM999999999990.00') || ' of ' || to_char(cp.charge_cents / 100.0, 'FM999999999990.00'),
       cp.posted_at
FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id JOIN claims c ON c.id = cp.claim_id;

INSERT INTO claim_events (org_id, claim_id, kind, dedup, attempt, file_key, response_key, codes, summary, at)
SELECT c.org_id, i.claim_id, '276/277', i.trace, i.attempt, i.request_key, i.response_key,
       CASE WHEN i.stc = '' THEN '{}'::text[] ELSE ARRAY[i.stc] END,
       '276 inquiry, trace ' || i.trace || ': ' ||
         CASE WHEN i.stc <> '' THEN '277 STC ' || i.stc WHEN i.note <> '' THEN i.note ELSE 'no answer' END,
       i.sent_at
FROM claim_status_inquiries i JOIN claims c ON c.id = i.claim_id;

INSERT INTO claim_events (org_id, claim_id, kind, dedup, accepted, summary, at)
SELECT c.org_id, h.claim_id, split_part(h.reason, ' ', 1), 'history/' || h.seq,
       split_part(h.reason, ' ', 2) = 'accepted', h.reason, h.at
FROM claim_status_history h JOIN claims c ON c.id = h.claim_id
WHERE h.reason IN ('TA1 accepted', 'TA1 rejected', '999 accepted', '999 rejected', '277CA accepted', '277CA rejected');

-- +goose Down
DROP TABLE claim_events;
