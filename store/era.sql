-- The ERA/EOB viewer and bank deposits (issue 16; migrations/00152).
-- Remittance data is scoped through visible_remittances and
-- visible_claim_payments (00141), deposits through visible_orgs.

-- Posting: what the viewer needs beyond the claim payments.

-- name: SetRemittanceDetails :exec
UPDATE remittances SET payer_name = @payer_name, payment_method = @payment_method, details_recorded = true
WHERE id = @id;

-- name: InsertProviderAdjustment :exec
INSERT INTO remittance_provider_adjustments (remittance_id, n, provider_id, fiscal_period, reason, reference, amount_cents)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: InsertClaimPaymentLine :exec
INSERT INTO claim_payment_lines (remittance_id, seq, line, org_id, procedure_qual, procedure, modifiers, revenue_code, units,
                                 charge_cents, paid_cents, allowed_cents, service_date, line_control, rarcs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: MarkLinesRecorded :exec
UPDATE claim_payments SET lines_recorded = true WHERE remittance_id = $1 AND seq = $2;

-- The viewer: user $actor with permission $perm (claim:read).

-- name: EraRemittance :one
-- The remittance if the caller owns a part of it, with how many claim
-- payments it carries in all.
SELECT r.id::text AS id, r.payer_id, r.payer_name, r.trace_number, r.payment_method, r.paid_cents, r.provider_adj_cents,
       r.balanced, r.balance_problems, r.eft_reconciled, r.details_recorded,
       coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date, r.created_at,
       (SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)::bigint AS payments
FROM remittances r
WHERE r.id = @id::uuid
  AND r.id IN (SELECT remittance_id FROM visible_remittances(sqlc.narg(actor)::uuid, @perm::text));

-- name: EraClaimPayments :many
-- The claim payments of the remittance the caller owns (optionally one
-- claim's), with the claim's organisation and patient.
SELECT cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id, coalesce(cp.org_id::text, '')::text AS org_id,
       coalesce(c.patient_id::text, '')::text AS patient_id, cp.patient_control, cp.status_code, cp.charge_cents,
       cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs, cp.lines_recorded
FROM claim_payments cp LEFT JOIN claims c ON c.id = cp.claim_id
WHERE cp.remittance_id = @remittance_id::uuid
  AND (sqlc.narg(claim_id)::uuid IS NULL OR cp.claim_id = sqlc.narg(claim_id)::uuid)
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY cp.seq;

-- name: EraAdjustments :many
SELECT a.seq, a.line, a.group_code, a.reason, a.amount_cents
FROM claim_adjustments a
WHERE a.remittance_id = @remittance_id::uuid
  AND (a.remittance_id, a.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY a.seq, a.line, a.n;

-- name: EraLines :many
SELECT l.seq, l.line, l.procedure_qual, l.procedure, l.modifiers, l.revenue_code, l.units, l.charge_cents, l.paid_cents,
       l.allowed_cents, l.service_date, l.line_control, l.rarcs
FROM claim_payment_lines l
WHERE l.remittance_id = @remittance_id::uuid
  AND (l.remittance_id, l.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY l.seq, l.line;

-- name: EraProviderAdjustments :many
SELECT provider_id, fiscal_period, reason, reference, amount_cents
FROM remittance_provider_adjustments WHERE remittance_id = $1 ORDER BY n;

-- Deposits.

-- name: InsertDeposit :one
INSERT INTO deposits (id, org_id, amount_cents, deposited_on, reference, reference_norm, note, created_by)
VALUES (@id, @org_id, @amount_cents, @deposited_on, @reference, deposit_trace_norm(@reference), @note, sqlc.narg(created_by)::uuid)
RETURNING created_at;

-- name: ListDeposits :many
-- The deposits of the caller's organisations, newest first, one page at a
-- time: those before (before_on, before_id) in that order.
SELECT d.id::text AS id, d.org_id::text AS org_id, d.amount_cents, to_char(d.deposited_on, 'YYYY-MM-DD')::text AS deposited_on,
       d.reference, d.note, d.manual, coalesce(d.created_by::text, '')::text AS created_by, d.created_at
FROM deposits d
WHERE d.org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND (sqlc.narg(deposit_id)::uuid IS NULL OR d.id = sqlc.narg(deposit_id)::uuid)
  AND (sqlc.narg(before_on)::date IS NULL OR (d.deposited_on, d.id) < (sqlc.narg(before_on)::date, sqlc.narg(before_id)::uuid))
ORDER BY d.deposited_on DESC, d.id DESC
LIMIT @row_limit;

-- name: DepositRemittances :many
-- The 835s each listed deposit is matched to, with the amount that
-- belongs to the deposit's organisation.
SELECT d.id::text AS deposit_id, r.id::text AS remittance_id, r.trace_number, r.payer_id,
       coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date,
       remittance_share_cents(r.id, d.org_id)::bigint AS amount_cents
FROM deposits d
CROSS JOIN LATERAL deposit_remittances(d.id) AS dr (remittance_id)
JOIN remittances r ON r.id = dr.remittance_id
WHERE d.id = ANY(@deposit_ids::uuid[])
ORDER BY d.id, r.trace_number, r.id;

-- name: RemittancesWithoutDeposit :many
-- The caller's paying 835s (BPR02 above zero) no deposit is matched to,
-- with the caller's share of each, newest first, one page at a time.
WITH vis AS (SELECT v.remittance_id, v.seq FROM visible_claim_payments(sqlc.narg(actor)::uuid, @perm::text) AS v (remittance_id, seq))
SELECT r.id::text AS remittance_id, r.trace_number, r.payer_id,
       coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), '')::text AS payment_date,
       (CASE WHEN (SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)
                  > (SELECT count(*) FROM vis WHERE vis.remittance_id = r.id)
             THEN coalesce((SELECT sum(cp.paid_cents) FROM claim_payments cp JOIN vis ON vis.remittance_id = cp.remittance_id AND vis.seq = cp.seq
                            WHERE cp.remittance_id = r.id), 0)
             ELSE r.paid_cents END)::bigint AS amount_cents
FROM remittances r
WHERE r.id IN (SELECT remittance_id FROM visible_remittances(sqlc.narg(actor)::uuid, @perm::text))
  AND r.paid_cents > 0
  AND NOT EXISTS (SELECT 1 FROM deposit_matches m WHERE m.remittance_id = r.id)
  AND r.id < coalesce(sqlc.narg(before)::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
ORDER BY r.id DESC
LIMIT @row_limit;

-- name: DepositForUpdate :one
-- The deposit, locked, if the caller sees it with $perm.
SELECT d.id::text AS id, d.org_id::text AS org_id, d.manual
FROM deposits d
WHERE d.id = @id::uuid
  AND d.org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
FOR UPDATE;

-- name: SetDepositManual :exec
-- Staff matched or unmatched by hand: 835s posted later no longer join
-- the deposit by its reference.
UPDATE deposits SET manual = true WHERE id = @deposit_id::uuid;

-- name: RemittanceOwnedBy :one
-- Whether the remittance is one the organisation (or a descendant) owns a
-- part of.
SELECT EXISTS (SELECT 1 FROM remittance_owners o
               WHERE o.remittance_id = @remittance_id::uuid AND o.org_id IN (SELECT id FROM org_subtree(@org_id::uuid)))::boolean AS owned;

-- name: AddDepositMatch :exec
INSERT INTO deposit_matches (deposit_id, remittance_id, matched_by) VALUES (@deposit_id, @remittance_id, sqlc.narg(matched_by)::uuid)
ON CONFLICT (deposit_id, remittance_id) DO NOTHING;

-- name: RemittanceDeposit :one
-- The deposit the remittance is matched to, if any, with its organisation.
SELECT m.deposit_id::text AS deposit_id, d.org_id::text AS org_id
FROM deposit_matches m JOIN deposits d ON d.id = m.deposit_id
WHERE m.remittance_id = @remittance_id::uuid;

-- name: RemoveDepositMatch :execrows
DELETE FROM deposit_matches WHERE deposit_id = @deposit_id AND remittance_id = @remittance_id;

-- Reconciliation: deposit_matches is the one record of which 835 a
-- deposit paid (migrations/00155); remittances.eft_reconciled and the
-- eft_unreconciled work item follow it.

-- name: MatchDepositByReference :many
-- A new deposit joins the 835s whose trace number is its reference, among
-- those its organisation owns a part of and no deposit is matched to yet.
INSERT INTO deposit_matches (deposit_id, remittance_id)
SELECT d.id, r.id FROM deposits d JOIN remittances r ON deposit_trace_norm(r.trace_number) = d.reference_norm
WHERE d.id = @deposit_id::uuid
  AND r.id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
ON CONFLICT DO NOTHING
RETURNING remittance_id::text;

-- name: MatchRemittanceByReference :exec
-- A posted 835 no deposit is matched to joins the oldest deposit not
-- matched by hand whose reference is its trace number and whose
-- organisation owns a part of it.
INSERT INTO deposit_matches (deposit_id, remittance_id)
SELECT d.id, r.id FROM remittances r JOIN deposits d ON d.reference_norm = deposit_trace_norm(r.trace_number)
WHERE r.id = @remittance_id::uuid AND NOT d.manual
  AND r.id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
ORDER BY d.created_at, d.id
LIMIT 1
ON CONFLICT DO NOTHING;

-- name: SyncEFTReconciled :many
-- Sets eft_reconciled of the remittances from their deposit.
UPDATE remittances r SET eft_reconciled = remittance_deposit_reconciled(r.id)
WHERE r.id = ANY(@remittance_ids::uuid[])
RETURNING r.id::text AS id, r.eft_reconciled, r.paid_cents;

-- name: ResolveEFTWork :exec
-- The remittance's deposit adds up: its open eft_unreconciled item is
-- resolved (by the person whose match did it, NULL at posting).
UPDATE remit_work_queue
SET status = 'resolved', resolution = 'deposit_matched', resolution_note = @note::text, resolved_by = sqlc.narg(resolved_by)::uuid,
    resolved_at = now()
WHERE remittance_id = @remittance_id::uuid AND seq = 0 AND kind = 'eft_unreconciled' AND status = 'open';

-- name: OpenEFTWork :exec
-- The remittance has no deposit that adds up: its eft_unreconciled item
-- is queued, or reopened if a deposit match had resolved it (a person's
-- resolution stands).
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES (@remittance_id::uuid, 0, 'eft_unreconciled', @detail::text)
ON CONFLICT (remittance_id, seq, kind) DO UPDATE
SET status = 'open', resolution = NULL, resolution_note = '', resolved_by = NULL, resolved_at = NULL, detail = excluded.detail
WHERE remit_work_queue.status = 'resolved' AND remit_work_queue.resolution = 'deposit_matched';
