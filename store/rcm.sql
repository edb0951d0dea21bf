-- Revenue-cycle queries used by the workflows' activities (store/rcm.go).

-- name: InsertClaimProgress :execrows
INSERT INTO claim_status_history (claim_id, seq, status, reason, at, actor_id)
VALUES (@claim_id, @seq, @status, @reason, @at, sqlc.narg(actor_id))
ON CONFLICT (claim_id, seq) DO NOTHING;

-- name: UpdateClaimProgress :execrows
UPDATE claims
SET status = @status, attempt = @attempt, frequency_code = @frequency_code, paid_cents = @paid_cents,
    payer_claim_number = CASE WHEN @payer_claim_number::text = '' THEN payer_claim_number ELSE @payer_claim_number::text END,
    updated_at = now()
WHERE id = @id;

-- name: PutBillingProfile :exec
INSERT INTO billing_profiles (org_id, name, npi, tax_id, taxonomy, address_line1, city, state, zip, submitter_id, contact_name, contact_phone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (org_id) DO UPDATE SET
    name = EXCLUDED.name, npi = EXCLUDED.npi, tax_id = EXCLUDED.tax_id, taxonomy = EXCLUDED.taxonomy,
    address_line1 = EXCLUDED.address_line1, city = EXCLUDED.city, state = EXCLUDED.state, zip = EXCLUDED.zip,
    submitter_id = EXCLUDED.submitter_id, contact_name = EXCLUDED.contact_name, contact_phone = EXCLUDED.contact_phone,
    updated_at = now();

-- name: BatchesForRun :many
SELECT b.id, b.clearinghouse, b.payer_id, b.isa13, b.gs06, b.file_key, (b.uploaded_at IS NOT NULL)::bool AS uploaded,
       bc.claim_id, bc.attempt, bc.st02
FROM claim_batches b
JOIN batch_claims bc ON bc.batch_id = b.id
WHERE b.run_id = $1
ORDER BY b.id, bc.st02;

-- name: LockReadyClaims :many
SELECT c.id, c.payer_id, c.attempt, c.org_id
FROM claims c
JOIN payers p ON p.id = c.payer_id
WHERE c.status = 'ready' AND p.clearinghouse = @clearinghouse
  -- Not reserved for its current attempt already: the reservation does not
  -- change the claim's status (the claim workflow is its only writer).
  AND NOT EXISTS (SELECT 1 FROM batch_claims bc WHERE bc.claim_id = c.id AND bc.attempt = c.attempt AND bc.cob_seq = c.cob_seq)
  -- A run for one organisation ("Submit now" there) takes only the claims
  -- of that organisation and those below it.
  AND (sqlc.narg(org_id)::uuid IS NULL OR c.org_id IN (
        SELECT o.id FROM orgs o WHERE o.path <@ (SELECT r.path FROM orgs r WHERE r.id = sqlc.narg(org_id)::uuid)))
ORDER BY c.payer_id, c.id
LIMIT @max_claims
FOR UPDATE OF c SKIP LOCKED;

-- name: AddTradingPartnerOrg :exec
-- The organisation now bills through the account: what arrives through it
-- unmatched is theirs to see.
INSERT INTO trading_partner_orgs (partner, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: NextInterchangeControl :one
SELECT nextval('interchange_control_numbers');

-- name: InsertBatch :exec
INSERT INTO claim_batches (id, run_id, clearinghouse, payer_id, isa13, gs06)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: InsertBatchClaim :exec
INSERT INTO batch_claims (batch_id, claim_id, attempt, st02) VALUES ($1, $2, $3, $4);

-- name: SetClaimBatch :exec
-- The batch a reserved claim goes out in; its status stays the workflow's.
UPDATE claims SET batch_id = $2, updated_at = now() WHERE id = $1;

-- name: ClaimReserved :one
-- Whether a batch run holds the claim's current attempt (reserved, not yet
-- recorded as submitted by its workflow).
SELECT EXISTS (SELECT 1 FROM batch_claims bc JOIN claims c ON c.id = bc.claim_id AND c.attempt = bc.attempt AND c.cob_seq = bc.cob_seq
               WHERE bc.claim_id = $1)::boolean AS reserved;

-- name: SetBatchFile :exec
UPDATE claim_batches SET file_key = $2 WHERE id = $1;

-- name: MarkBatchUploaded :exec
UPDATE claim_batches SET uploaded_at = now() WHERE id = $1 AND uploaded_at IS NULL;

-- name: BatchByControl :one
SELECT b.id FROM claim_batches b WHERE b.clearinghouse = $1 AND b.isa13 = $2;

-- name: BatchClaims :many
SELECT claim_id FROM batch_claims WHERE batch_id = $1 ORDER BY st02;

-- name: ClaimSentThrough :one
-- The claim with patient control number $1 (CLM01) among the claims sent
-- through account $2, and its organisation: what comes back through an
-- account can only concern what was sent through it.
SELECT c.id::text AS id, c.org_id::text AS org_id FROM claims c
WHERE c.patient_control_number = $1
  AND EXISTS (SELECT 1 FROM batch_claims bc JOIN claim_batches b ON b.id = bc.batch_id
              WHERE bc.claim_id = c.id AND b.clearinghouse = $2);

-- name: InsertRemittance :execrows
INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, provider_adj_cents, balanced, balance_problems, payment_date, partner)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (partner, payer_id, trace_number) DO NOTHING;

