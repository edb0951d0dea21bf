-- Search in the claims worklist (store/search.go): the sorted, searched
-- list, the saved filters of a user, and the first-name blind index.
-- Scoped as store/dashboard.sql is: dash_claims (migrations/00150) keeps
-- the claims of the organisations where user $actor holds $perm.

-- name: DashClaimsSorted :many
-- One page of the worklist under a sort: sort_key is the row's key as
-- text (dates as YYYY-MM-DD, balances zero-padded, payer names
-- lower-cased), '' for created (the claim ID alone orders it), and the
-- page continues after (after_key, after_id) in the sort's direction; the
-- order and the comparison use the same (the database's) collation.
-- balance_cents is rcm.ClaimFacts.PayerBalance: claim_payer_owed floored
-- at 0, and 0 in the statuses where the payer owes nothing; it and the date
-- of service are read from the claim (payer_owed_cents and
-- date_of_service, kept by the triggers of 00165).
-- Each tenant the caller sees (t: the roots of its visible organisations,
-- usually one) is asked for one page in the sort's order (y), and the
-- tenants' pages are merged (the outer ORDER BY and LIMIT): a claim's
-- tenant_id is the root of its organisation (00171), so every visible
-- claim is in exactly one tenant's page. With @sort and @descending known
-- when the statement is planned (the store plans it with its values), the
-- CASEs fold to one order, which for created, date of service and status
-- is an index's (claims_tenant_id, claims_tenant_dos,
-- claims_tenant_status, and for the balance claims_tenant_balance, 00174:
-- (tenant_id, key, id)) with the tenant fixed, so a
-- tenant's page stops after @row_limit matching rows; dash_claims keeps
-- the caller's organisations of the tenant and the filters. After a
-- cursor, the same condition as the key order is repeated as a row
-- comparison for those sorts (the index's range; the key is never NULL
-- there). The payer sort still sorts the tenant's matching claims. The
-- balance's key is claim_balance_key (its closed statuses are
-- rcm.PayerClosedStatuses, a fixed list); balance_cents still takes
-- @closed.
WITH t AS (
    SELECT DISTINCT r.id
    FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)
    JOIN orgs o ON o.id = v.id
    JOIN orgs r ON r.path = subpath(o.path, 0, 1)
),
x AS (
    SELECT y.* FROM t CROSS JOIN LATERAL (
        SELECT c.id, c.org_id, c.status, c.payer_id, p.name AS payer_name, c.provider_id,
               trim(pr.first_name || ' ' || pr.last_name)::text AS provider_name,
               c.patient_control_number, c.total_cents, c.paid_cents, c.attempt, c.created_at, c.updated_at, c.patient_id,
               c.payer_owed_cents, to_char(c.date_of_service, 'YYYY-MM-DD')::text AS date_of_service,
               (CASE @sort::text
                    WHEN 'dos' THEN claim_dos_key(c.date_of_service)
                    WHEN 'payer' THEN lower(p.name)
                    WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                    WHEN 'status' THEN c.status
                    ELSE '' END) AS sort_key
        FROM dash_claims(sqlc.narg(actor)::uuid, @perm::text, sqlc.narg(payer_id)::uuid, sqlc.narg(provider_id)::uuid,
                         sqlc.narg(created_from)::timestamptz, sqlc.narg(created_to)::timestamptz,
                         sqlc.narg(min_cents)::bigint, sqlc.narg(max_cents)::bigint,
                         @criteria::int, sqlc.narg(claim_id)::uuid, sqlc.narg(pcn)::text, sqlc.narg(payer_claim)::text,
                         sqlc.narg(member)::bytea, sqlc.narg(first_name)::bytea, sqlc.narg(last_name)::bytea,
                         sqlc.narg(dos_from)::date, sqlc.narg(dos_to)::date,
                         sqlc.narg(q)::text, sqlc.narg(q_member)::bytea, sqlc.narg(q_last)::bytea[], sqlc.narg(q_first)::bytea[],
                         sqlc.narg(q_pair_first)::bytea[], sqlc.narg(q_pair_last)::bytea[], sqlc.narg(q_dos)::date) AS c
        JOIN payers p ON p.id = c.payer_id
        JOIN providers pr ON pr.id = c.provider_id
        WHERE c.tenant_id = t.id
          AND (sqlc.narg(statuses)::text IS NULL OR c.status = ANY (string_to_array(sqlc.narg(statuses)::text, ',')))
          AND (sqlc.narg(after_id)::uuid IS NULL
               OR (@descending::boolean
                   AND ((CASE @sort::text WHEN 'dos' THEN claim_dos_key(c.date_of_service) WHEN 'payer' THEN lower(p.name)
                             WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                             WHEN 'status' THEN c.status ELSE '' END) < @after_key::text
                        OR ((CASE @sort::text WHEN 'dos' THEN claim_dos_key(c.date_of_service) WHEN 'payer' THEN lower(p.name)
                                 WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                                 WHEN 'status' THEN c.status ELSE '' END) = @after_key::text
                            AND c.id < sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'dos' OR (claim_dos_key(c.date_of_service), c.id) < (@after_key::text, sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'status' OR (c.status, c.id) < (@after_key::text, sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'balance'
                        OR (claim_balance_key(c.status, c.payer_owed_cents), c.id) < (@after_key::text, sqlc.narg(after_id)::uuid)))
               OR (NOT @descending::boolean
                   AND ((CASE @sort::text WHEN 'dos' THEN claim_dos_key(c.date_of_service) WHEN 'payer' THEN lower(p.name)
                             WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                             WHEN 'status' THEN c.status ELSE '' END) > @after_key::text
                        OR ((CASE @sort::text WHEN 'dos' THEN claim_dos_key(c.date_of_service) WHEN 'payer' THEN lower(p.name)
                                 WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                                 WHEN 'status' THEN c.status ELSE '' END) = @after_key::text
                            AND c.id > sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'dos' OR (claim_dos_key(c.date_of_service), c.id) > (@after_key::text, sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'status' OR (c.status, c.id) > (@after_key::text, sqlc.narg(after_id)::uuid))
                   AND (@sort::text <> 'balance'
                        OR (claim_balance_key(c.status, c.payer_owed_cents), c.id) > (@after_key::text, sqlc.narg(after_id)::uuid))))
        ORDER BY CASE WHEN @descending::boolean AND @sort::text = 'dos' THEN claim_dos_key(c.date_of_service) END DESC,
                 CASE WHEN @descending::boolean AND @sort::text = 'status' THEN c.status END DESC,
                 CASE WHEN @descending::boolean AND @sort::text = 'payer' THEN lower(p.name) END DESC,
                 CASE WHEN @descending::boolean AND @sort::text = 'balance'
                      THEN claim_balance_key(c.status, c.payer_owed_cents) END DESC,
                 CASE WHEN @descending::boolean THEN c.id END DESC,
                 CASE WHEN NOT @descending::boolean AND @sort::text = 'dos' THEN claim_dos_key(c.date_of_service) END,
                 CASE WHEN NOT @descending::boolean AND @sort::text = 'status' THEN c.status END,
                 CASE WHEN NOT @descending::boolean AND @sort::text = 'payer' THEN lower(p.name) END,
                 CASE WHEN NOT @descending::boolean AND @sort::text = 'balance'
                      THEN claim_balance_key(c.status, c.payer_owed_cents) END,
                 CASE WHEN NOT @descending::boolean THEN c.id END
        LIMIT @row_limit
    ) AS y
)
SELECT x.id::text AS id, x.org_id::text AS org_id, x.status, x.payer_id::text AS payer_id, x.payer_name,
       x.provider_id::text AS provider_id, x.provider_name, x.patient_control_number, x.total_cents, x.paid_cents,
       x.attempt, x.created_at, x.updated_at, x.patient_id::text AS patient_id, x.date_of_service,
       (CASE WHEN x.status = ANY (@closed::text[]) THEN 0
             ELSE greatest(0, x.payer_owed_cents) END)::bigint AS balance_cents,
       x.sort_key::text AS sort_key
FROM x
ORDER BY CASE WHEN @descending::boolean THEN x.sort_key END DESC,
         CASE WHEN @descending::boolean THEN x.id END DESC,
         CASE WHEN NOT @descending::boolean THEN x.sort_key END,
         CASE WHEN NOT @descending::boolean THEN x.id END
LIMIT @row_limit;

-- The search resolved first (store/search.go, searchClaimIDs): each given
-- criterion's claims through its own index, in one small statement each,
-- scoped as dash_search scopes them
-- (names by the patient's organisation, dates of service by the
-- encounter's) and by the claim's organisation as dash_claims scopes the
-- list; at most @row_limit claims each. Small enough to plan in a fraction
-- of a millisecond, and their generic plans are the custom ones (one index
-- each). The search box's meanings (dash_search's criterion 8) are the
-- same statements, one per meaning given, their claims united. The store
-- intersects the criteria's claims and reads the page by ID
-- (DashClaimsByIDs).

-- name: SearchClaimsByControlNumber :many
SELECT c.id::text AS id FROM claims c
WHERE c.patient_control_number = @pcn::text
  AND c.org_id = ANY (ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)))
LIMIT @row_limit;

-- name: SearchClaimsByPayerClaimNumber :many
-- Any 835 claim payment of the claim.
SELECT DISTINCT c.id::text AS id FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
WHERE cp.payer_claim_number = @payer_claim::text AND cp.payer_claim_number <> ''
  AND c.org_id = ANY (ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)))
LIMIT @row_limit;

-- name: SearchClaimsByMemberID :many
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)) AS orgs)
SELECT c.id::text AS id FROM v, coverages cv
CROSS JOIN LATERAL (SELECT c.id FROM claims c WHERE c.coverage_id = cv.id AND c.org_id = ANY (v.orgs) OFFSET 0) AS c
WHERE cv.member_id_bidx = @member::bytea
LIMIT @row_limit;

