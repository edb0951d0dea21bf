-- Practice setup (store/practice.go): billing profiles with explicit
-- inheritance, and payers routed to unknown clearinghouses.

-- name: OwnBillingProfile :one
SELECT org_id::text AS org_id, name, npi, tax_id, taxonomy, address_line1, city, state, zip,
       submitter_id, contact_name, contact_phone, updated_at
FROM billing_profiles WHERE org_id = $1;

-- name: BillingInheritance :one
SELECT updated_at FROM billing_profile_inheritance WHERE org_id = $1;

-- name: ResolveBillingProfile :one
-- The profile the organisation's claims go out under: its own, or, only
-- while it explicitly inherits (and has none of its own), its parent's by
-- the same rule, up the tree.
WITH RECURSIVE chain AS (
    SELECT o.id, o.parent_id, 0 AS depth FROM orgs o WHERE o.id = $1
  UNION ALL
    SELECT p.id, p.parent_id, c.depth + 1
    FROM chain c JOIN orgs p ON p.id = c.parent_id
    WHERE NOT EXISTS (SELECT 1 FROM billing_profiles bp WHERE bp.org_id = c.id)
      AND EXISTS (SELECT 1 FROM billing_profile_inheritance i WHERE i.org_id = c.id)
)
SELECT bp.org_id::text AS org_id, bp.name, bp.npi, bp.tax_id, bp.taxonomy, bp.address_line1, bp.city, bp.state, bp.zip,
       bp.submitter_id, bp.contact_name, bp.contact_phone, bp.updated_at, o.name AS org_name
FROM chain c
JOIN billing_profiles bp ON bp.org_id = c.id
JOIN orgs o ON o.id = c.id
ORDER BY c.depth
LIMIT 1;

-- name: DeleteOwnBillingProfile :exec
DELETE FROM billing_profiles WHERE org_id = $1;

-- name: SetBillingInheritance :exec
INSERT INTO billing_profile_inheritance (org_id, set_by) VALUES (@org_id, sqlc.narg(set_by))
ON CONFLICT (org_id) DO UPDATE SET set_by = EXCLUDED.set_by, updated_at = now();

-- name: ClearBillingInheritance :exec
DELETE FROM billing_profile_inheritance WHERE org_id = $1;

-- name: RoutingWarnings :many
-- Ready claims the actor sees whose payer is routed to a clearinghouse
-- outside @known (the configured ones): no batch run will ever take them.
SELECT p.id::text AS payer_id, p.payer_id AS payer_code, p.name AS payer_name, p.clearinghouse, count(c.id) AS ready_claims
FROM claims c
JOIN payers p ON p.id = c.payer_id
WHERE c.status = 'ready'
  AND c.org_id IN (SELECT id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text))
  AND NOT (p.clearinghouse = ANY (@known::text[]))
GROUP BY p.id, p.payer_id, p.name, p.clearinghouse
ORDER BY p.name, p.id;
