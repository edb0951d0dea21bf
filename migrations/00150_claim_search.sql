-- +goose Up
-- Search everywhere in the claims worklist (issue 16): by patient name,
-- claim ID, patient control number, payer claim number, member ID and date
-- of service, each through an index (names and member IDs through their
-- keyed blind indexes: PHI is never decrypted to search), and the saved
-- filters of each user.

-- The first name's blind index (domain "patients.first_name"). The store
-- writes it with every patient and fills it for the rows written before
-- this migration (Store.BackfillBlindIndexes, run after the migrations
-- when the keys are loaded); NULL until then.
ALTER TABLE patients ADD COLUMN first_name_bidx bytea;
CREATE INDEX patients_first_name ON patients (first_name_bidx);

-- One index per search path: patient → claims, coverage (member ID) →
-- claims, date of service → encounters → claims (encounter_id is unique,
-- so indexed), payer claim number → claim payments → claims.
CREATE INDEX claims_patient ON claims (patient_id);
CREATE INDEX claims_coverage ON claims (coverage_id);
CREATE INDEX encounters_org_dos ON encounters (org_id, date_of_service);
CREATE INDEX claim_payments_payer_claim_number ON claim_payments (payer_claim_number) WHERE payer_claim_number <> '';

-- +goose StatementBegin
-- What the payer still owes on a claim before its status is considered:
-- charge − payer paid − contractual adjustments (CO amounts of payments
-- that were not denials) − patient responsibility, over every 835 claim
-- payment (a reversal carries negative amounts). The worklist zeroes it
-- for the statuses in which the payer owes nothing and floors it at 0, as
-- rcm.ClaimFacts.PayerBalance does for the A/R (the same sums as
-- DashClaimFacts).
CREATE FUNCTION claim_payer_owed(claim uuid, total bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT total
        - coalesce((SELECT sum(cp.paid_cents + cp.patient_resp_cents) FROM claim_payments cp WHERE cp.claim_id = claim), 0)
        - coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                    JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                    WHERE cp.claim_id = claim AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The claims that match every given search criterion, among the claims the
-- actor sees. Each criterion is one branch that starts from its own index
-- and yields the claims it matches (a NULL parameter matches nothing); a
-- claim matches when all `criteria` given criteria (counted by the caller)
-- yielded it. A branch whose parameter is NULL folds to an empty one when
-- the statement is planned with its values (no scan at all), hence the
-- IS NOT NULL guards where `= ANY (NULL)` would not fold:
--   1 claim ID; 2 patient control number; 3 payer claim number (any 835
--   claim payment of the claim); 4 member ID (blind index); 5 first name and
--   6 last name (blind indexes); 7 date of service in [dos_from, dos_to];
--   8 a search box query q with its meanings: a patient control number or a
--   payer claim number (exact), its blind index as a member ID (q_member),
--   as a last name (q_last) or first name (q_first), as first and last name
--   pairs (q_pair_first[i] with q_pair_last[i]: "Alpha Testpatient",
--   "Testpatient, Alpha"), or a date of service (q_dos).
CREATE FUNCTION dash_search(actor uuid, perm text, s_criteria int,
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

-- The worklist filter of 00149 with the search (dash_search) when any
-- criterion is given. The matching claim IDs are computed once (an
-- InitPlan) and looked up through the claims primary key: a condition
-- `criteria = 0 OR c.id IN (subquery)` would not become a join, and would
-- test every visible claim.
DROP FUNCTION dash_claims(uuid, text, uuid, uuid, timestamptz, timestamptz, bigint, bigint);
-- +goose StatementBegin
CREATE FUNCTION dash_claims(actor uuid, perm text, payer uuid, provider uuid,
                            created_from timestamptz, created_to timestamptz, min_cents bigint, max_cents bigint,
                            s_criteria int, s_claim uuid, s_pcn text, s_payer_claim text, s_member bytea, s_first_name bytea, s_last_name bytea,
                            s_dos_from date, s_dos_to date,
                            s_q text, s_q_member bytea, s_q_last bytea[], s_q_first bytea[], s_q_pair_first bytea[], s_q_pair_last bytea[], s_q_dos date)
RETURNS SETOF claims
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.*
    FROM claims c
    WHERE c.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
      AND (payer IS NULL OR c.payer_id = payer)
      AND (provider IS NULL OR c.provider_id = provider)
      AND (created_from IS NULL OR c.created_at >= created_from)
      AND (created_to IS NULL OR c.created_at < created_to)
      AND (min_cents IS NULL OR c.total_cents >= min_cents)
      AND (max_cents IS NULL OR c.total_cents <= max_cents)
      AND (s_criteria = 0 OR c.id = ANY (ARRAY(
          SELECT s.claim_id FROM dash_search(actor, perm, s_criteria, s_claim, s_pcn, s_payer_claim, s_member, s_first_name, s_last_name,
                                             s_dos_from, s_dos_to, s_q, s_q_member, s_q_last, s_q_first, s_q_pair_first, s_q_pair_last, s_q_dos) AS s)))
$$;
-- +goose StatementEnd

-- A user's saved worklist filters: a name and the worklist's query string.
-- org_id is the user's own organisation (their tenant) when it was saved;
-- only the user reads or deletes them.
CREATE TABLE saved_filters (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    query       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_filters_user ON saved_filters (user_id, id);

-- +goose Down
DROP TABLE saved_filters;
DROP FUNCTION dash_claims(uuid, text, uuid, uuid, timestamptz, timestamptz, bigint, bigint,
                          int, uuid, text, text, bytea, bytea, bytea, date, date, text, bytea, bytea[], bytea[], bytea[], bytea[], date);
-- +goose StatementBegin
CREATE FUNCTION dash_claims(actor uuid, perm text, payer uuid, provider uuid,
                            created_from timestamptz, created_to timestamptz, min_cents bigint, max_cents bigint)
RETURNS SETOF claims
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.*
    FROM claims c
    WHERE c.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
      AND (payer IS NULL OR c.payer_id = payer)
      AND (provider IS NULL OR c.provider_id = provider)
      AND (created_from IS NULL OR c.created_at >= created_from)
      AND (created_to IS NULL OR c.created_at < created_to)
      AND (min_cents IS NULL OR c.total_cents >= min_cents)
      AND (max_cents IS NULL OR c.total_cents <= max_cents)
$$;
-- +goose StatementEnd
DROP FUNCTION dash_search(uuid, text, int, uuid, text, text, bytea, bytea, bytea, date, date, text, bytea, bytea[], bytea[], bytea[], bytea[], date);
DROP FUNCTION claim_payer_owed(uuid, bigint);
DROP INDEX claim_payments_payer_claim_number;
DROP INDEX encounters_org_dos;
DROP INDEX claims_coverage;
DROP INDEX claims_patient;
DROP INDEX patients_first_name;
ALTER TABLE patients DROP COLUMN first_name_bidx;
