-- Billing dashboard queries (store/dashboard.go). Every query is scoped to
-- the organisations where user $1 holds permission $2 (and their
-- descendants), as ListClaims is.

-- name: DashClaims
WITH visible AS (SELECT id FROM visible_orgs($1, $2))
SELECT c.id::text, c.org_id::text, c.status, c.payer_id::text, p.name, c.provider_id::text,
       trim(pr.first_name || ' ' || pr.last_name), c.patient_control_number, c.total_cents, c.paid_cents,
       c.attempt, c.created_at, c.updated_at, c.patient_id::text
FROM claims c
JOIN payers p ON p.id = c.payer_id
JOIN providers pr ON pr.id = c.provider_id
WHERE c.org_id IN (SELECT id FROM visible)
  AND c.id < coalesce($3::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  AND ($5::text IS NULL OR c.status = ANY (string_to_array($5, ',')))
  AND ($6::uuid IS NULL OR c.payer_id = $6)
  AND ($7::uuid IS NULL OR c.provider_id = $7)
  AND ($8::timestamptz IS NULL OR c.created_at >= $8)
  AND ($9::timestamptz IS NULL OR c.created_at < $9)
  AND ($10::bigint IS NULL OR c.total_cents >= $10)
  AND ($11::bigint IS NULL OR c.total_cents <= $11)
ORDER BY c.id DESC LIMIT $4;

-- name: DashStatusCounts
WITH visible AS (SELECT id FROM visible_orgs($1, $2))
SELECT c.status, count(*), coalesce(max(c.updated_at), 'epoch'::timestamptz)
FROM claims c
WHERE c.org_id IN (SELECT id FROM visible)
  AND ($3::uuid IS NULL OR c.payer_id = $3)
  AND ($4::uuid IS NULL OR c.provider_id = $4)
  AND ($5::timestamptz IS NULL OR c.created_at >= $5)
  AND ($6::timestamptz IS NULL OR c.created_at < $6)
  AND ($7::bigint IS NULL OR c.total_cents >= $7)
  AND ($8::bigint IS NULL OR c.total_cents <= $8)
  AND ($9::uuid IS NULL OR c.id = $9)
GROUP BY c.status ORDER BY c.status;

-- name: DashClaimBatches
SELECT b.id, b.isa13, b.gs06, bc.st02, bc.attempt, b.file_key, b.uploaded_at, b.created_at
FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id
WHERE bc.claim_id = $1
ORDER BY bc.attempt;

-- name: DashClaimPayments
SELECT r.id::text, r.trace_number, r.file_key, r.transaction_index, cp.seq, cp.status_code, cp.charge_cents,
       cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs, cp.posted_at
FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
WHERE cp.claim_id = $1
ORDER BY cp.posted_at, cp.seq;

-- name: DashAdjustments
SELECT seq, line, group_code, reason, amount_cents
FROM claim_adjustments WHERE remittance_id = $1
ORDER BY seq, line, n;

-- name: DashRemittances
-- Remittances the caller owns a part of (remittance_owners: the
-- organisations of the claims they pay, or, for what matched no claim, the
-- organisations billing through the account they came through), with how
-- many claim payments they carry in all.
SELECT r.id::text, r.payer_id, r.trace_number, r.paid_cents, r.provider_adj_cents, r.balanced, r.balance_problems,
       r.eft_reconciled, coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), ''), r.created_at,
       (SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)
FROM remittances r
WHERE r.id < coalesce($3::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  AND r.id IN (SELECT remittance_id FROM visible_remittances($1, $2))
ORDER BY r.id DESC LIMIT $4;

-- name: DashRemittancePayments
-- The claim payments of a remittance the caller owns.
SELECT cp.seq, coalesce(cp.claim_id::text, ''),
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = $3
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments($1, $2))
ORDER BY cp.seq;

-- name: DashWorkQueue
SELECT q.public_id::text, q.remittance_id::text, r.trace_number, q.seq, q.kind, q.detail, q.status, q.created_at
FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
WHERE q.status = 'open'
  AND q.id IN (SELECT item_id FROM visible_work_items($1, $2))
ORDER BY q.id DESC LIMIT 200;

-- name: DashAging
-- Outstanding balance per payer and age bucket (days since the claim was
-- created) of claims still open.
WITH visible AS (SELECT id FROM visible_orgs($1, $2))
SELECT p.name,
       coalesce(sum(c.total_cents - c.paid_cents) FILTER (WHERE now() - c.created_at <= interval '30 days'), 0),
       coalesce(sum(c.total_cents - c.paid_cents) FILTER (WHERE now() - c.created_at > interval '30 days' AND now() - c.created_at <= interval '60 days'), 0),
       coalesce(sum(c.total_cents - c.paid_cents) FILTER (WHERE now() - c.created_at > interval '60 days' AND now() - c.created_at <= interval '90 days'), 0),
       coalesce(sum(c.total_cents - c.paid_cents) FILTER (WHERE now() - c.created_at > interval '90 days'), 0)
FROM claims c JOIN payers p ON p.id = c.payer_id
WHERE c.org_id IN (SELECT id FROM visible)
  AND c.status NOT IN ('paid', 'written_off', 'voided', 'patient_billing', 'draft')
  AND c.total_cents > c.paid_cents
GROUP BY p.name ORDER BY p.name;

-- name: DashTrend
-- Per week of posting: claim payments, denials (CLP02 4) and the average
-- days from claim creation to a paying remittance.
WITH visible AS (SELECT id FROM visible_orgs($1, $2))
SELECT to_char(date_trunc('week', cp.posted_at), 'YYYY-MM-DD'), count(*), count(*) FILTER (WHERE cp.status_code = '4'),
       coalesce(avg(extract(epoch FROM cp.posted_at - c.created_at) / 86400) FILTER (WHERE cp.paid_cents > 0), 0)::float8
FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
WHERE c.org_id IN (SELECT id FROM visible) AND cp.posted_at > now() - interval '26 weeks'
GROUP BY 1 ORDER BY 1;
