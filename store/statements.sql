-- Patient statements as patients and billing staff see them
-- (store/statements.go): practice name, dates of service, amounts.
-- A statement's claim is named by the first 36 characters of its ID
-- (<claim-id>-<trace>, activities.PatientBalances); its practice is the
-- nearest practice at or above the patient's organisation.

-- name: StatementView :one
SELECT s.id, p.org_id::text AS org_id, s.patient_id, s.amount_cents, s.currency, s.status,
       coalesce(s.payment_intent_id, '')::text AS payment_intent_id, s.created_at,
       coalesce((SELECT sum(pp.amount_cents) FROM patient_payments pp WHERE pp.statement_id = s.id), 0)::bigint AS paid_cents,
       coalesce((SELECT a.name FROM orgs a JOIN orgs o ON o.id = p.org_id
                 WHERE a.path @> o.path AND a.kind = 'practice' ORDER BY nlevel(a.path) DESC LIMIT 1),
                (SELECT o.name FROM orgs o WHERE o.id = p.org_id))::text AS practice_name,
       coalesce((SELECT array_agg(DISTINCT e.date_of_service ORDER BY e.date_of_service)
                 FROM claims c JOIN encounters e ON e.id = c.encounter_id
                 WHERE c.id::text = left(s.id, 36)), '{}')::date[] AS service_dates
FROM patient_statements s
JOIN patients p ON p.id::text = s.patient_id
WHERE s.id = @id;

-- name: StatementsAwaitingRelease :many
-- Opened, not yet released (no payment intent), in the organisations where
-- the actor holds the permission.
WITH visible AS (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
SELECT s.id
FROM patient_statements s
JOIN patients p ON p.id::text = s.patient_id
WHERE p.org_id IN (SELECT id FROM visible)
  AND s.status = 'open' AND s.payment_intent_id IS NULL
ORDER BY s.created_at, s.id
LIMIT 500;
