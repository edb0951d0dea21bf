-- +goose Up
-- Indexes the dashboard needs at production size (issue 20), each found by
-- TestScaleData's EXPLAIN of every dashboard statement on generated data.

-- A claim's patient statements (their IDs start with the claim ID): the
-- A/R's patient balances look them up per claim.
CREATE INDEX patient_statements_claim ON patient_statements (left(id, 36));

-- The worklist filtered by payer or provider: each organisation's claims
-- of that payer or provider (claims_org_status read every claim of the
-- organisation and filtered them; at 50,000 claims a tenant, 455 ms of
-- SQL became 335 ms with this index under the same load, the rest is
-- reading the matching rows to sort them). Created in a range: by
-- organisation and creation time.
CREATE INDEX claims_org_payer ON claims (org_id, payer_id, id);
CREATE INDEX claims_org_provider ON claims (org_id, provider_id, id);
CREATE INDEX claims_org_created ON claims (org_id, created_at);

-- Claim payments that matched no claim (org_id NULL) belong to the
-- organisations billing through the remittance's account
-- (claim_payment_owners, 00120): the remittance view, the work queue and
-- their versions find them through this small index instead of reading
-- every claim payment, and the remittances of an account through
-- remittances_partner.
CREATE INDEX claim_payments_unmatched ON claim_payments (remittance_id) WHERE org_id IS NULL;
CREATE INDEX remittances_partner ON remittances (partner, id);

-- Names are blind-indexed under one key for every tenant, so a common
-- name matches patients of all of them: dash_search's name branches (first
-- name, last name, and the search box's name meanings) now keep the
-- caller's patients before joining to their claims, through
-- patients_org_first_name and patients_org_last_name, instead of joining
-- every tenant's namesakes to their claims and discarding them after.
-- The result is unchanged (the worklist scoped the claims already).
CREATE INDEX patients_org_first_name ON patients (first_name_bidx, org_id);
CREATE INDEX patients_org_last_name ON patients (last_name_bidx, org_id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dash_search(actor uuid, perm text, s_criteria int,
                            s_claim uuid, s_pcn text, s_payer_claim text, s_member bytea, s_first_name bytea, s_last_name bytea,
                            s_dos_from date, s_dos_to date,
                            s_q text, s_q_member bytea, s_q_last bytea[], s_q_first bytea[], s_q_pair_first bytea[], s_q_pair_last bytea[], s_q_dos date)
RETURNS TABLE (claim_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.claim_id FROM (
        SELECT 1 AS k, c.id AS claim_id FROM claims c WHERE c.id = s_claim
        UNION ALL
        SELECT 2, c.id FROM claims c WHERE c.patient_control_number = s_pcn
        UNION ALL
        SELECT 3, cp.claim_id FROM claim_payments cp WHERE cp.payer_claim_number = s_payer_claim AND cp.payer_claim_number <> '' AND cp.claim_id IS NOT NULL
        UNION ALL
        SELECT 4, c.id FROM coverages cv JOIN claims c ON c.coverage_id = cv.id WHERE cv.member_id_bidx = s_member
        UNION ALL
        SELECT 5, c.id FROM patients p JOIN claims c ON c.patient_id = p.id WHERE p.first_name_bidx = s_first_name AND p.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
        UNION ALL
        SELECT 6, c.id FROM patients p JOIN claims c ON c.patient_id = p.id WHERE p.last_name_bidx = s_last_name AND p.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
        UNION ALL
        SELECT 7, c.id FROM encounters e JOIN claims c ON c.encounter_id = e.id
        WHERE (s_dos_from IS NOT NULL OR s_dos_to IS NOT NULL)
          AND e.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
          AND e.date_of_service >= coalesce(s_dos_from, '-infinity'::date) AND e.date_of_service <= coalesce(s_dos_to, 'infinity'::date)
        UNION ALL
        SELECT 8, c.id FROM claims c WHERE c.patient_control_number = s_q
        UNION ALL
        SELECT 8, cp.claim_id FROM claim_payments cp WHERE cp.payer_claim_number = s_q AND cp.payer_claim_number <> '' AND cp.claim_id IS NOT NULL
        UNION ALL
        SELECT 8, c.id FROM coverages cv JOIN claims c ON c.coverage_id = cv.id WHERE cv.member_id_bidx = s_q_member
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_last IS NOT NULL AND p.last_name_bidx = ANY (s_q_last) AND p.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_first IS NOT NULL AND p.first_name_bidx = ANY (s_q_first) AND p.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_pair_last IS NOT NULL AND p.last_name_bidx = ANY (s_q_pair_last) AND p.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
          AND EXISTS (SELECT 1 FROM unnest(s_q_pair_first, s_q_pair_last) AS n (f, l)
                      WHERE n.f = p.first_name_bidx AND n.l = p.last_name_bidx)
        UNION ALL
        SELECT 8, c.id FROM encounters e JOIN claims c ON c.encounter_id = e.id
        WHERE e.date_of_service = s_q_dos AND e.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    ) m
    GROUP BY m.claim_id
    HAVING count(DISTINCT m.k) = s_criteria
$$;
-- +goose StatementEnd

-- visible_remittances (00141) read the owner views of 00120, whose
-- branches for unmatched claim payments and empty remittances joined every
-- claim payment and remittance of every tenant (2.7 s at 1,000,000
-- claims). The same owners, found from the caller's side: claim payments
-- of the visible organisations (claim_payments_org), and the remittances
-- of the accounts they bill through (remittances_partner) that carry an
-- unmatched claim payment (claim_payments_unmatched) or none at all.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_remittances(actor uuid, perm text) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cp.remittance_id FROM claim_payments cp
    WHERE cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    UNION ALL
    SELECT r.id FROM remittances r
    WHERE r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                        WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id)))
      -- Lookups per remittance (LIMIT 1): EXISTS may be planned as one
      -- hashed scan of every claim payment.
      AND ((SELECT true FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IS NULL LIMIT 1)
           OR (SELECT true FROM claim_payments cp WHERE cp.remittance_id = r.id LIMIT 1) IS NULL)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_remittances(actor uuid, perm text) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.remittance_id FROM remittance_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dash_search(actor uuid, perm text, s_criteria int,
                            s_claim uuid, s_pcn text, s_payer_claim text, s_member bytea, s_first_name bytea, s_last_name bytea,
                            s_dos_from date, s_dos_to date,
                            s_q text, s_q_member bytea, s_q_last bytea[], s_q_first bytea[], s_q_pair_first bytea[], s_q_pair_last bytea[], s_q_dos date)