-- name: SearchClaimsByFirstName :many
-- Patients with any of the first names' blind indexes, then each one's
-- claims: each name, then each patient, looked up through its index in a
-- nested loop (LATERAL, kept apart by OFFSET 0). Joined freely, the
-- planner hashed a scan of every claim under the LIMIT, and a generic
-- plan (which takes an array parameter for 10 names, each as common as
-- the column's average) scanned every patient.
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)) AS orgs)
SELECT c.id::text AS id FROM v, unnest(@names::bytea[]) AS n (name)
CROSS JOIN LATERAL (SELECT p.id FROM patients p WHERE p.first_name_bidx = n.name AND p.org_id = ANY (v.orgs) OFFSET 0) AS p
CROSS JOIN LATERAL (SELECT c.id FROM claims c WHERE c.patient_id = p.id AND c.org_id = ANY (v.orgs) OFFSET 0) AS c
LIMIT @row_limit;

-- name: SearchClaimsByLastName :many
-- Patients with any of the last names' blind indexes, then their claims
-- (as SearchClaimsByFirstName).
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)) AS orgs)
SELECT c.id::text AS id FROM v, unnest(@names::bytea[]) AS n (name)
CROSS JOIN LATERAL (SELECT p.id FROM patients p WHERE p.last_name_bidx = n.name AND p.org_id = ANY (v.orgs) OFFSET 0) AS p
CROSS JOIN LATERAL (SELECT c.id FROM claims c WHERE c.patient_id = p.id AND c.org_id = ANY (v.orgs) OFFSET 0) AS c
LIMIT @row_limit;

