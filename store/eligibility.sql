-- name: PrimaryCoverageForPatient :one
SELECT id::text FROM coverages
WHERE patient_id = @patient_id AND (effective_to IS NULL OR effective_to >= @on_date::date) AND (effective_from IS NULL OR effective_from <= @on_date::date)
ORDER BY priority LIMIT 1;

-- name: UpsertEligibility :exec
INSERT INTO eligibility_checks (trace_number, appointment_id, coverage_id, workflow_id, mode, status, reject_codes, dek, benefits, request_key, response_key, checked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
ON CONFLICT (trace_number) DO UPDATE SET
    mode = EXCLUDED.mode, status = EXCLUDED.status, reject_codes = EXCLUDED.reject_codes,
    dek = EXCLUDED.dek, benefits = EXCLUDED.benefits,
    workflow_id = CASE WHEN EXCLUDED.workflow_id = '' THEN eligibility_checks.workflow_id ELSE EXCLUDED.workflow_id END,
    request_key = CASE WHEN EXCLUDED.request_key = '' THEN eligibility_checks.request_key ELSE EXCLUDED.request_key END,
    response_key = CASE WHEN EXCLUDED.response_key = '' THEN eligibility_checks.response_key ELSE EXCLUDED.response_key END,
    checked_at = now();

-- name: EligibilityByTrace :one
-- The check with trace $1 whose 270 went to the payer through account $2:
-- a 271 reaches only a check sent through the account it came through.
SELECT e.appointment_id::text AS appointment_id, e.workflow_id FROM eligibility_checks e
JOIN coverages c ON c.id = e.coverage_id JOIN payers p ON p.id = c.payer_id
WHERE e.trace_number = $1 AND p.clearinghouse = $2;

-- name: LatestEligibility :one
SELECT trace_number, appointment_id::text, mode, status, reject_codes, dek, benefits, checked_at
FROM eligibility_checks WHERE appointment_id = $1 ORDER BY checked_at DESC LIMIT 1;

-- name: UpcomingAppointments :many
SELECT id::text FROM appointments WHERE status = 'booked' AND starts_at >= @from_time AND starts_at < @to_time ORDER BY starts_at, id;
