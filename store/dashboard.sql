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
-- The payer balance and the date of service are the claim's own
-- (payer_owed_cents and date_of_service, kept by the triggers of 00165:
-- claim_payer_owed, the same definition); the per-claim lookups
-- (statements, and contractual and history for the analytics) run only
-- for the claims that need them: with a patient share, or in the period.
-- Rows: kind 'payer' (key: payer name), 'patients', 'period' (n0..n7 the
-- period's submitted, clean, adjudicated, first pass, denied, charges,
-- payments, contractual), 'denial_payer' (n0 adjudicated, n1 denied) and
-- 'denial_reason' (n1 denied); for aging rows n0 is the claims, n1..n5
-- the buckets, n6 the total and n7 (patients) the patients owing.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
pay AS (
    SELECT cp.claim_id, sum(cp.paid_cents) AS paid, sum(cp.patient_resp_cents) AS resp,
           bool_or(cp.status_code <> '22') AS adjudicated, bool_or(cp.status_code = '4') AS denied
    FROM claim_payments cp
    WHERE cp.org_id IN (SELECT id FROM visible) AND cp.claim_id IS NOT NULL
    GROUP BY cp.claim_id
),
f AS (
    SELECT c.id, p.name AS payer, c.patient_id, c.status, c.total_cents, (sqlc.arg(as_of)::text::date - c.date_of_service) AS age,
           coalesce(pay.paid, 0) AS paid, coalesce(pay.resp, 0) AS resp,
           coalesce(pay.adjudicated, false) AS adjudicated, coalesce(pay.denied, false) AS denied,
           (sqlc.arg(as_of)::text::date - c.date_of_service) BETWEEN 0 AND 89 AS in_period,
           c.status <> ALL (@closed::text[]) AS payer_open, c.payer_owed_cents AS owed
    FROM claims c
    JOIN payers p ON p.id = c.payer_id
    LEFT JOIN pay ON pay.claim_id = c.id
    WHERE c.org_id IN (SELECT id FROM visible)
),
g AS (
    SELECT f.*,
           CASE WHEN f.in_period THEN
               coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                         JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                         WHERE cp.claim_id = f.id AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)
           ELSE 0 END AS contractual,
           CASE WHEN f.resp <> 0 OR f.in_period THEN
               coalesce((SELECT sum(coalesce((SELECT sum(pp.amount_cents) FROM patient_payments pp WHERE pp.statement_id = s.id), 0)
                                    - coalesce((SELECT sum(rf.amount_cents) FROM patient_refunds rf WHERE rf.statement_id = s.id), 0))
                         FROM patient_statements s WHERE left(s.id, 36) = f.id::text), 0)
           ELSE 0 END AS patient_paid,
           -- A scalar lookup (LIMIT 1), not EXISTS, which Postgres may plan
           -- as one hashed scan of every claim's history.
           CASE WHEN f.in_period THEN (SELECT true FROM claim_status_history h WHERE h.claim_id = f.id AND h.status = 'submitted' LIMIT 1) IS NOT NULL
           ELSE false END AS submitted,
           CASE WHEN f.in_period THEN coalesce((
               SELECT NOT EXISTS (SELECT 1 FROM claim_status_history h WHERE h.claim_id = f.id
                                  AND h.status IN ('scrub_failed', 'rejected') AND h.at <= acc.at)
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = f.id
                           AND h.status = 'submitted' AND h.at <= acc.at) = 1
               FROM (SELECT min(h.at) AS at FROM claim_status_history h WHERE h.claim_id = f.id AND h.status = 'accepted') acc
               WHERE acc.at IS NOT NULL), false) ELSE false END AS clean,
           CASE WHEN f.in_period AND f.adjudicated THEN coalesce((
               SELECT cp.status_code IN ('1', '2', '3')
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = f.id
                           AND h.status = 'submitted' AND h.at <= cp.posted_at) = 1
               FROM claim_payments cp WHERE cp.claim_id = f.id AND cp.status_code <> '22'
               ORDER BY cp.posted_at, cp.seq LIMIT 1), false) ELSE false END AS first_pass,
           CASE WHEN f.in_period AND f.adjudicated AND f.denied THEN
               coalesce((SELECT array_agg(DISTINCT a.group_code || '-' || a.reason)
                         FROM claim_payments cp JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                         WHERE cp.claim_id = f.id AND cp.status_code = '4'), '{}')
           ELSE '{}' END::text[] AS denial_reasons
    FROM f
    WHERE f.payer_open OR f.in_period OR f.resp <> 0
),
b AS (
    SELECT g.*,
           CASE WHEN g.payer_open THEN greatest(0, g.owed) ELSE 0 END AS payer_bal,
           CASE WHEN g.status IN ('voided', 'written_off') THEN 0 ELSE greatest(0, g.resp - g.patient_paid) END AS patient_bal
    FROM g
)
SELECT 'payer'::text AS kind, b.payer::text AS key, count(*)::bigint AS n0,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age <= 30), 0)::bigint AS n1,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0)::bigint AS n2,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0)::bigint AS n3,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0)::bigint AS n4,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age > 120), 0)::bigint AS n5,
       sum(b.payer_bal)::bigint AS n6, 0::bigint AS n7
FROM b WHERE b.payer_bal > 0 GROUP BY b.payer
UNION ALL
SELECT 'patients', '', count(*),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age <= 30), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age > 120), 0), coalesce(sum(b.patient_bal), 0), count(DISTINCT b.patient_id)
FROM b WHERE b.patient_bal > 0
UNION ALL
SELECT 'period', '', count(*) FILTER (WHERE b.submitted), count(*) FILTER (WHERE b.submitted AND b.clean),
       count(*) FILTER (WHERE b.adjudicated), count(*) FILTER (WHERE b.adjudicated AND b.first_pass),
       count(*) FILTER (WHERE b.adjudicated AND b.denied), coalesce(sum(b.total_cents), 0),
       coalesce(sum(b.paid + b.patient_paid), 0), coalesce(sum(b.contractual), 0)
FROM b WHERE b.in_period
UNION ALL
SELECT 'denial_payer', b.payer, count(*), count(*) FILTER (WHERE b.denied), 0, 0, 0, 0, 0, 0
FROM b WHERE b.in_period AND b.adjudicated GROUP BY b.payer
UNION ALL
SELECT 'denial_reason', r.reason, 0, count(*), 0, 0, 0, 0, 0, 0
FROM b, unnest(b.denial_reasons) AS r (reason)
WHERE b.in_period AND b.adjudicated AND b.denied GROUP BY r.reason;

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
