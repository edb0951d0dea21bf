-- Payer enrollment (store/enrollment.go): per provider, payer and
-- transaction, with the names staff read it by.

-- name: ListEnrollments :many
-- The enrollments of providers at @org_id and the organisations below it
-- that the actor sees with @perm.
SELECT e.id::text AS id, e.org_id::text AS org_id, e.provider_id::text AS provider_id,
       pr.first_name AS provider_first_name, pr.last_name AS provider_last_name, pr.npi AS provider_npi,
       e.payer_id::text AS payer_id, py.name AS payer_name, py.payer_id AS payer_code,
       e.transaction, e.status, coalesce(to_char(e.effective_date, 'YYYY-MM-DD'), '')::text AS effective_date, e.clearinghouse, e.notes,
       coalesce(e.updated_by::text, '')::text AS updated_by, coalesce(u.display_name, '')::text AS updated_by_name, e.updated_at
FROM payer_enrollments e
JOIN providers pr ON pr.id = e.provider_id
JOIN payers py ON py.id = e.payer_id
JOIN orgs o ON o.id = e.org_id
JOIN orgs top ON top.id = @org_id::uuid
LEFT JOIN users u ON u.id = e.updated_by
WHERE o.path <@ top.path
  AND e.org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
ORDER BY pr.last_name, pr.first_name, pr.id, py.name, py.id, array_position(ARRAY['837', '835', '270'], e.transaction);

-- name: GetEnrollment :one
SELECT e.id::text AS id, e.org_id::text AS org_id, e.provider_id::text AS provider_id,
       pr.first_name AS provider_first_name, pr.last_name AS provider_last_name, pr.npi AS provider_npi,
       e.payer_id::text AS payer_id, py.name AS payer_name, py.payer_id AS payer_code,
       e.transaction, e.status, coalesce(to_char(e.effective_date, 'YYYY-MM-DD'), '')::text AS effective_date, e.clearinghouse, e.notes,
       coalesce(e.updated_by::text, '')::text AS updated_by, coalesce(u.display_name, '')::text AS updated_by_name, e.updated_at
FROM payer_enrollments e
JOIN providers pr ON pr.id = e.provider_id
JOIN payers py ON py.id = e.payer_id
LEFT JOIN users u ON u.id = e.updated_by
WHERE e.provider_id = @provider_id AND e.payer_id = @payer_id AND e.transaction = @transaction;

-- name: LockEnrollment :one
-- The stored values a put replaces (for the audit row's field names).
SELECT id::text AS id, status, coalesce(to_char(effective_date, 'YYYY-MM-DD'), '')::text AS effective_date, clearinghouse, notes
FROM payer_enrollments
WHERE provider_id = @provider_id AND payer_id = @payer_id AND transaction = @transaction
FOR UPDATE;

-- name: UpsertEnrollment :one
INSERT INTO payer_enrollments (id, org_id, provider_id, payer_id, transaction, status, effective_date, clearinghouse, notes, updated_by)
VALUES (@id, @org_id, @provider_id, @payer_id, @transaction, @status, sqlc.narg(effective_date)::date, @clearinghouse, @notes, sqlc.narg(updated_by)::uuid)
ON CONFLICT (provider_id, payer_id, transaction) DO UPDATE
SET org_id = EXCLUDED.org_id, status = EXCLUDED.status, effective_date = EXCLUDED.effective_date,
    clearinghouse = EXCLUDED.clearinghouse, notes = EXCLUDED.notes, updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING id::text AS id;

-- name: OrgWithin :one
-- Is organisation @org_id @top_id or below it?
SELECT EXISTS (SELECT 1 FROM orgs o JOIN orgs t ON t.id = @top_id::uuid WHERE o.id = @org_id::uuid AND o.path <@ t.path)::bool AS ok;
