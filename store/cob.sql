-- Coordination of benefits (issue 19; migration 00157): typed by sqlc
-- (store/internal/pgq/cob.sql.go).

-- name: COBClaimForUpdate :one
-- The claim's current payer, its place, and what picks the next coverage.
SELECT c.org_id::text AS org_id, c.patient_id::text AS patient_id, c.coverage_id::text AS coverage_id,
       c.payer_id::text AS payer_id, c.cob_seq, cv.priority, e.date_of_service
FROM claims c JOIN coverages cv ON cv.id = c.coverage_id JOIN encounters e ON e.id = c.encounter_id
WHERE c.id = @claim_id FOR UPDATE OF c;

-- name: COBPaymentOf :one
-- The posted claim payment of the claim in the 835 (trace number, archive key).
SELECT cp.remittance_id::text AS remittance_id, cp.seq FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
WHERE cp.claim_id = @claim_id AND r.trace_number = @trace_number AND r.file_key = @file_key
ORDER BY cp.seq LIMIT 1;

-- name: COBPartOfPayment :one
-- The part a posted payment settled, when it was recorded.
SELECT seq FROM claim_payer_parts
WHERE claim_id = @claim_id AND remittance_id = @remittance_id::uuid AND payment_seq = @payment_seq::int;

-- name: COBPutPart :exec
-- A payer's part; a second write keeps the first coverage and payer and
-- fills in the payment when it is known.
INSERT INTO claim_payer_parts (claim_id, seq, org_id, coverage_id, payer_id, crossover, remittance_id, payment_seq)
VALUES (@claim_id, @seq, @org_id, @coverage_id, @payer_id, @crossover, sqlc.narg(remittance_id)::uuid, sqlc.narg(payment_seq)::int)
ON CONFLICT (claim_id, seq) DO UPDATE
SET remittance_id = coalesce(claim_payer_parts.remittance_id, EXCLUDED.remittance_id),
    payment_seq = coalesce(claim_payer_parts.payment_seq, EXCLUDED.payment_seq);

-- name: COBNextCoverage :one
-- The patient's next coverage after the given priority in force on the
-- date of service, with its payer (and the ID claims name it by).
SELECT cv.id::text AS coverage_id, p.id::text AS payer_uuid,
       (CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END)::text AS payer_code, p.name
FROM coverages cv JOIN payers p ON p.id = cv.payer_id
WHERE cv.patient_id = @patient_id AND cv.priority > @after_priority::int
  AND (cv.effective_from IS NULL OR cv.effective_from <= @date_of_service::date)
  AND (cv.effective_to IS NULL OR cv.effective_to >= @date_of_service::date)
ORDER BY cv.priority LIMIT 1;

-- name: COBMoveClaim :exec
UPDATE claims SET cob_seq = @cob_seq, coverage_id = @coverage_id, payer_id = @payer_id, updated_at = now() WHERE id = @claim_id;

-- name: COBPart :one
-- One part with its payer (for a retried advance that finds it done).
SELECT pp.crossover, (CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END)::text AS payer_code, p.name
FROM claim_payer_parts pp JOIN payers p ON p.id = pp.payer_id
WHERE pp.claim_id = @claim_id AND pp.seq = @seq;

-- name: COBClaimScope :one
SELECT org_id::text AS org_id, patient_id::text AS patient_id, cob_seq FROM claims WHERE id = @claim_id;

-- name: COBParts :many
-- Every part of the claim in order, with its posted payment (if any).
SELECT pp.seq, pp.crossover, pp.coverage_id::text AS coverage_id,
       (CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END)::text AS payer_code, p.name AS payer_name,
       coalesce(pp.remittance_id::text, '')::text AS remittance_id, coalesce(pp.payment_seq, 0)::int AS payment_seq,
       coalesce(cp.status_code, '')::text AS status_code, coalesce(cp.charge_cents, 0)::bigint AS charge_cents,
       coalesce(cp.paid_cents, 0)::bigint AS paid_cents, coalesce(cp.patient_resp_cents, 0)::bigint AS patient_resp_cents,
       coalesce(cp.payer_claim_number, '')::text AS payer_claim_number,
       coalesce(to_char(coalesce(r.payment_date, r.created_at::date), 'YYYYMMDD'), '')::text AS payment_date,
       coalesce((SELECT sum(a.amount_cents) FROM claim_adjustments a
                 WHERE a.remittance_id = pp.remittance_id AND a.seq = pp.payment_seq AND a.group_code <> 'PR'), 0)::bigint AS adjustment_cents
FROM claim_payer_parts pp
JOIN payers p ON p.id = pp.payer_id
LEFT JOIN claim_payments cp ON cp.remittance_id = pp.remittance_id AND cp.seq = pp.payment_seq
LEFT JOIN remittances r ON r.id = pp.remittance_id
WHERE pp.claim_id = @claim_id
ORDER BY pp.seq;

-- name: COBPaymentAdjustments :many
SELECT line, group_code, reason, amount_cents FROM claim_adjustments
WHERE remittance_id = @remittance_id::uuid AND seq = @seq::int ORDER BY line, n;

-- name: COBPaymentLines :many
SELECT line, procedure_qual, procedure, modifiers, revenue_code, units, charge_cents, paid_cents, service_date
FROM claim_payment_lines WHERE remittance_id = @remittance_id::uuid AND seq = @seq::int ORDER BY line;

-- name: COBLaterPayer :one
-- Whether the patient of the claim has a coverage in force on the date of
-- service after the one whose payer's ID is the 835's payer: that payer
-- is not the last, so what it left to the patient is not billed yet.
SELECT EXISTS (
    SELECT 1 FROM claims c JOIN encounters e ON e.id = c.encounter_id
    JOIN coverages cur ON cur.patient_id = c.patient_id
    JOIN payers p ON p.id = cur.payer_id AND @payer_code::text IN (p.payer_id, p.clearinghouse_payer)
    JOIN coverages nxt ON nxt.patient_id = c.patient_id AND nxt.priority > cur.priority
    WHERE c.id = @claim_id
      AND (nxt.effective_from IS NULL OR nxt.effective_from <= e.date_of_service)
      AND (nxt.effective_to IS NULL OR nxt.effective_to >= e.date_of_service))::boolean AS later;