RETURNS TABLE (claim_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.claim_id FROM (
        SELECT 1 AS k, c.id AS claim_id FROM claims c WHERE c.id = s_claim
        UNION ALL
        SELECT 2, c.id FROM claims c WHERE c.patient_control_number = s_pcn
        UNION ALL
        SELECT 3, cp.claim_id FROM claim_payments cp WHERE cp.payer_claim_number = s_payer_claim AND cp.payer_claim_number <> '' AND cp.claim_id IS NOT NULL
        UNION ALL
        SELECT 4, c.id FROM coverages cv JOIN claims c ON c.coverage_id = cv.id WHERE cv.member_id_bidx = s_member
        UNION ALL
        SELECT 5, c.id FROM patients p JOIN claims c ON c.patient_id = p.id WHERE p.first_name_bidx = s_first_name
        UNION ALL
        SELECT 6, c.id FROM patients p JOIN claims c ON c.patient_id = p.id WHERE p.last_name_bidx = s_last_name
        UNION ALL
        SELECT 7, c.id FROM encounters e JOIN claims c ON c.encounter_id = e.id
        WHERE (s_dos_from IS NOT NULL OR s_dos_to IS NOT NULL)
          AND e.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
          AND e.date_of_service >= coalesce(s_dos_from, '-infinity'::date) AND e.date_of_service <= coalesce(s_dos_to, 'infinity'::date)
        UNION ALL
        SELECT 8, c.id FROM claims c WHERE c.patient_control_number = s_q
        UNION ALL
        SELECT 8, cp.claim_id FROM claim_payments cp WHERE cp.payer_claim_number = s_q AND cp.payer_claim_number <> '' AND cp.claim_id IS NOT NULL
        UNION ALL
        SELECT 8, c.id FROM coverages cv JOIN claims c ON c.coverage_id = cv.id WHERE cv.member_id_bidx = s_q_member
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_last IS NOT NULL AND p.last_name_bidx = ANY (s_q_last)
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_first IS NOT NULL AND p.first_name_bidx = ANY (s_q_first)
        UNION ALL
        SELECT 8, c.id FROM patients p JOIN claims c ON c.patient_id = p.id
        WHERE s_q_pair_last IS NOT NULL AND p.last_name_bidx = ANY (s_q_pair_last)
          AND EXISTS (SELECT 1 FROM unnest(s_q_pair_first, s_q_pair_last) AS n (f, l)
                      WHERE n.f = p.first_name_bidx AND n.l = p.last_name_bidx)
        UNION ALL
        SELECT 8, c.id FROM encounters e JOIN claims c ON c.encounter_id = e.id
        WHERE e.date_of_service = s_q_dos AND e.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    ) m
    GROUP BY m.claim_id
    HAVING count(DISTINCT m.k) = s_criteria
$$;
-- +goose StatementEnd
DROP INDEX patients_org_last_name;
DROP INDEX patients_org_first_name;
DROP INDEX remittances_partner;
DROP INDEX claim_payments_unmatched;
DROP INDEX claims_org_created;
DROP INDEX claims_org_provider;
DROP INDEX claims_org_payer;
DROP INDEX patient_statements_claim;