-- name: SearchClaimsByNamePair :many
-- Patients named first[i] and last[i] for some i (the search box's
-- "First Last" and "Last, First"), then their claims (as
-- SearchClaimsByFirstName; a patient matching two pairs is listed twice).
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)) AS orgs)
SELECT c.id::text AS id FROM v, ROWS FROM (unnest(@first::bytea[]), unnest(@last::bytea[])) AS n (first, last)
CROSS JOIN LATERAL (SELECT p.id FROM patients p
                    WHERE p.last_name_bidx = n.last AND p.first_name_bidx = n.first AND p.org_id = ANY (v.orgs) OFFSET 0) AS p
CROSS JOIN LATERAL (SELECT c.id FROM claims c WHERE c.patient_id = p.id AND c.org_id = ANY (v.orgs) OFFSET 0) AS c
LIMIT @row_limit;

-- name: SearchClaimsByDOS :many
-- Dates of service in [dos_from, dos_to] (either may be open): the
-- encounters, then each one's claim.
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)) AS orgs)
SELECT c.id::text AS id FROM v, encounters e
CROSS JOIN LATERAL (SELECT c.id FROM claims c WHERE c.encounter_id = e.id AND c.org_id = ANY (v.orgs) OFFSET 0) AS c
WHERE e.org_id = ANY (v.orgs)
  AND e.date_of_service >= coalesce(sqlc.narg(dos_from)::date, '-infinity'::date)
  AND e.date_of_service <= coalesce(sqlc.narg(dos_to)::date, 'infinity'::date)
