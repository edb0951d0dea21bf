-- Billing dashboard queries (store/dashboard.go). Every query is scoped to
-- the organisations where user $1 holds permission $2 (and their
-- descendants), as ListClaims is.

-- name: DashStatusCounts :many
-- The worklist's counts under its filter and search (store/search.sql has
-- the list).
SELECT c.status, count(*) AS claims, coalesce(max(c.updated_at), 'epoch'::timestamptz)::timestamptz AS latest
FROM dash_claims(sqlc.narg(actor)::uuid, @perm::text, sqlc.narg(payer_id)::uuid, sqlc.narg(provider_id)::uuid,
                 sqlc.narg(created_from)::timestamptz, sqlc.narg(created_to)::timestamptz,
                 sqlc.narg(min_cents)::bigint, sqlc.narg(max_cents)::bigint,
                 @criteria::int, sqlc.narg(claim_id)::uuid, sqlc.narg(pcn)::text, sqlc.narg(payer_claim)::text,
                 sqlc.narg(member)::bytea, sqlc.narg(first_name)::bytea, sqlc.narg(last_name)::bytea,
                 sqlc.narg(dos_from)::date, sqlc.narg(dos_to)::date,
                 sqlc.narg(q)::text, sqlc.narg(q_member)::bytea, sqlc.narg(q_last)::bytea[], sqlc.narg(q_first)::bytea[],
                 sqlc.narg(q_pair_first)::bytea[], sqlc.narg(q_pair_last)::bytea[], sqlc.narg(q_dos)::date) AS c
GROUP BY c.status ORDER BY c.status;

-- name: DashStatusCountsKept :many
-- DashStatusCounts without a filter or search, from the counts kept per
-- organisation and status (claim_status_counts, 00171): the same rows, read
-- as O(organisations x statuses) rows instead of counting every visible
-- claim. latest is the latest change among all the visible claims (the
-- largest of DashStatusCounts' per-status latest, which is all the store
-- reads of it), one index lookup per organisation (claims_org_updated).
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
SELECT s.status, sum(s.claims)::bigint AS claims,
       coalesce((SELECT max(l.latest) FROM (SELECT DISTINCT id FROM visible) AS o,
                 LATERAL (SELECT max(c.updated_at) AS latest FROM claims c WHERE c.org_id = o.id) AS l),
                'epoch'::timestamptz)::timestamptz AS latest
FROM claim_status_counts s
WHERE s.org_id IN (SELECT id FROM visible)
GROUP BY s.status HAVING sum(s.claims) > 0
ORDER BY s.status;

-- name: DashClaimBatches :many
SELECT b.id, b.isa13, b.gs06, bc.st02, bc.attempt, b.file_key, b.uploaded_at, b.created_at
FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id
WHERE bc.claim_id = $1
ORDER BY bc.attempt;

-- name: DashClaimPayments :many
SELECT r.id::text AS remittance_id, r.trace_number, r.file_key, r.transaction_index, cp.seq, cp.status_code, cp.charge_cents,
       cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs, cp.posted_at
FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
WHERE cp.claim_id = @claim_id::uuid
ORDER BY cp.posted_at, cp.seq;

-- name: DashAdjustments :many
SELECT seq, line, group_code, reason, amount_cents
FROM claim_adjustments WHERE remittance_id = $1
ORDER BY seq, line, n;

-- name: DashRemittances :many
-- Remittances the caller owns a part of (remittance_owners: the
-- organisations of the claims they pay, or, for what matched no claim, the
-- organisations billing through the account they came through), with how
-- many claim payments they carry in all. Each remittance walked newest
-- first is asked (remittance_visible, 00165), so the page stops at its
-- limit instead of first finding every remittance the caller owns.
SELECT r.id::text AS id, r.payer_id, r.trace_number, r.paid_cents, r.provider_adj_cents, r.balanced, r.balance_problems,
       r.eft_reconciled, coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date, r.created_at,
       (SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)::bigint AS payments
