-- Revenue-cycle queries used by the workflows' activities (store/rcm.go).

-- name: InsertClaimProgress
INSERT INTO claim_status_history (claim_id, seq, status, reason, at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (claim_id, seq) DO NOTHING;

-- name: UpdateClaimProgress
UPDATE claims
SET status = $2, attempt = $3, frequency_code = $4, paid_cents = $5,
    payer_claim_number = CASE WHEN $6 = '' THEN payer_claim_number ELSE $6 END,
    updated_at = now()
WHERE id = $1;

-- name: GetBillingProfile
-- The profile of the organisation or of its nearest ancestor.
SELECT bp.org_id, bp.name, bp.npi, bp.tax_id, bp.taxonomy, bp.address_line1, bp.city, bp.state, bp.zip,
       bp.submitter_id, bp.contact_name, bp.contact_phone
FROM billing_profiles bp
JOIN orgs o ON o.id = bp.org_id
WHERE o.path @> (SELECT path FROM orgs WHERE id = $1)
ORDER BY nlevel(o.path) DESC
LIMIT 1;

-- name: PutBillingProfile
INSERT INTO billing_profiles (org_id, name, npi, tax_id, taxonomy, address_line1, city, state, zip, submitter_id, contact_name, contact_phone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (org_id) DO UPDATE SET
    name = EXCLUDED.name, npi = EXCLUDED.npi, tax_id = EXCLUDED.tax_id, taxonomy = EXCLUDED.taxonomy,
    address_line1 = EXCLUDED.address_line1, city = EXCLUDED.city, state = EXCLUDED.state, zip = EXCLUDED.zip,
    submitter_id = EXCLUDED.submitter_id, contact_name = EXCLUDED.contact_name, contact_phone = EXCLUDED.contact_phone,
    updated_at = now();

-- name: BatchesForRun
SELECT b.id, b.clearinghouse, b.payer_id, b.isa13, b.gs06, b.file_key, b.uploaded_at IS NOT NULL,
       bc.claim_id, bc.attempt, bc.st02
FROM claim_batches b
JOIN batch_claims bc ON bc.batch_id = b.id
WHERE b.run_id = $1
ORDER BY b.id, bc.st02;

-- name: LockReadyClaims
SELECT c.id, c.payer_id, c.attempt
FROM claims c
JOIN payers p ON p.id = c.payer_id
WHERE c.status = 'ready' AND p.clearinghouse = $1
ORDER BY c.payer_id, c.id
LIMIT $2
FOR UPDATE OF c SKIP LOCKED;

-- name: NextInterchangeControl
SELECT nextval('interchange_control_numbers');

-- name: InsertBatch
INSERT INTO claim_batches (id, run_id, clearinghouse, payer_id, isa13, gs06)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: InsertBatchClaim
INSERT INTO batch_claims (batch_id, claim_id, attempt, st02) VALUES ($1, $2, $3, $4);

-- name: MarkClaimBatched
UPDATE claims SET status = 'batched', batch_id = $2, updated_at = now() WHERE id = $1;

-- name: SetBatchFile
UPDATE claim_batches SET file_key = $2 WHERE id = $1;

-- name: MarkBatchUploaded
UPDATE claim_batches SET uploaded_at = now() WHERE id = $1 AND uploaded_at IS NULL;

-- name: BatchByControl
SELECT b.id FROM claim_batches b WHERE b.clearinghouse = $1 AND b.isa13 = $2;

-- name: BatchClaims
SELECT claim_id FROM batch_claims WHERE batch_id = $1 ORDER BY st02;

-- name: ClaimByControlNumber
SELECT id FROM claims WHERE patient_control_number = $1;

-- name: InsertRemittance
INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, provider_adj_cents, balanced, balance_problems, payment_date)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (payer_id, trace_number) DO NOTHING;

-- name: GetRemittanceByTrace
SELECT id, balanced, eft_reconciled FROM remittances WHERE payer_id = $1 AND trace_number = $2;

-- name: InsertClaimPayment
INSERT INTO claim_payments (remittance_id, seq, claim_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, payer_claim_number, rarcs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (remittance_id, seq) DO NOTHING;

-- name: InsertAdjustment
INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetClaimPayment
SELECT claim_id FROM claim_payments WHERE remittance_id = $1 AND seq = $2;

-- name: EnqueueRemitWork
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES ($1, $2, $3, $4)
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;

-- name: ReconcileEFT
UPDATE eft_deposits SET remittance_id = $2
WHERE trace_number = $1 AND amount_cents = $3 AND (remittance_id IS NULL OR remittance_id = $2);

-- name: MarkRemittanceReconciled
UPDATE remittances SET eft_reconciled = true WHERE id = $1;

-- name: AddClaimPaid
UPDATE claims SET paid_cents = paid_cents + $2, updated_at = now() WHERE id = $1;

-- name: ClaimSubmission
SELECT frequency_code, payer_claim_number, attempt FROM claims WHERE id = $1;

-- name: BatchClaimControls
SELECT bc.claim_id, bc.st02
FROM claim_batches b
JOIN batch_claims bc ON bc.batch_id = b.id
WHERE b.clearinghouse = $1 AND b.isa13 = $2
ORDER BY bc.st02;

-- name: InsertAppeal
INSERT INTO claim_appeals (claim_id, payer_claim_number, denial_codes, note, filed_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (claim_id, payer_claim_number) DO NOTHING;

-- name: ClaimPatient
SELECT patient_id::text FROM claims WHERE id = $1;

-- Billing dashboard: the remittance work queue, paged and resolved
-- (store/dashboard_workqueue.go). Scoped like DashWorkQueue: user $1,
-- permission $2.

-- name: DashWorkQueuePage
WITH visible AS (
    SELECT o.id FROM role_grants g
    JOIN role_permissions rp ON rp.role = g.role AND rp.permission = $2
    JOIN orgs go ON go.id = g.org_id JOIN orgs o ON o.path <@ go.path
    WHERE g.user_id = $1)
SELECT q.id, q.remittance_id::text, r.trace_number, q.seq, q.kind, q.detail, q.status, q.created_at
FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
WHERE q.status = 'open' AND q.id < coalesce($3::bigint, 9223372036854775807)
  AND (EXISTS (SELECT 1 FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
               WHERE cp.remittance_id = r.id AND c.org_id IN (SELECT id FROM visible))
       OR EXISTS (SELECT 1 FROM payers p WHERE (p.payer_id = r.payer_id OR p.id::text = r.payer_id)
                  AND p.org_id IN (SELECT id FROM visible)))
ORDER BY q.id DESC LIMIT $4;

-- name: DashRemittanceVersion
-- What changes when the remittance view would: remittances posted or
-- reconciled, work items added or resolved.
WITH visible AS (
    SELECT o.id FROM role_grants g
    JOIN role_permissions rp ON rp.role = g.role AND rp.permission = $2
    JOIN orgs go ON go.id = g.org_id JOIN orgs o ON o.path <@ go.path
    WHERE g.user_id = $1),
rem AS (
    SELECT r.id, r.created_at, r.eft_reconciled FROM remittances r
    WHERE EXISTS (SELECT 1 FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
                  WHERE cp.remittance_id = r.id AND c.org_id IN (SELECT id FROM visible))
       OR EXISTS (SELECT 1 FROM payers p WHERE (p.payer_id = r.payer_id OR p.id::text = r.payer_id)
                  AND p.org_id IN (SELECT id FROM visible)))
SELECT (SELECT count(*) FROM rem),
       (SELECT count(*) FROM rem WHERE eft_reconciled),
       (SELECT count(*) FROM remit_work_queue q WHERE q.status = 'open' AND q.remittance_id IN (SELECT id FROM rem)),
       greatest((SELECT max(created_at) FROM rem),
                (SELECT max(greatest(q.created_at, q.resolved_at)) FROM remit_work_queue q WHERE q.remittance_id IN (SELECT id FROM rem)),
                'epoch'::timestamptz);

-- name: WorkItemForResolve
-- The item, locked, with whether user $1 sees it with permission $2
-- (claim:read) and may act on it with $3 (claim:write), the organisation
-- to audit under and the patient of its claim payment, if matched.
WITH rv AS (
    SELECT o.id FROM role_grants g
    JOIN role_permissions rp ON rp.role = g.role AND rp.permission = $2
    JOIN orgs go ON go.id = g.org_id JOIN orgs o ON o.path <@ go.path
    WHERE g.user_id = $1),
wv AS (
    SELECT o.id FROM role_grants g
    JOIN role_permissions rp ON rp.role = g.role AND rp.permission = $3
    JOIN orgs go ON go.id = g.org_id JOIN orgs o ON o.path <@ go.path
    WHERE g.user_id = $1),
orgs_of AS (
    SELECT c.org_id AS id, 0 AS pref FROM remit_work_queue q
    JOIN claim_payments cp ON cp.remittance_id = q.remittance_id JOIN claims c ON c.id = cp.claim_id
    WHERE q.id = $4
    UNION ALL
    SELECT p.org_id, 1 FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
    JOIN payers p ON (p.payer_id = r.payer_id OR p.id::text = r.payer_id)
    WHERE q.id = $4)
SELECT q.id, q.remittance_id::text, r.trace_number, q.seq, q.kind, q.detail, q.status, q.created_at,
       coalesce(q.resolution, ''), q.resolution_note, coalesce(q.resolved_by::text, ''), q.resolved_at,
       EXISTS (SELECT 1 FROM orgs_of WHERE id IN (SELECT id FROM rv)),
       coalesce((SELECT id::text FROM orgs_of WHERE id IN (SELECT id FROM wv) ORDER BY pref LIMIT 1), ''),
       coalesce((SELECT c.patient_id::text FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
                 WHERE cp.remittance_id = q.remittance_id AND cp.seq = q.seq AND q.seq > 0), '')
FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
WHERE q.id = $4
FOR UPDATE OF q;

-- name: ResolveWorkItem
UPDATE remit_work_queue
SET status = 'resolved', resolution = $2, resolution_note = $3, resolved_by = $4, resolved_at = now()
WHERE id = $1 AND status = 'open'
RETURNING resolved_at;

-- Real-time claim status inquiries (activities/claimstatus.go).

-- name: RecordStatusInquiry
INSERT INTO claim_status_inquiries (claim_id, attempt, trace, partner, request_key, response_key, stc, note, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (claim_id, trace) DO UPDATE
SET request_key = EXCLUDED.request_key, response_key = EXCLUDED.response_key, stc = EXCLUDED.stc,
    note = EXCLUDED.note, sent_at = EXCLUDED.sent_at;

-- name: ClaimStatusInquiries
SELECT id, claim_id::text, attempt, trace, partner, request_key, response_key, stc, note, sent_at
FROM claim_status_inquiries WHERE claim_id = $1
ORDER BY sent_at, id;