-- name: GetRemittanceByTrace :one
SELECT id FROM remittances WHERE partner = @partner AND payer_id = @payer_id AND trace_number = @trace_number;

-- name: RemittancePartner :one
SELECT partner FROM remittances WHERE id = $1;

-- name: InsertClaimPayment :execrows
INSERT INTO claim_payments (remittance_id, seq, claim_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, payer_claim_number, rarcs, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (remittance_id, seq) DO NOTHING;

-- name: InsertAdjustment :exec
INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetClaimPayment :one
SELECT claim_id FROM claim_payments WHERE remittance_id = $1 AND seq = $2;

-- name: EnqueueRemitWork :exec
INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
VALUES ($1, $2, $3, $4)
ON CONFLICT (remittance_id, seq, kind) DO NOTHING;

-- name: AddClaimPaid :exec
UPDATE claims SET paid_cents = paid_cents + $2, updated_at = now() WHERE id = $1;

-- name: ClaimSubmission :one
SELECT frequency_code, payer_claim_number, attempt FROM claims WHERE id = $1;

-- name: BatchClaimControls :many
SELECT bc.claim_id, bc.st02
FROM claim_batches b
JOIN batch_claims bc ON bc.batch_id = b.id
WHERE b.clearinghouse = $1 AND b.isa13 = $2
ORDER BY bc.st02;

-- name: InsertAppeal :exec
INSERT INTO claim_appeals (claim_id, payer_claim_number, denial_codes, note, filed_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (claim_id, payer_claim_number) DO NOTHING;

-- name: ClaimPatient :one
SELECT patient_id::text FROM claims WHERE id = $1;

-- Billing dashboard: the remittance work queue, paged and resolved
-- (store/dashboard_workqueue.go). Scoped like DashWorkQueue: user $1,
-- permission $2.

-- name: DashWorkQueuePage :many
-- The open work items the caller sees, newest first. Their remittances
-- come first from the kept poll members with open items whose key the
-- caller sees (remittance_poll_members_open, 00182: a superset, as a
-- caller sees an item only through its key), then those remittances' open
-- items, each still asked (visible_work_items). The two OFFSET 0 keep
-- the planner from reading every tenant's open items instead (in ID
-- order, or hashed against the remittances): each remittance's open items
-- are one probe of its (remittance_id, seq, kind) key. At the full size:
-- 37 ms -> 2.5 ms of execution for a tenant's biller.
WITH v AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
q AS (
    SELECT q.id, q.public_id, q.remittance_id, q.seq, q.kind, q.detail, q.status, q.created_at
    FROM (SELECT DISTINCT m.remittance_id FROM remittance_poll_members m
          WHERE m.open_items > 0
            AND (m.orgs && ARRAY(SELECT v.id FROM v)
                 OR (m.by_account AND m.partner = ANY (ARRAY(
                         SELECT tp.partner FROM trading_partner_orgs tp WHERE tp.org_id IN (SELECT v.id FROM v)))))) AS m
    CROSS JOIN LATERAL (
        SELECT q.* FROM remit_work_queue q
        WHERE q.remittance_id = m.remittance_id AND q.status = 'open' OFFSET 0) AS q
    OFFSET 0
)
SELECT q.public_id::text AS id, q.remittance_id::text AS remittance_id, r.trace_number, q.seq, q.kind, q.detail, q.status, q.created_at
FROM q JOIN remittances r ON r.id = q.remittance_id
WHERE q.id < coalesce((SELECT c.id FROM remit_work_queue c WHERE c.public_id = sqlc.narg(before)::uuid), 9223372036854775807)
  AND q.id IN (SELECT item_id FROM visible_work_items(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY q.id DESC LIMIT @row_limit;

-- name: DashRemittanceVersion :one
-- What changes when the remittance view would: remittances posted or
-- reconciled, work items added or resolved, summed from the counts kept
-- per owner key (remittance_poll_counts, 00180): the keys whose
-- organisations meet the caller's, or whose account is one the caller's
-- organisations bill through. The latest change is each key's newest
-- member (remittance_poll_members_latest). DashRemittanceRecount counts
-- the same afresh.
WITH v AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id)),
g AS (
    SELECT c.orgs, c.by_account, c.partner, sum(c.remittances) AS remittances, sum(c.reconciled) AS reconciled,
           sum(c.open_items) AS open_items
    FROM remittance_poll_counts c
    WHERE c.orgs && ARRAY(SELECT v.id FROM v)
       OR (c.by_account AND c.partner = ANY (ARRAY(SELECT tp.partner FROM trading_partner_orgs tp WHERE tp.org_id IN (SELECT v.id FROM v))))
    GROUP BY c.orgs, c.by_account, c.partner
    HAVING sum(c.members) > 0)
SELECT coalesce((SELECT sum(g.remittances) FROM g), 0)::bigint AS remittances,
       coalesce((SELECT sum(g.reconciled) FROM g), 0)::bigint AS reconciled,
       coalesce((SELECT sum(g.open_items) FROM g), 0)::bigint AS open_items,
       greatest((SELECT max(l.latest) FROM g CROSS JOIN LATERAL (
                     SELECT m.latest FROM remittance_poll_members m
                     WHERE m.orgs = g.orgs AND m.by_account = g.by_account AND m.partner = g.partner
                     ORDER BY m.latest DESC LIMIT 1) AS l),
                'epoch'::timestamptz)::timestamptz AS latest;

-- name: DashRemittanceRecount :one
-- DashRemittanceVersion's figures counted afresh from every remittance and
-- work item the caller sees (visible_remittances; the items each asked,
-- work_item_visible, 00165): what the poll read before 00180, kept as the
-- kept counts' oracle (store tests).
WITH rem AS (
    SELECT r.id, r.created_at, r.eft_reconciled FROM remittances r
    WHERE r.id IN (SELECT remittance_id FROM visible_remittances(sqlc.narg(actor)::uuid, @perm::text))),
items AS (
    SELECT q.status, q.created_at, q.resolved_at FROM remit_work_queue q
    WHERE q.remittance_id IN (SELECT id FROM rem)
      AND EXISTS (SELECT 1 FROM work_item_visible(sqlc.narg(actor)::uuid, @perm::text, q.id) AS v WHERE v.visible))
SELECT (SELECT count(*) FROM rem)::bigint AS remittances,
       (SELECT count(*) FROM rem WHERE eft_reconciled)::bigint AS reconciled,
       (SELECT count(*) FROM items WHERE status = 'open')::bigint AS open_items,
       greatest((SELECT max(created_at) FROM rem),
                (SELECT max(greatest(created_at, resolved_at)) FROM items),
                'epoch'::timestamptz)::timestamptz AS latest;

-- name: WorkItemForResolve :one
-- The item (by its public ID $4), locked, with whether user $1 sees it
-- with permission $2 (claim:read) and may act on it with $3 (claim:write),
-- the organisation owning it to audit under (the claim's when it paid one)
-- and the patient of its claim payment, if matched.
WITH owners AS (
    SELECT o.org_id, o.pref FROM remit_work_queue q JOIN remit_work_owners o ON o.item_id = q.id
    WHERE q.public_id = @item_id::uuid)
SELECT q.public_id::text AS id, q.remittance_id::text AS remittance_id, r.trace_number, q.seq, q.kind, q.detail, q.status, q.created_at,
       coalesce(q.resolution, '')::text AS resolution, q.resolution_note, coalesce(q.resolved_by::text, '')::text AS resolved_by, q.resolved_at,
       EXISTS (SELECT 1 FROM owners WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @read_perm::text) AS v (id)))::bool AS visible,
       coalesce((SELECT org_id::text FROM owners WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @write_perm::text) AS v (id)) ORDER BY pref, org_id LIMIT 1), '')::text AS writable_org,
       coalesce((SELECT org_id::text FROM owners ORDER BY pref, org_id LIMIT 1), '')::text AS owner_org,
       coalesce((SELECT c.patient_id::text FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
                 WHERE cp.remittance_id = q.remittance_id AND cp.seq = q.seq AND q.seq > 0), '')::text AS patient_id
FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
WHERE q.public_id = @item_id::uuid
FOR UPDATE OF q;

-- name: ResolveWorkItem :one
UPDATE remit_work_queue
SET status = 'resolved', resolution = @resolution::text, resolution_note = @resolution_note, resolved_by = sqlc.narg(resolved_by)::uuid, resolved_at = now()
WHERE public_id = @item_id::uuid AND status = 'open'
RETURNING resolved_at;

-- name: RecordStatusInquiry :exec
INSERT INTO claim_status_inquiries (claim_id, attempt, trace, partner, request_key, response_key, stc, note, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (claim_id, trace) DO UPDATE
SET request_key = EXCLUDED.request_key, response_key = EXCLUDED.response_key, stc = EXCLUDED.stc,
    note = EXCLUDED.note, sent_at = EXCLUDED.sent_at;

-- name: ClaimStatusInquiries :many
SELECT id, claim_id::text, attempt, trace, partner, request_key, response_key, stc, note, sent_at
FROM claim_status_inquiries WHERE claim_id = $1
ORDER BY sent_at, id;
