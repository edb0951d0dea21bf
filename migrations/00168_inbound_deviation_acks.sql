-- +goose Up
-- Inbound deviations of acknowledgments (issue 17, "strict outbound,
-- tolerant inbound", completing 00156): a deviation found in a received 999
-- or in the interchange carrying a TA1 concerns every claim the
-- acknowledgment answers, not one, so it is linked to each of them here:
-- a finding inside a 999's AK2 loop to the claims of the acknowledged
-- transaction set (AK202 = the 837's ST02), any other finding of the 999
-- (AK1, AK9, the envelope) to every claim of the acknowledged group
-- (AK102 = our GS06), and a finding of an interchange carrying TA1s to the
-- claims of the interchanges they answer (TA101 = our ISA13). The router
-- resolves the claims through the trading-partner account the file came
-- through, as it routes the acknowledgment itself.
--
-- Tenancy: each link carries its claim's organisation; a deviation is
-- visible to whoever sees one of the organisations it is linked to, so two
-- tenants whose claims one 999 acknowledges each see its group-level
-- deviations on their own claims, and a deviation inside one tenant's
-- transaction set's loop is that tenant's alone. No PHI: the link is IDs.
--
-- Idempotent: one row per (deviation, claim); a retried routing activity
-- adds none.
CREATE TABLE inbound_deviation_claims (
    deviation_id bigint NOT NULL REFERENCES inbound_deviations (id) ON DELETE CASCADE,
    claim_id     uuid NOT NULL REFERENCES claims (id),
    org_id       uuid NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (deviation_id, claim_id)
);
CREATE INDEX inbound_deviation_claims_claim ON inbound_deviation_claims (claim_id);
CREATE INDEX inbound_deviation_claims_org ON inbound_deviation_claims (org_id);

-- +goose StatementBegin
-- The inbound deviations the actor sees with perm: those of a claim or
-- eligibility check in a visible organisation, those of an acknowledgment
-- linked to a claim in a visible organisation, and the remaining ones of an
-- 835 transaction set to whoever sees the remittance posted from it.
CREATE OR REPLACE FUNCTION visible_inbound_deviations(actor uuid, perm text) RETURNS TABLE (deviation_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT d.id FROM inbound_deviations d
    WHERE d.org_id IN (SELECT id FROM visible_orgs(actor, perm))
    UNION ALL
    SELECT l.deviation_id FROM inbound_deviation_claims l
    WHERE l.org_id IN (SELECT id FROM visible_orgs(actor, perm))
    UNION ALL
    SELECT d.id FROM inbound_deviations d
    JOIN remittances r ON r.partner = d.partner AND r.file_key = d.file_key AND r.transaction_index = d.set_index
    WHERE d.org_id IS NULL AND d.transaction_set = '835'
      AND r.id IN (SELECT remittance_id FROM visible_remittances(actor, perm))
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_inbound_deviations(actor uuid, perm text) RETURNS TABLE (deviation_id bigint)
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
DROP TABLE inbound_deviation_claims;
