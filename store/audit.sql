-- Queries of audit verification and checkpoints (auditverify.go).

-- name: GetAuditRowHash :one
SELECT hash FROM audit_log WHERE chain = $1 AND seq = $2;

-- name: ArchiveFileOrgs :many
-- The organisations whose records an archived file (by its hash) carries:
-- the claims of an 837 batch, of an 835's claim payments, of 276/277
-- inquiries, and the appointments of 270/271 checks.
SELECT DISTINCT org_id::text FROM (
    SELECT c.org_id FROM claim_batches b
    JOIN batch_claims bc ON bc.batch_id = b.id JOIN claims c ON c.id = bc.claim_id
    WHERE b.file_key = $1
    UNION
    SELECT c.org_id FROM remittances r
    JOIN claim_payments cp ON cp.remittance_id = r.id JOIN claims c ON c.id = cp.claim_id
    WHERE r.file_key = $1
    UNION
    SELECT c.org_id FROM claim_status_inquiries i JOIN claims c ON c.id = i.claim_id
    WHERE $1 IN (i.request_key, i.response_key)
    UNION
    SELECT a.org_id FROM eligibility_checks e JOIN appointments a ON a.id = e.appointment_id
    WHERE $1 IN (e.request_key, e.response_key)
) AS x ORDER BY 1;
