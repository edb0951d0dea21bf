-- Coordination of benefits (issue 19; migration 00157). Read at run time
-- through q() (store/queries.go): not yet in sqlc.yaml, so only $N
-- parameters.

-- name: COBClaimForUpdate :one
-- The claim's current payer, its place, and what picks the next coverage.
SELECT c.org_id::text, c.patient_id::text, c.coverage_id::text, c.payer_id::text, c.cob_seq, cv.priority, e.date_of_service
FROM claims c JOIN coverages cv ON cv.id = c.coverage_id JOIN encounters e ON e.id = c.encounter_id
WHERE c.id = $1 FOR UPDATE OF c;

-- name: COBPaymentOf :one
-- The posted claim payment of the claim in the 835 (trace number, archive key).
SELECT cp.remittance_id::text, cp.seq FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
WHERE cp.claim_id = $1 AND r.trace_number = $2 AND r.file_key = $3
ORDER BY cp.seq LIMIT 1;

-- name: COBPartOfPayment :one
-- The part a posted payment settled, when it was recorded.
SELECT seq FROM claim_payer_parts WHERE claim_id = $1 AND remittance_id = $2 AND payment_seq = $3;

-- name: COBPutPart :exec
-- A payer's part; a second write keeps the first coverage and payer and
-- fills in the payment when it is known.
INSERT INTO claim_payer_parts (claim_id, seq, org_id, coverage_id, payer_id, crossover, remittance_id, payment_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (claim_id, seq) DO UPDATE
SET remittance_id = coalesce(claim_payer_parts.remittance_id, EXCLUDED.remittance_id),
    payment_seq = coalesce(claim_payer_parts.payment_seq, EXCLUDED.payment_seq);

-- name: COBNextCoverage :one
-- The patient's next coverage after priority $2 in force on the date of
-- service $3, with its payer.
SELECT cv.id::text, p.id::text, CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END, p.name
FROM coverages cv JOIN payers p ON p.id = cv.payer_id
WHERE cv.patient_id = $1 AND cv.priority > $2
  AND (cv.effective_from IS NULL OR cv.effective_from <= $3)
  AND (cv.effective_to IS NULL OR cv.effective_to >= $3)
ORDER BY cv.priority LIMIT 1;

-- name: COBMoveClaim :exec
UPDATE claims SET cob_seq = $2, coverage_id = $3, payer_id = $4, updated_at = now() WHERE id = $1;

-- name: COBPart :one
-- One part with its payer (for a retried advance that finds it done).
SELECT pp.crossover, CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END, p.name
FROM claim_payer_parts pp JOIN payers p ON p.id = pp.payer_id
WHERE pp.claim_id = $1 AND pp.seq = $2;

-- name: COBParts :many
-- Every part of the claim in order, with its posted payment (if any).
SELECT pp.seq, pp.crossover, pp.coverage_id::text,
       CASE WHEN p.clearinghouse_payer <> '' THEN p.clearinghouse_payer ELSE p.payer_id END, p.name,
       coalesce(pp.remittance_id::text, ''), coalesce(pp.payment_seq, 0),
       coalesce(cp.status_code, ''), coalesce(cp.charge_cents, 0), coalesce(cp.paid_cents, 0),
       coalesce(cp.patient_resp_cents, 0), coalesce(cp.payer_claim_number, ''),
       coalesce(to_char(coalesce(r.payment_date, r.created_at::date), 'YYYYMMDD'), ''),
       coalesce((SELECT sum(a.amount_cents) FROM claim_adjustments a
                 WHERE a.remittance_id = pp.remittance_id AND a.seq = pp.payment_seq AND a.group_code <> 'PR'), 0)::bigint
FROM claim_payer_parts pp
JOIN payers p ON p.id = pp.payer_id
LEFT JOIN claim_payments cp ON cp.remittance_id = pp.remittance_id AND cp.seq = pp.payment_seq
LEFT JOIN remittances r ON r.id = pp.remittance_id
WHERE pp.claim_id = $1
ORDER BY pp.seq;

-- name: COBPaymentAdjustments :many
SELECT line, group_code, reason, amount_cents FROM claim_adjustments
WHERE remittance_id = $1 AND seq = $2 ORDER BY line, n;

-- name: COBPaymentLines :many
SELECT line, procedure_qual, procedure, modifiers, revenue_code, units, charge_cents, paid_cents, service_date
FROM claim_payment_lines WHERE remittance_id = $1 AND seq = $2 ORDER BY line;

-- name: COBLaterPayer :one
-- Whether the patient of claim $1 has a coverage in force on the date of
-- service after the one whose payer's ID is $2 (the 835's payer): that
-- payer is not the last, so what it left to the patient is not billed yet.
SELECT EXISTS (
    SELECT 1 FROM claims c JOIN encounters e ON e.id = c.encounter_id
    JOIN coverages cur ON cur.patient_id = c.patient_id
    JOIN payers p ON p.id = cur.payer_id AND $2 IN (p.payer_id, p.clearinghouse_payer)
    JOIN coverages nxt ON nxt.patient_id = c.patient_id AND nxt.priority > cur.priority
    WHERE c.id = $1
      AND (nxt.effective_from IS NULL OR nxt.effective_from <= e.date_of_service)
      AND (nxt.effective_to IS NULL OR nxt.effective_to >= e.date_of_service))::boolean;
