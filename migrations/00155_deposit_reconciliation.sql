-- +goose Up
-- Deposits are the one source of truth of EFT reconciliation (issue 16,
-- follow-up of 00152).
--
-- 1. deposit_matches holds every match, whether the deposit's reference
--    found the 835 (when the deposit was entered, or when the 835 was
--    posted after it; matched_by NULL) or staff matched it by hand. One
--    835 is matched to at most one deposit: the bank pays one 835 once.
-- 2. remittances.eft_reconciled says that the 835's deposit adds up to
--    its 835s; the store writes it whenever a deposit's matches change
--    and when the 835 is posted, and resolves or reopens the 835's
--    eft_unreconciled work item with it (resolution deposit_matched).
-- 3. eft_deposits, which nothing but a test ever wrote, is dropped.

-- Matches by reference of the deposits not matched by hand, the oldest
-- deposit first; hand matches made twice keep the first.
DELETE FROM deposit_matches m
WHERE EXISTS (SELECT 1 FROM deposit_matches o WHERE o.remittance_id = m.remittance_id
              AND (o.matched_at, o.deposit_id) < (m.matched_at, m.deposit_id));
INSERT INTO deposit_matches (deposit_id, remittance_id, matched_at)
SELECT DISTINCT ON (r.id) d.id, r.id, d.created_at
FROM deposits d JOIN remittances r ON deposit_trace_norm(r.trace_number) = d.reference_norm
WHERE NOT d.manual
  AND r.id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
  AND NOT EXISTS (SELECT 1 FROM deposit_matches m WHERE m.remittance_id = r.id)
ORDER BY r.id, d.created_at, d.id;

ALTER TABLE deposit_matches ADD CONSTRAINT deposit_matches_one_deposit UNIQUE (remittance_id);

-- +goose StatementBegin
-- The 835s a deposit is matched to, among those its organisation owns a
-- part of.
CREATE OR REPLACE FUNCTION deposit_remittances(dep uuid) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.remittance_id FROM deposits d JOIN deposit_matches m ON m.deposit_id = d.id
    WHERE d.id = dep
      AND m.remittance_id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Whether the remittance's deposit adds up to the deposit's 835s (the
-- organisation's share of each, as the deposit list shows them).
CREATE FUNCTION remittance_deposit_reconciled(rid uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM deposit_matches m JOIN deposits d ON d.id = m.deposit_id
        WHERE m.remittance_id = rid
          AND rid IN (SELECT dr.remittance_id FROM deposit_remittances(d.id) AS dr (remittance_id))
          AND d.amount_cents = (SELECT sum(remittance_share_cents(dr.remittance_id, d.org_id))
                                FROM deposit_remittances(d.id) AS dr (remittance_id)))
$$;
-- +goose StatementEnd

ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_resolution_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_resolution_check
    CHECK (resolution IN ('posted_manually', 'refund_requested', 'written_off', 'not_ours', 'deposit_matched'));

-- Reconciled from the deposits alone, with the work queue to match.
UPDATE remittances SET eft_reconciled = remittance_deposit_reconciled(id);
UPDATE remit_work_queue q
SET status = 'resolved', resolution = 'deposit_matched', resolution_note = 'matched to a bank deposit', resolved_at = now()
FROM remittances r
WHERE r.id = q.remittance_id AND r.eft_reconciled AND q.kind = 'eft_unreconciled' AND q.seq = 0 AND q.status = 'open';
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
SELECT r.id, 0, 'eft_unreconciled', 'no deposit with this trace number and amount yet'
FROM remittances r WHERE NOT r.eft_reconciled AND r.paid_cents > 0
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;

DROP TABLE eft_deposits;

-- +goose Down
CREATE TABLE eft_deposits (
    trace_number   text PRIMARY KEY,
    amount_cents   bigint NOT NULL,
    deposited_on   date NOT NULL,
    remittance_id  uuid REFERENCES remittances (id)
);
UPDATE remit_work_queue SET resolution = NULL WHERE resolution = 'deposit_matched';
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_resolution_check;
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_resolution_check
    CHECK (resolution IN ('posted_manually', 'refund_requested', 'written_off', 'not_ours'));
DROP FUNCTION remittance_deposit_reconciled(uuid);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION deposit_remittances(dep uuid) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.id FROM deposits d JOIN remittances r
      ON (NOT d.manual AND deposit_trace_norm(r.trace_number) = d.reference_norm)
      OR (d.manual AND r.id IN (SELECT m.remittance_id FROM deposit_matches m WHERE m.deposit_id = d.id))
    WHERE d.id = dep
      AND r.id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
$$;
-- +goose StatementEnd
ALTER TABLE deposit_matches DROP CONSTRAINT deposit_matches_one_deposit;
