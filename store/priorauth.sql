-- Prior authorization (store/priorauth.go): payer rules, authorizations
-- and the units claims draw from them. Read at run time through q() (not
-- yet listed in sqlc.yaml): $N parameters only.

-- name: ListAuthRules :many
SELECT code_from, code_to, note FROM payer_auth_rules WHERE payer_id = $1 ORDER BY position;

-- name: DeleteAuthRules :exec
DELETE FROM payer_auth_rules WHERE payer_id = $1;

-- name: InsertAuthRule :exec
INSERT INTO payer_auth_rules (id, org_id, payer_id, code_from, code_to, note, position, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: InsertAuthorization :exec
INSERT INTO prior_authorizations (id, org_id, patient_id, coverage_id, payer_id, provider_id, appointment_id,
    codes, diagnoses, units, service_from, service_to, status, trace, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'requested', $13, $14);

-- name: GetAuthorization :one
SELECT a.id::text, a.org_id::text, a.patient_id::text, a.coverage_id::text, a.payer_id::text, a.provider_id::text,
       coalesce(a.appointment_id::text, ''), a.codes, a.diagnoses, a.units,
       to_char(a.service_from, 'YYYY-MM-DD'), to_char(a.service_to, 'YYYY-MM-DD'), a.status, a.auth_number,
       coalesce(to_char(a.approved_from, 'YYYY-MM-DD'), ''), coalesce(to_char(a.approved_to, 'YYYY-MM-DD'), ''),
       a.approved_units, a.decision_code, a.reason, a.trace, a.created_at, a.updated_at,
       coalesce((SELECT sum(u.units) FROM prior_authorization_uses u WHERE u.authorization_id = a.id), 0)::int
FROM prior_authorizations a WHERE a.id = $1;

-- name: ListAuthorizations :many
-- The authorizations at organisations the actor ($1) sees with claim:read
-- ($2), or all of them for the system (NULL; the store refuses any other
-- actor without a user), newest first; $3 narrows to one patient when not
-- NULL.
SELECT a.id::text, a.org_id::text, a.patient_id::text, a.coverage_id::text, a.payer_id::text, a.provider_id::text,
       coalesce(a.appointment_id::text, ''), a.codes, a.diagnoses, a.units,
       to_char(a.service_from, 'YYYY-MM-DD'), to_char(a.service_to, 'YYYY-MM-DD'), a.status, a.auth_number,
       coalesce(to_char(a.approved_from, 'YYYY-MM-DD'), ''), coalesce(to_char(a.approved_to, 'YYYY-MM-DD'), ''),
       a.approved_units, a.decision_code, a.reason, a.trace, a.created_at, a.updated_at,
       coalesce((SELECT sum(u.units) FROM prior_authorization_uses u WHERE u.authorization_id = a.id), 0)::int
FROM prior_authorizations a
WHERE ($1::uuid IS NULL OR a.org_id IN (SELECT v.id FROM visible_orgs($1::uuid, $2::text) AS v (id)))
  AND ($3::uuid IS NULL OR a.patient_id = $3::uuid)
ORDER BY a.created_at DESC, a.id DESC
LIMIT 500;

-- name: PatientPayerAuthorizations :many
-- A patient's authorizations with one payer; used units leave out the
-- claim $3 (its own use is what the scrub is deciding).
SELECT a.id::text, a.org_id::text, a.patient_id::text, a.coverage_id::text, a.payer_id::text, a.provider_id::text,
       coalesce(a.appointment_id::text, ''), a.codes, a.diagnoses, a.units,
       to_char(a.service_from, 'YYYY-MM-DD'), to_char(a.service_to, 'YYYY-MM-DD'), a.status, a.auth_number,
       coalesce(to_char(a.approved_from, 'YYYY-MM-DD'), ''), coalesce(to_char(a.approved_to, 'YYYY-MM-DD'), ''),
       a.approved_units, a.decision_code, a.reason, a.trace, a.created_at, a.updated_at,
       coalesce((SELECT sum(u.units) FROM prior_authorization_uses u WHERE u.authorization_id = a.id AND u.claim_id <> $3::uuid), 0)::int
FROM prior_authorizations a
WHERE a.patient_id = $1 AND a.payer_id = $2
ORDER BY (a.status = 'approved') DESC, a.created_at DESC;

-- name: RecordAuthOutcome :execrows
UPDATE prior_authorizations
SET status = $2, decision_code = $3, auth_number = $4, approved_from = $5::date, approved_to = $6::date,
    approved_units = $7, reason = $8, updated_at = now()
WHERE id = $1;

-- name: ExpireAuthorization :execrows
UPDATE prior_authorizations SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'approved';

-- name: RecordAuthUse :exec
INSERT INTO prior_authorization_uses (authorization_id, claim_id, units) VALUES ($1, $2, $3)
ON CONFLICT (authorization_id, claim_id) DO UPDATE SET units = EXCLUDED.units, recorded_at = now();

-- name: ClaimAuthNumber :one
SELECT a.auth_number FROM prior_authorization_uses u JOIN prior_authorizations a ON a.id = u.authorization_id
WHERE u.claim_id = $1 AND a.status IN ('approved', 'expired')
ORDER BY u.recorded_at DESC LIMIT 1;

-- name: PrimaryCoveragePayer :one
-- The payer (ID and name) of the patient's first coverage in force on $2.
SELECT c.payer_id::text, p.name FROM coverages c JOIN payers p ON p.id = c.payer_id
WHERE c.patient_id = $1 AND (c.effective_from IS NULL OR c.effective_from <= $2::date)
  AND (c.effective_to IS NULL OR c.effective_to >= $2::date)
ORDER BY c.priority, c.created_at LIMIT 1;
