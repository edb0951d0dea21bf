-- +goose Up
-- Indexes the dashboard needs at production size (issue 20), each found by
-- TestScaleData's EXPLAIN of every dashboard statement on generated data.

-- A claim's patient statements (their IDs start with the claim ID): the
-- A/R's patient balances look them up per claim.
CREATE INDEX patient_statements_claim ON patient_statements (left(id, 36));

-- The worklist filtered by payer or provider, newest first: the IDs are
-- per tenant, so each index reads one tenant's claims of that payer or
-- provider in ID order and stops at the page (claims_org_status served
-- only the organisation, then sorted every claim of the payer). Created
-- in a range: by organisation and creation time.
CREATE INDEX claims_payer ON claims (payer_id, id);
CREATE INDEX claims_provider ON claims (provider_id, id);
CREATE INDEX claims_org_created ON claims (org_id, created_at);

-- Claim payments that matched no claim (org_id NULL) belong to the
-- organisations billing through the remittance's account
-- (claim_payment_owners, 00120): the remittance view, the work queue and
-- their versions find them through this small index instead of reading
-- every claim payment, and the remittances of an account through
-- remittances_partner.
CREATE INDEX claim_payments_unmatched ON claim_payments (remittance_id) WHERE org_id IS NULL;
CREATE INDEX remittances_partner ON remittances (partner, id);

-- +goose Down
DROP INDEX remittances_partner;
DROP INDEX claim_payments_unmatched;
DROP INDEX claims_org_created;
DROP INDEX claims_provider;
DROP INDEX claims_payer;
DROP INDEX patient_statements_claim;
