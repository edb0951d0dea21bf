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
-- many claim payments they carry in all.
SELECT r.id::text AS id, r.payer_id, r.trace_number, r.paid_cents, r.provider_adj_cents, r.balanced, r.balance_problems,
       r.eft_reconciled, coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date, r.created_at,
       (SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)::bigint AS payments
FROM remittances r
WHERE r.id < coalesce(sqlc.narg(before)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  AND r.id IN (SELECT remittance_id FROM visible_remittances(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY r.id DESC LIMIT @row_limit;

-- name: DashRemittancePayments :many
-- The claim payments of a remittance the caller owns.
SELECT cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id,
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = @remittance_id
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY cp.seq;

-- name: DashClaimFacts :many
-- One row per claim the caller may read, with what the A/R and analytics
-- figures of DashReceivables are computed from (rcm.ComputeReceivables has
-- the definitions). age_days counts from the date of service to as_of.
-- Sums run over every 835 claim payment of the claim (a reversal, CLP02
-- 22, carries negative amounts and cancels what it reverses).
-- contractual_cents is the CO adjustments of payments that were not
-- denials: a denial CO amount (CO-16, CO-197...) is not a contractual
-- write-off; the claim is still owed once corrected or appealed.
-- patient_paid_cents is what the patient paid on the claim statements
-- (a statement ID starts with its claim ID, activities.PatientBalances)
-- net of refunds. clean: accepted by the payer (277CA) after exactly one
-- submission, with no scrub failure (claim edit) or rejection before the
-- acceptance. first_pass: the first adjudication processed the claim
-- (CLP02 1, 2 or 3, paid or applied to the patient share) and exactly one
-- submission came before it.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
patient_paid AS (
    SELECT left(s.id, 36) AS claim_key,
           sum(coalesce((SELECT sum(pp.amount_cents) FROM patient_payments pp WHERE pp.statement_id = s.id), 0)
               - coalesce((SELECT sum(rf.amount_cents) FROM patient_refunds rf WHERE rf.statement_id = s.id), 0)) AS cents
    FROM patient_statements s GROUP BY 1
)
SELECT c.id::text AS id, p.name AS payer, c.patient_id::text AS patient_id, c.status, c.total_cents,
       (sqlc.arg(as_of)::text::date - e.date_of_service)::int AS age_days,
       coalesce((SELECT sum(cp.paid_cents) FROM claim_payments cp WHERE cp.claim_id = c.id), 0)::bigint AS paid_cents,
       coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                 JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                 WHERE cp.claim_id = c.id AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)::bigint AS contractual_cents,
       coalesce((SELECT sum(cp.patient_resp_cents) FROM claim_payments cp WHERE cp.claim_id = c.id), 0)::bigint AS patient_resp_cents,
       coalesce(pp.cents, 0)::bigint AS patient_paid_cents,
       EXISTS (SELECT 1 FROM claim_status_history h WHERE h.claim_id = c.id AND h.status = 'submitted')::boolean AS submitted,
       coalesce((SELECT NOT EXISTS (SELECT 1 FROM claim_status_history h WHERE h.claim_id = c.id
                                    AND h.status IN ('scrub_failed', 'rejected') AND h.at <= acc.at)
                        AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = c.id
                             AND h.status = 'submitted' AND h.at <= acc.at) = 1
                 FROM (SELECT min(h.at) AS at FROM claim_status_history h WHERE h.claim_id = c.id AND h.status = 'accepted') acc
                 WHERE acc.at IS NOT NULL), false)::boolean AS clean,
       EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.claim_id = c.id AND cp.status_code <> '22')::boolean AS adjudicated,
       coalesce((SELECT cp.status_code IN ('1', '2', '3')
                        AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = c.id
                             AND h.status = 'submitted' AND h.at <= cp.posted_at) = 1
                 FROM claim_payments cp WHERE cp.claim_id = c.id AND cp.status_code <> '22'
                 ORDER BY cp.posted_at, cp.seq LIMIT 1), false)::boolean AS first_pass,
       coalesce((SELECT array_agg(DISTINCT a.group_code || '-' || a.reason ORDER BY a.group_code || '-' || a.reason)
                 FROM claim_payments cp JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                 WHERE cp.claim_id = c.id AND cp.status_code = '4'), '{}')::text[] AS denial_reasons,
       EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.claim_id = c.id AND cp.status_code = '4')::boolean AS denied
FROM claims c
JOIN payers p ON p.id = c.payer_id
JOIN encounters e ON e.id = c.encounter_id
LEFT JOIN patient_paid pp ON pp.claim_key = c.id::text
WHERE c.org_id IN (SELECT id FROM visible);

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