LIMIT @row_limit;

-- name: SearchPatientsByFirstName :many
-- The visible patients with the first name's blind index (a first-name
-- search that matches more claims than the store reads by ID: the page is
-- then read in the tenant's claim order among these patients,
-- store/search_pageids.go), at most @row_limit.
SELECT p.id::text AS id FROM patients p
WHERE p.first_name_bidx = @name::bytea
  AND p.org_id = ANY (ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)))
LIMIT @row_limit;

-- name: DashClaimsByIDs :many
-- One page of the worklist among the claims @ids (a search's, resolved
-- above), with DashClaimsSorted's filters, scope, sort keys, cursor and
-- order: the claims are read by primary key and sorted, so the plan is the
-- same whatever the sort (a generic plan serves every request). The date
-- of service's key is claim_dos_key's expression (to_char of a date is
-- STABLE, so the IMMUTABLE function is not inlined and would cost a
-- function call per claim). The page's payer and provider names are
-- joined after the LIMIT (both columns are NOT NULL foreign keys, so the
-- join drops no claim).
WITH x AS (
    SELECT c.id, c.org_id, c.status, c.payer_id, c.provider_id, c.patient_control_number, c.total_cents, c.paid_cents,
           c.attempt, c.created_at, c.updated_at, c.patient_id, c.payer_owed_cents, c.date_of_service,
           (CASE @sort::text
                WHEN 'dos' THEN to_char(c.date_of_service, 'YYYY-MM-DD')
                WHEN 'payer' THEN lower((SELECT p.name FROM payers p WHERE p.id = c.payer_id))
                WHEN 'balance' THEN claim_balance_key(c.status, c.payer_owed_cents)
                WHEN 'status' THEN c.status
                ELSE '' END) AS sort_key
    FROM claims c
    WHERE c.id = ANY (@ids::uuid[])
      AND c.org_id = ANY (ARRAY(SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)))
      AND (sqlc.narg(payer_id)::uuid IS NULL OR c.payer_id = sqlc.narg(payer_id)::uuid)
      AND (sqlc.narg(provider_id)::uuid IS NULL OR c.provider_id = sqlc.narg(provider_id)::uuid)
      AND (sqlc.narg(created_from)::timestamptz IS NULL OR c.created_at >= sqlc.narg(created_from)::timestamptz)
      AND (sqlc.narg(created_to)::timestamptz IS NULL OR c.created_at < sqlc.narg(created_to)::timestamptz)
      AND (sqlc.narg(min_cents)::bigint IS NULL OR c.total_cents >= sqlc.narg(min_cents)::bigint)
      AND (sqlc.narg(max_cents)::bigint IS NULL OR c.total_cents <= sqlc.narg(max_cents)::bigint)
      AND (sqlc.narg(statuses)::text IS NULL OR c.status = ANY (string_to_array(sqlc.narg(statuses)::text, ',')))
),
y AS (
    SELECT x.* FROM x
    WHERE sqlc.narg(after_id)::uuid IS NULL
       OR (@descending::boolean AND (x.sort_key < @after_key::text
                                     OR (x.sort_key = @after_key::text AND x.id < sqlc.narg(after_id)::uuid)))
       OR (NOT @descending::boolean AND (x.sort_key > @after_key::text
                                         OR (x.sort_key = @after_key::text AND x.id > sqlc.narg(after_id)::uuid)))
    ORDER BY CASE WHEN @descending::boolean THEN x.sort_key END DESC,
             CASE WHEN @descending::boolean THEN x.id END DESC,
             CASE WHEN NOT @descending::boolean THEN x.sort_key END,
             CASE WHEN NOT @descending::boolean THEN x.id END
    LIMIT @row_limit
)
SELECT y.id::text AS id, y.org_id::text AS org_id, y.status, y.payer_id::text AS payer_id, p.name AS payer_name,
       y.provider_id::text AS provider_id, trim(pr.first_name || ' ' || pr.last_name)::text AS provider_name,
       y.patient_control_number, y.total_cents, y.paid_cents, y.attempt, y.created_at, y.updated_at,
       y.patient_id::text AS patient_id, to_char(y.date_of_service, 'YYYY-MM-DD')::text AS date_of_service,
       (CASE WHEN y.status = ANY (@closed::text[]) THEN 0
             ELSE greatest(0, y.payer_owed_cents) END)::bigint AS balance_cents,
       y.sort_key::text AS sort_key