FROM remittances r
WHERE r.id < coalesce(sqlc.narg(before)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  AND EXISTS (SELECT 1 FROM remittance_visible(sqlc.narg(actor)::uuid, @perm::text, r.id, r.partner) AS v WHERE v.visible)
ORDER BY r.id DESC LIMIT @row_limit;

-- name: DashRemittancePayments :many
-- The claim payments of a remittance the caller owns.
SELECT cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id,
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = @remittance_id
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY cp.seq;

-- name: DashReceivablesTotals :many
-- What the A/R view is made of (rcm.ReceivablesTotals), added up here
-- rather than in Go from one row per claim (issue 20: a tenant has tens of
-- thousands of claims), with the definitions of rcm.ClaimFacts:
--   payer balance: charge − payer paid − contractual (CO adjustments of
--     payments that were not denials: a denial's CO-16 or CO-50 is still
--     owed once corrected or appealed) − patient responsibility, over
--     every 835 claim payment (a reversal, CLP02 22, carries negative
--     amounts), floored at 0, and 0 in the statuses @closed where the payer
--     owes nothing;
--   patient balance: patient responsibility − what the patient paid on the
--     claim's statements (a statement ID starts with its claim ID,
--     activities.PatientBalances) net of refunds, floored at 0, and 0 on a
--     voided or written-off claim;
--   aged from the date of service to as_of (0–30, 31–60, 61–90, 91–120,
--     over 120 days);
--   the analytics over the claims dated in the 90 days ending on as_of:
--     submitted (sent at least once), clean (accepted by the 277CA after
--     exactly one submission with no scrub failure or rejection before),
--     adjudicated (a claim payment that is not a reversal), first pass
--     (the first adjudication processed it, CLP02 1, 2 or 3, after exactly
--     one submission), denied (a CLP02 4 payment) and its reasons.
-- Every per-claim fact is the claim's own, kept by the triggers of 00165
-- (payer_owed_cents, date_of_service: claim_payer_owed) and 00167 (the ar_
-- columns: claim_ar_facts, the definitions above): the aging is one
-- index-only pass over the caller's claims (claims_org_ar), the analytics
-- the range of it dated in the period, each added up per payer before the
-- payers' names are joined. The patient's payments count only where the
-- claim has a patient share or is in the period, as before (a claim with
-- neither owes the patient nothing whatever its statements).
-- Rows: kind 'payer' (key: payer name), 'patients', 'period' (n0..n7 the
-- period's submitted, clean, adjudicated, first pass, denied, charges,
-- payments, contractual), 'denial_payer' (n0 adjudicated, n1 denied) and
-- 'denial_reason' (n1 denied); for aging rows n0 is the claims, n1..n5
-- the buckets, n6 the total and n7 (patients) the patients owing.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
b AS (
    SELECT c.payer_id, c.patient_id, (sqlc.arg(as_of)::text::date - c.date_of_service) AS age,
           CASE WHEN c.status <> ALL (@closed::text[]) THEN greatest(0, c.payer_owed_cents) ELSE 0 END AS payer_bal,
           CASE WHEN c.status IN ('voided', 'written_off') THEN 0
                ELSE greatest(0, c.ar_resp_cents
                                 - CASE WHEN c.ar_resp_cents <> 0 OR (sqlc.arg(as_of)::text::date - c.date_of_service) BETWEEN 0 AND 89
                                        THEN c.ar_patient_paid_cents ELSE 0 END) END AS patient_bal
    FROM claims c
    WHERE c.org_id IN (SELECT id FROM visible)
),
per AS (
    SELECT c.payer_id, c.total_cents, c.ar_paid_cents + c.ar_patient_paid_cents AS payments, c.ar_contractual_cents AS contractual,
           c.ar_submitted AS submitted, c.ar_clean AS clean, c.ar_adjudicated AS adjudicated, c.ar_first_pass AS first_pass,
           c.ar_denied AS denied, c.ar_denial_reasons AS denial_reasons
    FROM claims c
    WHERE c.org_id IN (SELECT id FROM visible)
      AND c.date_of_service BETWEEN sqlc.arg(as_of)::text::date - 89 AND sqlc.arg(as_of)::text::date
),
payer_aging AS (
    SELECT b.payer_id, count(*) AS n0,
           coalesce(sum(b.payer_bal) FILTER (WHERE b.age <= 30), 0) AS n1,
           coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0) AS n2,
           coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0) AS n3,
           coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0) AS n4,
           coalesce(sum(b.payer_bal) FILTER (WHERE b.age > 120), 0) AS n5,
           sum(b.payer_bal) AS n6
    FROM b WHERE b.payer_bal > 0 GROUP BY b.payer_id
),
payer_denials AS (
    SELECT per.payer_id, count(*) AS n0, count(*) FILTER (WHERE per.denied) AS n1
    FROM per WHERE per.adjudicated GROUP BY per.payer_id
)
SELECT 'payer'::text AS kind, p.name::text AS key, sum(a.n0)::bigint AS n0, sum(a.n1)::bigint AS n1, sum(a.n2)::bigint AS n2,
       sum(a.n3)::bigint AS n3, sum(a.n4)::bigint AS n4, sum(a.n5)::bigint AS n5, sum(a.n6)::bigint AS n6, 0::bigint AS n7
FROM payer_aging a JOIN payers p ON p.id = a.payer_id GROUP BY p.name
UNION ALL
SELECT 'patients', '', count(*),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age <= 30), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age > 120), 0), coalesce(sum(b.patient_bal), 0), count(DISTINCT b.patient_id)
FROM b WHERE b.patient_bal > 0
UNION ALL
SELECT 'period', '', count(*) FILTER (WHERE per.submitted), count(*) FILTER (WHERE per.submitted AND per.clean),
       count(*) FILTER (WHERE per.adjudicated), count(*) FILTER (WHERE per.adjudicated AND per.first_pass),
       count(*) FILTER (WHERE per.adjudicated AND per.denied), coalesce(sum(per.total_cents), 0),
       coalesce(sum(per.payments), 0), coalesce(sum(per.contractual), 0)
FROM per
UNION ALL
SELECT 'denial_payer', p.name, sum(d.n0)::bigint, sum(d.n1)::bigint, 0, 0, 0, 0, 0, 0
FROM payer_denials d JOIN payers p ON p.id = d.payer_id GROUP BY p.name
UNION ALL
SELECT 'denial_reason', r.reason, 0, count(*), 0, 0, 0, 0, 0, 0
FROM per, unnest(per.denial_reasons) AS r (reason)
WHERE per.adjudicated AND per.denied GROUP BY r.reason;

-- name: DashTrend :many
-- Per week of posting: claim payments, denials (CLP02 4) and the average
-- days from claim creation to a paying remittance.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
SELECT to_char(date_trunc('week', cp.posted_at), 'YYYY-MM-DD')::text AS week, count(*) AS payments,
       count(*) FILTER (WHERE cp.status_code = '4') AS denials,
       coalesce(avg(extract(epoch FROM cp.posted_at - c.created_at) / 86400) FILTER (WHERE cp.paid_cents > 0), 0)::float8 AS days_to_payment
FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
WHERE c.org_id IN (SELECT id FROM visible) AND cp.posted_at > now() - interval '26 weeks'
GROUP BY 1 ORDER BY 1;
