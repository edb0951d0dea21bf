-- +goose Up
-- Inbound deviations (issue 17, "strict outbound, tolerant inbound"): an
-- inbound 835, 277CA, 271 or 999 is routed and posted when its deviations
-- from the implementation guide leave its meaning intact; each deviation
-- the router's tolerant SNIP check finds is recorded here, so staff see it
-- on the claim and the remittance it concerns.
--
-- Nothing here is PHI: the archive key (a content hash), the trading-partner
-- account, control numbers, positions (segment, element, component,
-- repetition), the 999 code and a description written from the code and the
-- guide's rule, never from the file's values.
--
-- Idempotent: one row per (account, file, segment position, element,
-- component, repetition, acknowledgment kind, code); recording is an insert
-- that ignores a row already there, so a retried routing activity writes
-- no duplicates.
--
-- Tenancy as in 00120 and 00141: a deviation inside a claim's part of the
-- file (an 835 CLP loop, a 277CA claim, a 271 subscriber) carries the
-- organisation of the claim or eligibility check the router resolved it to
-- through the account the file came through (claim_id or
-- eligibility_trace, and org_id). A deviation of an 835 outside any matched
-- claim (the header, the payer and payee, PLB, or a CLP that matched no
-- claim) belongs to the remittance posted from that transaction set
-- (remittances.partner, file_key, transaction_index) and is seen by whoever
-- sees that remittance. Anything else (a 999's or a TA1's deviations, a
-- set that matched nothing) is recorded for the system and shown to no
-- tenant. visible_inbound_deviations is that rule, written once.
CREATE TABLE inbound_deviations (
    id                 bigserial PRIMARY KEY,
    partner            text NOT NULL,
    file_key           text NOT NULL,
    -- The transaction set in the file, counted from 0 across the whole file
    -- as the router numbers them (remittances.transaction_index); -1 for an
    -- interchange or group finding.
    set_index          int NOT NULL,
    transaction_set    text NOT NULL DEFAULT '', -- ST01
    st02               text NOT NULL DEFAULT '',
    -- Where: the segment's position in the file (ISA = 1) and in its set
    -- (ST = 1, 0 outside one), its ID and loop, element, component and
    -- repetition (0 when the finding is about the whole segment).
    seg_index          int NOT NULL,
    seg_pos            int NOT NULL DEFAULT 0,
    seg_id             text NOT NULL DEFAULT '',
    loop_id            text NOT NULL DEFAULT '',
    elem               int NOT NULL DEFAULT 0,
    comp               int NOT NULL DEFAULT 0,
    rep                int NOT NULL DEFAULT 0,
    snip_level         int NOT NULL CHECK (snip_level BETWEEN 1 AND 5),
    ack_kind           text NOT NULL CHECK (ack_kind IN ('TA1', 'AK9', 'IK5', 'IK3', 'IK4')),
    code               text NOT NULL,
    severity           text NOT NULL CHECK (severity IN ('warning', 'error')),
    description        text NOT NULL,
    -- What it concerns, where the router could tell: the 835 CLP position
    -- (claim_payments.seq, 0 outside a CLP loop), the claim, the
    -- eligibility check, and the organisation of either.
    clp_seq            int NOT NULL DEFAULT 0,
    claim_id           uuid REFERENCES claims (id),
    eligibility_trace  text REFERENCES eligibility_checks (trace_number),
    org_id             uuid REFERENCES orgs (id),
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inbound_deviations_owner CHECK ((claim_id IS NULL AND eligibility_trace IS NULL) OR org_id IS NOT NULL),
    CONSTRAINT inbound_deviations_once UNIQUE (partner, file_key, seg_index, elem, comp, rep, ack_kind, code)
);
CREATE INDEX inbound_deviations_set ON inbound_deviations (file_key, set_index);
CREATE INDEX inbound_deviations_claim ON inbound_deviations (claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX inbound_deviations_org ON inbound_deviations (org_id) WHERE org_id IS NOT NULL;

-- +goose StatementBegin
-- The inbound deviations the actor sees with perm: those of a claim or
-- eligibility check in a visible organisation, and the remaining ones of an
-- 835 transaction set to whoever sees the remittance posted from it.
CREATE FUNCTION visible_inbound_deviations(actor uuid, perm text) RETURNS TABLE (deviation_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT d.id FROM inbound_deviations d
    WHERE d.org_id IN (SELECT id FROM visible_orgs(actor, perm))
    UNION ALL
    SELECT d.id FROM inbound_deviations d
    JOIN remittances r ON r.partner = d.partner AND r.file_key = d.file_key AND r.transaction_index = d.set_index
    WHERE d.org_id IS NULL AND d.transaction_set = '835'
      AND r.id IN (SELECT remittance_id FROM visible_remittances(actor, perm))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION visible_inbound_deviations(uuid, text);
DROP TABLE inbound_deviations;