FROM y
JOIN payers p ON p.id = y.payer_id
JOIN providers pr ON pr.id = y.provider_id
ORDER BY CASE WHEN @descending::boolean THEN y.sort_key END DESC,
         CASE WHEN @descending::boolean THEN y.id END DESC,
         CASE WHEN NOT @descending::boolean THEN y.sort_key END,
         CASE WHEN NOT @descending::boolean THEN y.id END;

-- name: ForceCustomPlans :exec
-- For the rest of the transaction, plan each statement with its
-- parameters' values (DashClaimsSorted).
SET LOCAL plan_cache_mode = force_custom_plan;

-- name: ForceGenericPlans :exec
-- For the rest of the transaction, run each statement with its generic
-- plan (a DashClaimsListed statement, store/worklist_list.go: its
-- generic plan is the one its values would get, but with LIMIT a
-- parameter the generic plan's cost is that of a tenth of the tenant's
-- rows, so under auto Postgres never chooses it).
SET LOCAL plan_cache_mode = force_generic_plan;

-- name: AutoPlans :exec
-- Back to the default after DashClaimsSorted or a DashClaimsListed
-- statement: the rest of the transaction's statements keep their cached
-- plans.
SET LOCAL plan_cache_mode = auto;

-- name: SetPatientFirstNameIndex :exec
-- The first name's blind index, written with the patient (00150).
UPDATE patients SET first_name_bidx = @first_name_bidx WHERE id = @id;

-- name: PatientsWithoutFirstNameIndex :many
-- Patients written before 00150, a batch at a time.
SELECT id::text AS id, dek, first_name FROM patients
WHERE first_name_bidx IS NULL
ORDER BY id LIMIT @row_limit;

-- name: InsertSavedFilter :one
-- The filter is saved at the user's own organisation (their tenant).
INSERT INTO saved_filters (id, user_id, org_id, name, query)
SELECT @id, u.id, u.org_id, @name, @query FROM users u WHERE u.id = @user_id
RETURNING created_at;

-- name: ListSavedFilters :many
-- A user's own saved filters, at their own organisation.
SELECT f.id::text AS id, f.name, f.query, f.created_at
FROM saved_filters f JOIN users u ON u.id = f.user_id AND u.org_id = f.org_id
WHERE f.user_id = @user_id
ORDER BY f.id;

-- name: DeleteSavedFilter :execrows
DELETE FROM saved_filters f
USING users u
WHERE f.id = @id AND f.user_id = @user_id AND u.id = f.user_id AND u.org_id = f.org_id;

-- name: CountSavedFilters :one
SELECT count(*) FROM saved_filters WHERE user_id = @user_id;
