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
-- many claim payments they carry in all, newest first. The candidates are
-- found from the caller's side, each list in its index's order and cut at
-- the page's size: for each visible organisation, the newest remittances
-- it has claim payments in (claim_payments_org: (org_id, remittance_id));
-- for each account a visible organisation bills through, its newest
-- remittances that carry a claim payment matching no claim or none at all
-- (remittance_visible's question), read from the counts kept per
-- remittance (remittance_payment_counts, 00176: its partial index holds
-- only such remittances, by account, newest first). The page is the newest
-- of their union: the same rows as walking every remittance newest first
-- and asking each (which read every tenant's remittances down to the
-- caller's 50th). payments is the remittance's kept count of claim
-- payments; the figures of those the caller owns are the sums of the rows
-- kept per remittance and owner (remittance_payment_totals, 00179) they
-- own: an organisation they see, or no organisation (matched no claim)
-- when the remittance came through an account a visible organisation
-- bills through (visible_claim_payments' question). No claim payment and
-- no adjustment is read.
WITH v AS (
    SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)
),
cand AS (
    SELECT o.id FROM v CROSS JOIN LATERAL (
        SELECT DISTINCT cp.remittance_id AS id FROM claim_payments cp
        WHERE cp.org_id = v.id
          AND cp.remittance_id < coalesce(sqlc.narg(before)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
        ORDER BY cp.remittance_id DESC LIMIT @row_limit) AS o
    UNION
    SELECT p.id FROM (SELECT DISTINCT tp.partner FROM trading_partner_orgs tp WHERE tp.org_id IN (SELECT v.id FROM v)) AS tp
    CROSS JOIN LATERAL (
        SELECT k.remittance_id AS id FROM remittance_payment_counts k
        WHERE k.partner = tp.partner
          AND k.remittance_id < coalesce(sqlc.narg(before)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
          AND (k.unmatched > 0 OR k.payments = 0)
        ORDER BY k.remittance_id DESC LIMIT @row_limit) AS p
)
SELECT r.id::text AS id, r.payer_id, r.trace_number, r.paid_cents, r.provider_adj_cents, r.balanced, r.balance_problems,
       r.eft_reconciled, coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date, r.created_at,
       coalesce((SELECT k.payments FROM remittance_payment_counts k WHERE k.remittance_id = r.id), 0)::bigint AS payments,
       t.own_payments, t.charge_cents, t.own_paid_cents, t.adjusted_cents
FROM remittances r
CROSS JOIN LATERAL (
    SELECT coalesce(sum(x.payments), 0)::bigint AS own_payments, coalesce(sum(x.charge_cents), 0)::bigint AS charge_cents,
           coalesce(sum(x.paid_cents), 0)::bigint AS own_paid_cents, coalesce(sum(x.adjusted_cents), 0)::bigint AS adjusted_cents
    FROM remittance_payment_totals x
    WHERE x.remittance_id = r.id
      AND (x.org_id IN (SELECT v.id FROM v)
           OR (x.org_id IS NULL AND r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp WHERE tp.org_id IN (SELECT v.id FROM v))))) AS t
WHERE r.id = ANY (ARRAY(SELECT cand.id FROM cand ORDER BY cand.id DESC LIMIT @row_limit))
ORDER BY r.id DESC;

-- name: DashRemittancePayments :many
-- The claim payments of a remittance the caller owns.
SELECT cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id,
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = @remittance_id
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY cp.seq;

-- name: DashAdjustmentsOf :many
-- DashAdjustments of a page of remittances at once.
SELECT remittance_id::text AS remittance_id, seq, line, group_code, reason, amount_cents
FROM claim_adjustments WHERE remittance_id = ANY(@remittance_ids::uuid[])
ORDER BY remittance_id, seq, line, n;

-- name: DashRemittancePaymentsOf :many
-- DashRemittancePayments of a page of remittances at once. The
-- remittances are named inside the visibility subquery too: it is then
-- read for them alone, not for every claim payment the caller sees.
SELECT cp.remittance_id::text AS remittance_id, cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id,
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = ANY(@remittance_ids::uuid[])
  AND (cp.remittance_id, cp.seq) IN (SELECT v.remittance_id, v.seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text) AS v
                                     WHERE v.remittance_id = ANY(@remittance_ids::uuid[]))
ORDER BY cp.remittance_id, cp.seq;

-- name: DashReceivablesGenericPlans :exec
-- The A/R view's statements planned once per connection (a generic plan)
-- from their first execution on, not with their values for the first five
-- as the default does: their plans do not depend on the values (the same
-- plan serves every tenant and date; the default settles on it after five),
-- and planning DashReceivablesTotals costs more than executing it. Sent
-- first in DashReceivables' batch (one implicit transaction: the setting
-- lasts until its end), it applies to that batch alone.
SELECT set_config('plan_cache_mode', 'force_generic_plan', true);

-- name: DashReceivablesTotals :many
-- What the A/R view is made of (rcm.ReceivablesTotals), with the
-- definitions of rcm.ClaimFacts:
--   payer balance: charge − payer paid − contractual (CO adjustments of
--     payments that were not denials: a denial's CO-16 or CO-50 is still
--     owed once corrected or appealed) − patient responsibility, over
--     every 835 claim payment (a reversal, CLP02 22, carries negative
--     amounts), floored at 0, and 0 in the statuses where the payer owes
--     nothing (ar_payer_balance: rcm.PayerClosedStatuses);
--   patient balance: patient responsibility − what the patient paid on the
--     claim's statements (a statement ID starts with its claim ID,
--     activities.PatientBalances) net of refunds, floored at 0, and 0 on a
--     voided or written-off claim; the patient's payments count only where
--     the claim has a patient share or is in the period (a claim with
--     neither owes the patient nothing whatever its statements);
--   aged from the date of service to as_of (0–30, 31–60, 61–90, 91–120,
--     over 120 days);
--   the analytics over the claims dated in the 90 days ending on as_of:
--     submitted (sent at least once), clean (accepted by the 277CA after
--     exactly one submission with no scrub failure or rejection before),
--     adjudicated (a claim payment that is not a reversal), first pass
--     (the first adjudication processed it, CLP02 1, 2 or 3, after exactly
--     one submission), denied (a CLP02 4 payment) and its reasons.
-- Added up from the per-organisation aggregates of 00172, kept from the
-- claims' facts (00165, 00167) by the claims' trigger: ar_days per (payer,
-- date of service) from 120 days before as_of on (in weeks, ar_weeks of
-- 00177, where a week is in one span), the all-dates totals
-- (day 'infinity'; over 120 days is the total less the four buckets), the
-- pending deltas (each counted in its day and in the totals), ar_patients
-- for the patients owing, ar_denial_reasons for the period's reasons; and
-- the claims owing the patient only while in the period (claims with no
-- patient responsibility refunded more than paid, claims_ar_refunded).
-- Rows: kind 'payer' (key: payer name), 'patients', 'period' (n0..n7 the
-- period's submitted, clean, adjudicated, first pass, denied, charges,
-- payments, contractual), 'denial_payer' (n0 adjudicated, n1 denied) and
-- 'denial_reason' (n1 denied); for aging rows n0 is the claims, n1..n5
-- the buckets, n6 the total and n7 (patients) the patients owing.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
-- The as-of date once (a text-to-date cast is not folded into a constant),
-- and the weeks (ar_week: Monday) cut by the first day of a span the rows
-- are told apart by (the aging buckets from 120 days back, the period from
-- 89 days back, the days after as_of): those are read day by day (their
-- days from 120 days back, edge_days), every other week from 120 days back
-- in one row of ar_weeks (00177): all its days fall in one span.
asof AS MATERIALIZED (
    SELECT s.d, w.cut,
           array(SELECT c.week + i FROM unnest(w.cut) c (week), generate_series(0, 6) i WHERE c.week + i >= s.d - 120)
               || 'infinity'::date AS edge_days
    FROM (SELECT sqlc.arg(as_of)::text::date AS d) s,
         LATERAL (SELECT array(SELECT DISTINCT ar_week(c.day) FROM unnest(array[s.d - 120, s.d - 90, s.d - 89, s.d - 60, s.d - 30, s.d + 1]) c (day)
                               WHERE ar_week(c.day) < c.day) AS cut) w
),
d AS (
    SELECT a.payer_id, a.day, a.day = 'infinity'::date AS in_total, a.day <> 'infinity'::date AS dated,
           a.payer_claims, a.payer_cents, a.patient_claims, a.patient_cents, a.submitted, a.clean, a.adjudicated, a.first_pass,
           a.denied, a.charges_cents, a.payments_cents, a.contractual_cents
    FROM ar_days a
    WHERE a.org_id IN (SELECT id FROM visible) AND a.day = ANY ((SELECT asof.edge_days FROM asof)::date[])
    UNION ALL
    -- A whole week stands for its days: its Monday is in the same span.
    SELECT w.payer_id, w.week, false, true,
           w.payer_claims, w.payer_cents, w.patient_claims, w.patient_cents, w.submitted, w.clean, w.adjudicated, w.first_pass,
           w.denied, w.charges_cents, w.payments_cents, w.contractual_cents
    FROM ar_weeks w
    WHERE w.org_id IN (SELECT id FROM visible) AND w.week >= (SELECT asof.d - 120 FROM asof)
      AND w.week <> ALL ((SELECT asof.cut FROM asof)::date[])
    UNION ALL
    SELECT x.payer_id, x.day, true, true, x.payer_claims, x.payer_cents, x.patient_claims, x.patient_cents, x.submitted, x.clean,
           x.adjudicated, x.first_pass, x.denied, x.charges_cents, x.payments_cents, x.contractual_cents
    FROM ar_day_deltas x
    WHERE x.org_id IN (SELECT id FROM visible)
),
-- Each dated row's aging bucket (1: 0–30 days or later, 2: 31–60, 3:
-- 61–90, 4: 91–120, 5: older) and whether it is in the period.
e AS (
    SELECT d.*, CASE WHEN d.day >= s.d - 30 THEN 1 WHEN d.day >= s.d - 60 THEN 2 WHEN d.day >= s.d - 90 THEN 3
                     WHEN d.day >= s.d - 120 THEN 4 ELSE 5 END AS bucket,
           d.dated AND d.day BETWEEN s.d - 89 AND s.d AS in_period
    FROM d, asof s
),
-- The rows added up per payer, bucket and flags first (plain sums: a few
-- dozen groups), then spread into columns.
g AS (
    SELECT e.payer_id, e.in_total, e.dated, e.bucket, e.in_period, sum(e.payer_claims) AS payer_claims, sum(e.payer_cents) AS payer_cents,
           sum(e.patient_claims) AS patient_claims, sum(e.patient_cents) AS patient_cents, sum(e.submitted) AS submitted,
           sum(e.clean) AS clean, sum(e.adjudicated) AS adjudicated, sum(e.first_pass) AS first_pass, sum(e.denied) AS denied,
           sum(e.charges_cents) AS charges_cents, sum(e.payments_cents) AS payments_cents, sum(e.contractual_cents) AS contractual_cents
    FROM e GROUP BY e.payer_id, e.in_total, e.dated, e.bucket, e.in_period
),
per_payer AS (
    SELECT e.payer_id,
           coalesce(sum(e.payer_claims) FILTER (WHERE e.in_total), 0) AS payer_claims,
           coalesce(sum(e.payer_cents) FILTER (WHERE e.in_total), 0) AS payer_total,
           coalesce(sum(e.payer_cents) FILTER (WHERE e.dated AND e.bucket = 1), 0) AS p1,
           coalesce(sum(e.payer_cents) FILTER (WHERE e.dated AND e.bucket = 2), 0) AS p2,
           coalesce(sum(e.payer_cents) FILTER (WHERE e.dated AND e.bucket = 3), 0) AS p3,
           coalesce(sum(e.payer_cents) FILTER (WHERE e.dated AND e.bucket = 4), 0) AS p4,
           coalesce(sum(e.patient_claims) FILTER (WHERE e.in_total), 0) AS patient_claims,
           coalesce(sum(e.patient_cents) FILTER (WHERE e.in_total), 0) AS patient_total,
           coalesce(sum(e.patient_cents) FILTER (WHERE e.dated AND e.bucket = 1), 0) AS q1,
           coalesce(sum(e.patient_cents) FILTER (WHERE e.dated AND e.bucket = 2), 0) AS q2,
           coalesce(sum(e.patient_cents) FILTER (WHERE e.dated AND e.bucket = 3), 0) AS q3,
           coalesce(sum(e.patient_cents) FILTER (WHERE e.dated AND e.bucket = 4), 0) AS q4,
           coalesce(sum(e.submitted) FILTER (WHERE e.in_period), 0) AS submitted,
           coalesce(sum(e.clean) FILTER (WHERE e.in_period), 0) AS clean,
           coalesce(sum(e.adjudicated) FILTER (WHERE e.in_period), 0) AS adjudicated,
           coalesce(sum(e.first_pass) FILTER (WHERE e.in_period), 0) AS first_pass,
           coalesce(sum(e.denied) FILTER (WHERE e.in_period), 0) AS denied,
           coalesce(sum(e.charges_cents) FILTER (WHERE e.in_period), 0) AS charges,
           coalesce(sum(e.payments_cents) FILTER (WHERE e.in_period), 0) AS payments,
           coalesce(sum(e.contractual_cents) FILTER (WHERE e.in_period), 0) AS contractual
    FROM g e GROUP BY e.payer_id
),
refunded AS (
    SELECT c.patient_id, (SELECT asof.d FROM asof) - c.date_of_service AS age, -c.ar_patient_paid_cents AS bal
    FROM claims c
    WHERE c.org_id IN (SELECT id FROM visible) AND c.ar_resp_cents = 0 AND c.ar_patient_paid_cents < 0
      AND c.status NOT IN ('voided', 'written_off')
      AND c.date_of_service BETWEEN (SELECT asof.d - 89 FROM asof) AND (SELECT asof.d FROM asof)
),
-- The patients owing (00175): the visible organisations' counts of
-- patients owing (ar_patient_counts: their rows of ar_patients with
-- something owed), less the rows of the patients looked at one by one,
-- plus those patients counted as the rows and deltas say. Looked at one by
-- one: the patients with pending deltas, those owing in more than one
-- organisation (ar_patient_shared: counted once, not per organisation)
-- and those owing a refund within the period; a compacted row with no
-- pending delta is owing as it is (the compactor deletes the rows that
-- reach 0).
special AS MATERIALIZED (
    SELECT x.patient_id FROM ar_patient_deltas x WHERE x.org_id IN (SELECT id FROM visible)
    UNION
    SELECT s.patient_id FROM ar_patient_shared s WHERE s.org_id IN (SELECT id FROM visible)
    UNION
    SELECT r.patient_id FROM refunded r
),
owing_special AS (
    SELECT o.patient_id FROM (
        SELECT a.org_id, a.patient_id, a.owing FROM ar_patients a
        WHERE a.org_id IN (SELECT id FROM visible) AND a.patient_id IN (SELECT sp.patient_id FROM special sp)
        UNION ALL
        SELECT x.org_id, x.patient_id, x.owing FROM ar_patient_deltas x WHERE x.org_id IN (SELECT id FROM visible)
    ) o GROUP BY o.org_id, o.patient_id HAVING sum(o.owing) > 0
    UNION ALL
    SELECT r.patient_id FROM refunded r
),
owing_count AS (
    SELECT (SELECT coalesce(sum(c.patients), 0) FROM ar_patient_counts c WHERE c.org_id IN (SELECT id FROM visible))
         - (SELECT count(*) FROM ar_patients a
            WHERE a.org_id IN (SELECT id FROM visible) AND a.owing > 0 AND a.patient_id IN (SELECT sp.patient_id FROM special sp))
         + (SELECT count(DISTINCT o.patient_id) FROM owing_special o) AS n
),
reasons AS (
    SELECT r.reason, sum(r.claims) AS claims FROM (
        SELECT a.reason, a.claims FROM ar_denial_reasons a
        WHERE a.org_id IN (SELECT id FROM visible) AND a.day BETWEEN (SELECT asof.d - 89 FROM asof) AND (SELECT asof.d FROM asof)
        UNION ALL
        SELECT x.reason, x.claims FROM ar_denial_reason_deltas x
        WHERE x.org_id IN (SELECT id FROM visible) AND x.day BETWEEN (SELECT asof.d - 89 FROM asof) AND (SELECT asof.d FROM asof)
    ) r GROUP BY r.reason
)
SELECT 'payer'::text AS kind, p.name::text AS key, sum(a.payer_claims)::bigint AS n0, sum(a.p1)::bigint AS n1, sum(a.p2)::bigint AS n2,
       sum(a.p3)::bigint AS n3, sum(a.p4)::bigint AS n4, sum(a.payer_total - a.p1 - a.p2 - a.p3 - a.p4)::bigint AS n5,
       sum(a.payer_total)::bigint AS n6, 0::bigint AS n7
FROM per_payer a JOIN payers p ON p.id = a.payer_id GROUP BY p.name HAVING sum(a.payer_claims) > 0
UNION ALL
SELECT 'patients', '',
       (SELECT coalesce(sum(a.patient_claims), 0) FROM per_payer a) + (SELECT count(*) FROM refunded),
       (SELECT coalesce(sum(a.q1), 0) FROM per_payer a) + (SELECT coalesce(sum(r.bal) FILTER (WHERE r.age <= 30), 0) FROM refunded r),
       (SELECT coalesce(sum(a.q2), 0) FROM per_payer a) + (SELECT coalesce(sum(r.bal) FILTER (WHERE r.age BETWEEN 31 AND 60), 0) FROM refunded r),
       (SELECT coalesce(sum(a.q3), 0) FROM per_payer a) + (SELECT coalesce(sum(r.bal) FILTER (WHERE r.age BETWEEN 61 AND 90), 0) FROM refunded r),
       (SELECT coalesce(sum(a.q4), 0) FROM per_payer a),
       (SELECT coalesce(sum(a.patient_total - a.q1 - a.q2 - a.q3 - a.q4), 0) FROM per_payer a),
       (SELECT coalesce(sum(a.patient_total), 0) FROM per_payer a) + (SELECT coalesce(sum(r.bal), 0) FROM refunded r),
       (SELECT o.n FROM owing_count o)::bigint
UNION ALL
SELECT 'period', '', coalesce(sum(a.submitted), 0), coalesce(sum(a.clean), 0), coalesce(sum(a.adjudicated), 0),
       coalesce(sum(a.first_pass), 0), coalesce(sum(a.denied), 0), coalesce(sum(a.charges), 0), coalesce(sum(a.payments), 0),
       coalesce(sum(a.contractual), 0)
FROM per_payer a
UNION ALL
SELECT 'denial_payer', p.name, sum(a.adjudicated)::bigint, sum(a.denied)::bigint, 0, 0, 0, 0, 0, 0
FROM per_payer a JOIN payers p ON p.id = a.payer_id GROUP BY p.name HAVING sum(a.adjudicated) > 0
UNION ALL
SELECT 'denial_reason', r.reason, 0, r.claims, 0, 0, 0, 0, 0, 0
FROM reasons r WHERE r.claims > 0;

-- name: DashTrend :many
-- Per week of posting: claim payments, denials (CLP02 4) and the average
-- days from claim creation to a paying remittance, over the caller's
-- matched claim payments posted in the last 26 weeks. Added up from the
-- per-day aggregates of 00172 (ar_trend_days and its pending deltas) for
-- the days after the first, and from the claim payments themselves for
-- the first day, only part of which is in the 26 weeks
-- (claim_payments_org_posted). The whole weeks (from the first Monday
-- after the first day, since.week) are read in one row each
-- (ar_trend_weeks, 00177), the days before it from ar_trend_days. Days and
-- weeks are UTC's (the session time zone of every connection: the server's
-- Etc/UTC, the store sets none).
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
since AS MATERIALIZED (
    SELECT s.t, s.day, ar_week(s.day + 7) AS week
    FROM (SELECT now() - interval '26 weeks' AS t, ((now() - interval '26 weeks') AT TIME ZONE 'UTC')::date AS day) s
),
per_day AS (
    SELECT a.day, a.payments, a.denials, a.paid, a.paid_days FROM ar_trend_days a
    WHERE a.org_id IN (SELECT id FROM visible) AND a.day > (SELECT since.day FROM since) AND a.day < (SELECT since.week FROM since)
    UNION ALL
    SELECT w.week, w.payments, w.denials, w.paid, w.paid_days FROM ar_trend_weeks w
    WHERE w.org_id IN (SELECT id FROM visible) AND w.week >= (SELECT since.week FROM since)
    UNION ALL
    SELECT x.day, x.payments, x.denials, x.paid, x.paid_days FROM ar_trend_deltas x
    WHERE x.org_id IN (SELECT id FROM visible) AND x.day > (SELECT since.day FROM since)
    UNION ALL
    SELECT t.day, t.payments, t.denials, t.paid, t.paid_days
    FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id,
         ar_payment_trend(cp.org_id, cp.posted_at, cp.status_code, cp.paid_cents, c.created_at, 1) t
    WHERE cp.org_id IN (SELECT id FROM visible) AND c.org_id = cp.org_id
      AND cp.posted_at > (SELECT since.t FROM since)
      AND cp.posted_at < ((SELECT since.day FROM since) + 1)::timestamp AT TIME ZONE 'UTC'
)
SELECT to_char(date_trunc('week', d.day::timestamp), 'YYYY-MM-DD')::text AS week, sum(d.payments)::bigint AS payments,
       sum(d.denials)::bigint AS denials,
       coalesce(sum(d.paid_days) / nullif(sum(d.paid), 0), 0)::float8 AS days_to_payment
FROM per_day d
GROUP BY 1 HAVING sum(d.payments) <> 0 ORDER BY 1;
