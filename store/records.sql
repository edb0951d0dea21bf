-- Queries of the records, scheduling, billing, access and audit services.
-- Ids are returned as text; $1/$2 of the List* queries are the acting user
-- and the permission that makes an organisation (and its subtree) visible.

-- name: InScopeOrAbove :one
-- Like InScope, but also true when org $3 is an ancestor of a granted org
-- (shared set-up such as payers, read from below).
SELECT (@org::uuid IN (SELECT v.id FROM visible_orgs_and_ancestors(@actor::uuid, @perm::text) AS v (id)))::bool AS ok;

-- name: InScope :one
-- Does user $1 hold permission $2 at org $3 or at one of its ancestors?
SELECT org_visible($1, $2, $3);

-- name: UserPermissions :many
SELECT DISTINCT rp.permission
FROM role_grants g JOIN role_permissions rp ON rp.role = g.role
WHERE g.user_id = $1 ORDER BY 1;

-- name: LockAuditHead :one
-- Any chain head no other transaction holds.
SELECT chain, seq, hash FROM audit_head ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED;

-- name: WaitAuditHead :one
SELECT chain, seq, hash FROM audit_head WHERE chain = $1 FOR UPDATE;

-- name: InsertAudit :exec
INSERT INTO audit_log (seq, at, actor_id, org_id, patient_id, action, resource, resource_id, fields, source_ip, request_id, prev_hash, hash, chain)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: InsertAuditRows :exec
-- Many rows of one chain in one statement (queueAuditRows, read through
-- q into a batch, hence $N): $1 the time, $2 the chain, then the rows'
-- columns as arrays of one length, in order: '' for a NULL id and each
-- row's fields joined by U+001F.
INSERT INTO audit_log (seq, at, actor_id, org_id, patient_id, action, resource, resource_id, fields, source_ip, request_id, prev_hash, hash, chain)
SELECT u.seq, $1::timestamptz, NULLIF(u.actor_id, '')::uuid, NULLIF(u.org_id, '')::uuid, NULLIF(u.patient_id, '')::uuid, u.action,
       u.resource, u.resource_id, string_to_array(u.fields, E'\x1f'), u.source_ip, u.request_id, u.prev_hash, u.hash, $2::int
FROM (SELECT unnest($3::bigint[]) AS seq, unnest($4::text[]) AS actor_id, unnest($5::text[]) AS org_id,
             unnest($6::text[]) AS patient_id, unnest($7::text[]) AS action, unnest($8::text[]) AS resource,
             unnest($9::text[]) AS resource_id, unnest($10::text[]) AS fields, unnest($11::text[]) AS source_ip,
             unnest($12::text[]) AS request_id, unnest($13::bytea[]) AS prev_hash, unnest($14::bytea[]) AS hash) AS u;

-- name: InsertAuditPage :exec
-- InsertAuditRows for rows that share the actor, action, resource,
-- source and request (a page of a list: queueAuditRows), with the chain
-- head's update in the same statement: $1 the time, $2 the chain, $3 the
-- actor (NULL for none), $4 the action, $5 the resource, $6 the source
-- IP, $7 the request ID, $8 the first row's sequence number (the next
-- rows' follow it), $9 and $10 the rows' organisations and patients (NULL
-- for none), $11 their resource IDs, $12 their fields joined by U+001F,
-- $13 the chain's hash before the first row (each later row's previous
-- hash is the row before's), $14 the rows' hashes, $15 the head's MAC.
-- The same rows, in the same order, as InsertAuditRows and then
-- UpdateAuditHead write.
WITH u AS (
    SELECT u.i, u.org_id, u.patient_id, u.resource_id, u.fields, u.hash
    FROM ROWS FROM (unnest($9::uuid[]), unnest($10::uuid[]), unnest($11::text[]), unnest($12::text[]), unnest($14::bytea[]))
         WITH ORDINALITY AS u (org_id, patient_id, resource_id, fields, hash, i)
),
ins AS (
    INSERT INTO audit_log (seq, at, actor_id, org_id, patient_id, action, resource, resource_id, fields, source_ip, request_id, prev_hash, hash, chain)
    SELECT $8::bigint + u.i - 1, $1::timestamptz, $3::uuid, u.org_id, u.patient_id, $4::text, $5::text, u.resource_id,
           string_to_array(u.fields, E'\x1f'), $6::text, $7::text,
           CASE WHEN u.i = 1 THEN $13::bytea ELSE ($14::bytea[])[u.i - 1] END, u.hash, $2::int
    FROM u
)
UPDATE audit_head SET seq = $8::bigint + cardinality($14::bytea[]) - 1, hash = ($14::bytea[])[cardinality($14::bytea[])], mac = $15::bytea
WHERE chain = $2::int;

-- name: UpdateAuditHead :exec
UPDATE audit_head SET seq = $1, hash = $2, mac = $4 WHERE chain = $3;

-- name: GetAuditHeads :many
SELECT chain, seq, hash, mac FROM audit_head ORDER BY chain;

-- name: ScanAudit :many
SELECT seq, at, coalesce(actor_id::text, ''), coalesce(org_id::text, ''), coalesce(patient_id::text, ''),
       action, resource, resource_id, fields, source_ip, request_id, prev_hash, hash, chain
FROM audit_log ORDER BY chain, seq;

-- name: QueryAudit :many
SELECT audit_log.id::bigint AS seq, at, coalesce(actor_id::text, '')::text AS actor_id, coalesce(org_id::text, '')::text AS org_id,
       coalesce(patient_id::text, '')::text AS patient_id, action, resource, resource_id, fields, source_ip, request_id
FROM audit_log
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND (sqlc.narg(patient_id)::uuid IS NULL OR patient_id = sqlc.narg(patient_id)::uuid)
  AND (sqlc.narg(actor_id)::uuid IS NULL OR actor_id = sqlc.narg(actor_id)::uuid)
  AND (sqlc.narg(at_from)::timestamptz IS NULL OR at >= sqlc.narg(at_from)::timestamptz)
  AND (sqlc.narg(at_to)::timestamptz IS NULL OR at < sqlc.narg(at_to)::timestamptz)
  AND audit_log.id < @before::bigint
ORDER BY audit_log.id DESC LIMIT @row_limit;

-- name: InsertRootOrg :one
INSERT INTO orgs (id, kind, name, path)
VALUES (@id::uuid, @kind::text, @name::text, text2ltree(replace((@id::uuid)::text, '-', '_')))
RETURNING created_at;

-- name: GetOrgKind :one
SELECT kind FROM orgs WHERE id = $1;

-- name: InsertChildOrg :one
INSERT INTO orgs (id, parent_id, kind, name, path)
SELECT @id::uuid, @parent_id::uuid, @kind::text, @name::text, p.path || text2ltree(replace((@id::uuid)::text, '-', '_'))
FROM orgs p WHERE p.id = @parent_id::uuid
RETURNING created_at;

-- name: GetOrg :one
SELECT id::text AS id, coalesce(parent_id::text, '')::text AS parent_id, kind, name, created_at FROM orgs WHERE id = $1;

-- name: ListOrgs :many
SELECT id::text AS id, coalesce(parent_id::text, '')::text AS parent_id, kind, name, created_at FROM orgs
WHERE id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
ORDER BY orgs.id LIMIT @row_limit;

-- name: InsertUser :exec
INSERT INTO users (id, org_id, kind, login, display_name, password_hash, dek, totp_secret)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: RoleExists :one
SELECT EXISTS (SELECT 1 FROM role_permissions WHERE role = $1);

-- name: InsertGrant :exec
INSERT INTO role_grants (user_id, org_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: GetUserOrg :one
SELECT org_id::text, kind FROM users WHERE id = $1;

-- name: InsertAPIToken :one
INSERT INTO api_tokens (id, user_id, token_hash) VALUES ($1, $2, $3) RETURNING created_at;

-- name: GetLoginForUpdate :one
SELECT id::text AS id, coalesce(password_hash, '')::text AS password_hash, dek, totp_secret, totp_last_step, failed_logins, locked_until
FROM users WHERE login = $1 AND kind = 'staff' AND NOT disabled FOR UPDATE;

-- name: RecordLoginFailure :exec
UPDATE users SET failed_logins = @failed_logins, locked_until = coalesce(sqlc.narg(locked_until)::timestamptz, locked_until) WHERE id = @id;

-- name: RecordLoginSuccess :exec
UPDATE users SET failed_logins = 0, locked_until = NULL, totp_last_step = $2 WHERE id = $1;

-- name: InsertSession :exec
INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (@id, @user_id, @token_hash, @created_at, @created_at, @expires_at);

-- name: RevokeSession :exec
UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL;

-- name: AuthToken :one
SELECT u.id::text AS user_id, u.kind, t.last_used_at,
       array(SELECT DISTINCT rp.permission FROM role_grants g JOIN role_permissions rp ON rp.role = g.role WHERE g.user_id = u.id)::text[] AS permissions
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = @token_hash AND t.revoked_at IS NULL AND t.expires_at > @now::timestamptz AND NOT u.disabled;

-- name: TouchToken :exec
UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1;

-- name: AuthSession :one
SELECT s.id::text AS session_id, u.id::text AS user_id, u.kind, s.last_seen_at, s.expires_at,
       array(SELECT DISTINCT rp.permission FROM role_grants g JOIN role_permissions rp ON rp.role = g.role WHERE g.user_id = u.id)::text[] AS permissions
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND NOT u.disabled;

-- name: TouchSession :exec
UPDATE sessions SET last_seen_at = $2 WHERE id = $1;

-- Access management (store/users.go). Never select password hashes, TOTP
-- secrets or token hashes here: these rows go out through the API.

-- name: GetUserOrgForUpdate :one
SELECT org_id::text AS org_id, kind FROM users WHERE id = $1 FOR UPDATE;

-- name: GetUser :one
SELECT id::text AS id, org_id::text AS org_id, kind, login, display_name, disabled, locked_until, created_at FROM users WHERE id = $1;

-- name: ListUsers :many
-- Users at the organisations where $1 holds $2 (user:write) or below.
SELECT id::text AS id, org_id::text AS org_id, kind, login, display_name, disabled, locked_until, created_at FROM users
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid AND (sqlc.narg(org_id)::uuid IS NULL OR org_id = sqlc.narg(org_id)::uuid)
ORDER BY users.id LIMIT @row_limit;

-- name: ListUserGrants :many
SELECT user_id::text AS user_id, org_id::text AS org_id, role FROM role_grants WHERE user_id = ANY($1::uuid[]) ORDER BY role_grants.user_id, role_grants.org_id, role_grants.role;

-- name: SetUserDisabled :exec
UPDATE users SET disabled = $2 WHERE id = $1;

-- name: RevokeUserSessions :exec
UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL;

-- name: UnlockUser :exec
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1;

-- name: GrantExists :one
SELECT EXISTS (SELECT 1 FROM role_grants WHERE user_id = $1 AND org_id = $2 AND role = $3);

-- name: DeleteGrant :execrows
DELETE FROM role_grants WHERE user_id = $1 AND org_id = $2 AND role = $3;

-- name: ListAPITokens :many
SELECT id::text AS id, user_id::text AS user_id, created_at, last_used_at, revoked_at, expires_at FROM api_tokens
WHERE user_id = @user_id AND id > @after::uuid ORDER BY api_tokens.id LIMIT @row_limit;

-- name: RevokeAPIToken :one
-- Idempotent: a revoked token keeps its first revocation time.
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2
RETURNING id::text AS id, user_id::text AS user_id, created_at, last_used_at, revoked_at, expires_at;

-- name: InsertProvider :one
INSERT INTO providers (id, org_id, npi, first_name, last_name, taxonomy, credentials)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at, updated_at;

-- name: GetProvider :one
SELECT id::text AS id, org_id::text AS org_id, npi, first_name, last_name, taxonomy, credentials, created_at, updated_at FROM providers WHERE id = $1;

-- name: GetProviderForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, npi, first_name, last_name, taxonomy, credentials, created_at, updated_at FROM providers WHERE id = $1 FOR UPDATE;

-- name: UpdateProvider :one
UPDATE providers SET first_name = $2, last_name = $3, taxonomy = $4, credentials = $5, npi = $6, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: ListProviders :many
SELECT id::text AS id, org_id::text AS org_id, npi, first_name, last_name, taxonomy, credentials, created_at, updated_at FROM providers
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid AND (sqlc.narg(npi)::text IS NULL OR npi = sqlc.narg(npi)::text)
ORDER BY providers.id LIMIT @row_limit;

-- name: GetProviderOrg :one
SELECT org_id::text FROM providers WHERE id = $1;

-- name: InsertPayer :one
INSERT INTO payers (id, org_id, payer_id, name, clearinghouse, clearinghouse_payer, enrollment_required)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at, updated_at;

-- name: GetPayer :one
SELECT id::text AS id, org_id::text AS org_id, payer_id, name, clearinghouse, clearinghouse_payer, created_at, updated_at, enrollment_required FROM payers WHERE id = $1;

-- name: GetPayerForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, payer_id, name, clearinghouse, clearinghouse_payer, created_at, updated_at, enrollment_required FROM payers WHERE id = $1 FOR UPDATE;

-- name: UpdatePayer :one
UPDATE payers SET name = $2, clearinghouse = $3, clearinghouse_payer = $4, enrollment_required = $5, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: ListPayers :many
SELECT id::text AS id, org_id::text AS org_id, payer_id, name, clearinghouse, clearinghouse_payer, created_at, updated_at, enrollment_required FROM payers
WHERE org_id IN (SELECT v.id FROM visible_orgs_and_ancestors(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
ORDER BY payers.id LIMIT @row_limit;

-- name: GetPayerOrg :one
SELECT org_id::text FROM payers WHERE id = $1;

-- name: PayerUsableAt :one
-- Payers set up at an organisation serve its whole subtree.
SELECT EXISTS (SELECT 1 FROM payers p JOIN orgs po ON po.id = p.org_id JOIN orgs o ON o.id = @org_id::uuid
               WHERE p.id = @payer_id::uuid AND po.path @> o.path);

-- name: InsertPatient :one
INSERT INTO patients (id, org_id, dek, first_name, last_name, birth_date, sex, ssn, address, phone, email,
                      last_name_bidx, birth_date_bidx, ssn_bidx)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING created_at, updated_at;

-- name: GetPatient :one
SELECT id::text AS id, org_id::text AS org_id, dek, first_name, last_name, birth_date, sex, ssn, address, phone, email, created_at, updated_at
FROM patients WHERE id = $1;

-- name: GetPatientNames :many
-- The sealed names of a page's patients (patientNames), in one statement:
-- one primary-key lookup per ID (the subquery, kept apart by OFFSET 0,
-- cannot become a scan of the table when the page names many of few
-- patients).
SELECT p.id::text AS id, p.dek, p.first_name, p.last_name
FROM unnest(@ids::uuid[]) AS x (id)
CROSS JOIN LATERAL (SELECT pt.id, pt.dek, pt.first_name, pt.last_name FROM patients pt WHERE pt.id = x.id OFFSET 0) AS p;

-- name: InScopeOrgs :many
-- Which of the organisations $1 user $2 holds permission $3 at (or at one
-- of their ancestors): a page's scope checks in one statement (read
-- through q into a batch, hence $N).
SELECT o::text AS org FROM unnest($1::uuid[]) AS o WHERE org_visible($2::uuid, $3::text, o);

-- name: GetPatientNamesInScope :many
-- GetPatientNames for the pairs ($1 patient, $2 the listed record's
-- organisation) whose organisation is among $3 where user $4 holds
-- permission $5 (org_visible once per organisation of $3): the names of
-- a page's patients the user may read, in the batch that checks the
-- scope (read through q, hence $N).
SELECT p.id::text AS id, p.dek, p.first_name, p.last_name
FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS org) AS x
CROSS JOIN LATERAL (SELECT pt.id, pt.dek, pt.first_name, pt.last_name FROM patients pt WHERE pt.id = x.id OFFSET 0) AS p
WHERE x.org IN (SELECT o FROM unnest($3::uuid[]) AS o WHERE org_visible($4::uuid, $5::text, o));

-- name: GetPatientForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, dek, first_name, last_name, birth_date, sex, ssn, address, phone, email, created_at, updated_at
FROM patients WHERE id = $1 FOR UPDATE;

-- name: UpdatePatient :one
UPDATE patients SET first_name = $2, last_name = $3, birth_date = $4, sex = $5, ssn = $6, address = $7, phone = $8, email = $9,
       last_name_bidx = $10, birth_date_bidx = $11, ssn_bidx = $12, updated_at = now()
WHERE id = $1 RETURNING updated_at;

-- name: ListPatients :many
SELECT id::text AS id, org_id::text AS org_id, dek, first_name, last_name, birth_date, sex, ssn, address, phone, email, created_at, updated_at
FROM patients
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(org_id)::uuid IS NULL OR org_id = sqlc.narg(org_id)::uuid)
  AND (sqlc.narg(last_name_bidx)::bytea IS NULL OR last_name_bidx = sqlc.narg(last_name_bidx)::bytea)
  AND (sqlc.narg(birth_date_bidx)::bytea IS NULL OR birth_date_bidx = sqlc.narg(birth_date_bidx)::bytea)
  AND (sqlc.narg(ssn_bidx)::bytea IS NULL OR ssn_bidx = sqlc.narg(ssn_bidx)::bytea)
ORDER BY patients.id LIMIT @row_limit;

-- name: GetPatientOrg :one
SELECT org_id::text FROM patients WHERE id = $1;

-- name: InsertCoverage :one
INSERT INTO coverages (id, org_id, patient_id, payer_id, dek, member_id, member_id_bidx, group_number, relationship,
                       subscriber_first_name, subscriber_last_name, subscriber_birth_date, priority, effective_from, effective_to)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING created_at, updated_at;

-- name: GetCoverageOrg :one
SELECT org_id::text FROM coverages WHERE id = $1;

-- name: GetCoverage :one
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, payer_id::text AS payer_id, dek, member_id, group_number, relationship,
       subscriber_first_name, subscriber_last_name, subscriber_birth_date, priority, effective_from, effective_to, created_at, updated_at
FROM coverages WHERE id = $1;

-- name: ListCoverages :many
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, payer_id::text AS payer_id, dek, member_id, group_number, relationship,
       subscriber_first_name, subscriber_last_name, subscriber_birth_date, priority, effective_from, effective_to, created_at, updated_at
FROM coverages
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(patient_id)::uuid IS NULL OR patient_id = sqlc.narg(patient_id)::uuid)
  AND (sqlc.narg(member_id_bidx)::bytea IS NULL OR member_id_bidx = sqlc.narg(member_id_bidx)::bytea)
ORDER BY coverages.id LIMIT @row_limit;

-- name: GetCoveragePatient :one
SELECT patient_id::text FROM coverages WHERE id = $1;

-- name: GetCoveragePayer :one
SELECT payer_id::text FROM coverages WHERE id = $1;

-- name: PrimaryCoverage :one
SELECT id::text FROM coverages
WHERE patient_id = $1 AND (effective_to IS NULL OR effective_to >= current_date)
ORDER BY priority, id LIMIT 1;

-- name: BookingScope :one
-- The provider's and the patient's organisations, and whether user $1 holds
-- $2 at each (one round trip).
WITH pv AS (SELECT pr.org_id FROM providers pr WHERE pr.id = $3),
     pt AS (SELECT pa.org_id FROM patients pa WHERE pa.id = $4),
     visible AS (SELECT v.id FROM visible_orgs($1, $2) AS v (id))
SELECT (SELECT org_id::text FROM pv), (SELECT org_id::text FROM pt),
       EXISTS (SELECT 1 FROM pv WHERE pv.org_id IN (SELECT id FROM visible)),
       EXISTS (SELECT 1 FROM pt WHERE pt.org_id IN (SELECT id FROM visible));

-- name: SlotAvailable :one
-- True when the slot overlaps no "unavailable" exception and either the
-- provider has no weekly templates, or it fits an "available" exception, or
-- it fits one template window on its local day.
SELECT NOT EXISTS (SELECT 1 FROM availability_exceptions e
                   WHERE e.provider_id = $1 AND e.kind = 'unavailable'
                     AND tstzrange(e.starts_at, e.ends_at) && tstzrange($2::timestamptz, $3::timestamptz))
   AND (NOT EXISTS (SELECT 1 FROM availability_templates t WHERE t.provider_id = $1)
        OR EXISTS (SELECT 1 FROM availability_exceptions e
                   WHERE e.provider_id = $1 AND e.kind = 'available' AND e.starts_at <= $2 AND e.ends_at >= $3)
        OR EXISTS (SELECT 1 FROM availability_templates t,
                          LATERAL (SELECT ($2::timestamptz AT TIME ZONE t.time_zone) AS ls, ($3::timestamptz AT TIME ZONE t.time_zone) AS le) l
                   WHERE t.provider_id = $1
                     AND extract(dow FROM l.ls) = t.weekday
                     AND l.ls::time >= t.start_time
                     AND l.le <= l.ls::date + t.end_time
                     AND (t.valid_from IS NULL OR l.ls::date >= t.valid_from)
                     AND (t.valid_to IS NULL OR l.ls::date <= t.valid_to)));

-- name: InsertAppointment :one
INSERT INTO appointments (id, org_id, provider_id, patient_id, series_id, visit_type, starts_at, ends_at, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked') RETURNING status, created_at, updated_at;

-- name: FindClash :one
SELECT starts_at, ends_at FROM appointments
WHERE provider_id = $1 AND status <> 'cancelled' AND tstzrange(starts_at, ends_at, '[)') && tstzrange($2, $3, '[)')
ORDER BY starts_at LIMIT 1;

-- name: InsertSeries :exec
INSERT INTO appointment_series (id, org_id, provider_id, patient_id, rule) VALUES ($1, $2, $3, $4, $5);

-- name: GetAppointment :one
SELECT id::text AS id, org_id::text AS org_id, provider_id::text AS provider_id, patient_id::text AS patient_id,
       coalesce(series_id::text, '')::text AS series_id, visit_type, starts_at, ends_at,
       status, cancel_reason, created_at, updated_at
FROM appointments WHERE id = $1;

-- name: GetAppointmentForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, provider_id::text AS provider_id, patient_id::text AS patient_id,
       coalesce(series_id::text, '')::text AS series_id, visit_type, starts_at, ends_at,
       status, cancel_reason, created_at, updated_at
FROM appointments WHERE id = $1 FOR UPDATE;

-- name: GetAppointmentPatient :one
SELECT patient_id::text FROM appointments WHERE id = $1;

-- name: ListAppointments :many
SELECT id::text AS id, org_id::text AS org_id, provider_id::text AS provider_id, patient_id::text AS patient_id,
       coalesce(series_id::text, '')::text AS series_id, visit_type, starts_at, ends_at,
       status, cancel_reason, created_at, updated_at
FROM appointments
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(provider_id)::uuid IS NULL OR provider_id = sqlc.narg(provider_id)::uuid)
  AND (sqlc.narg(patient_id)::uuid IS NULL OR patient_id = sqlc.narg(patient_id)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(ends_after)::timestamptz IS NULL OR ends_at > sqlc.narg(ends_after)::timestamptz)
  AND (sqlc.narg(starts_before)::timestamptz IS NULL OR starts_at < sqlc.narg(starts_before)::timestamptz)
ORDER BY appointments.id LIMIT @row_limit;

-- name: RescheduleAppointment :one
UPDATE appointments SET starts_at = $2, ends_at = $3, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: CancelAppointment :one
UPDATE appointments SET status = 'cancelled', cancel_reason = $2, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: InsertWaitlist :one
INSERT INTO waitlist_entries (id, org_id, patient_id, provider_id, visit_type, priority, earliest, latest, weekdays, time_from, time_to, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'waiting') RETURNING status, created_at, updated_at;

-- name: GetWaitlist :one
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, coalesce(provider_id::text, '')::text AS provider_id,
       visit_type, priority, earliest, latest, weekdays,
       coalesce(to_char(time_from, 'HH24:MI'), '')::text AS time_from, coalesce(to_char(time_to, 'HH24:MI'), '')::text AS time_to, status,
       coalesce(appointment_id::text, '')::text AS appointment_id, created_at, updated_at
FROM waitlist_entries WHERE id = $1;

-- name: GetWaitlistForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, coalesce(provider_id::text, '')::text AS provider_id,
       visit_type, priority, earliest, latest, weekdays,
       coalesce(to_char(time_from, 'HH24:MI'), '')::text AS time_from, coalesce(to_char(time_to, 'HH24:MI'), '')::text AS time_to, status,
       coalesce(appointment_id::text, '')::text AS appointment_id, created_at, updated_at
FROM waitlist_entries WHERE id = $1 FOR UPDATE;

-- name: ListWaitlist :many
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, coalesce(provider_id::text, '')::text AS provider_id,
       visit_type, priority, earliest, latest, weekdays,
       coalesce(to_char(time_from, 'HH24:MI'), '')::text AS time_from, coalesce(to_char(time_to, 'HH24:MI'), '')::text AS time_to, status,
       coalesce(appointment_id::text, '')::text AS appointment_id, created_at, updated_at
FROM waitlist_entries
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(org_id)::uuid IS NULL OR org_id = sqlc.narg(org_id)::uuid)
  AND (sqlc.narg(provider_id)::uuid IS NULL OR provider_id = sqlc.narg(provider_id)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(visit_type)::text IS NULL OR visit_type = sqlc.narg(visit_type)::text)
ORDER BY waitlist_entries.id LIMIT @row_limit;

-- name: CloseWaitlist :one
UPDATE waitlist_entries SET status = $2, appointment_id = $3, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: InsertAvailability :one
INSERT INTO availability_templates (id, org_id, provider_id, weekday, start_time, end_time, time_zone, valid_from, valid_to)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at;

-- name: InsertAvailabilityException :one
INSERT INTO availability_exceptions (id, org_id, provider_id, kind, starts_at, ends_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at;

-- name: ListAvailability :many
SELECT id::text AS id, org_id::text AS org_id, provider_id::text AS provider_id, weekday,
       to_char(start_time, 'HH24:MI')::text AS start_time, to_char(end_time, 'HH24:MI')::text AS end_time,
       time_zone, valid_from, valid_to, created_at
FROM availability_templates WHERE provider_id = $1 ORDER BY availability_templates.weekday, availability_templates.start_time;

-- name: ListAvailabilityExceptions :many
SELECT id::text AS id, org_id::text AS org_id, provider_id::text AS provider_id, kind, starts_at, ends_at, created_at
FROM availability_exceptions WHERE provider_id = $1 AND ends_at > now() - interval '1 day' ORDER BY starts_at;

-- name: InsertEncounter :one
INSERT INTO encounters (id, org_id, patient_id, provider_id, coverage_id, appointment_id, date_of_service, place_of_service, diagnoses)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at, updated_at;

-- name: InsertCharge :exec
INSERT INTO charges (encounter_id, line, code, modifiers, diagnosis_pointers, units, amount_cents, place_of_service)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetEncounter :one
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, provider_id::text AS provider_id,
       coalesce(coverage_id::text, '')::text AS coverage_id, coalesce(appointment_id::text, '')::text AS appointment_id,
       date_of_service, place_of_service, diagnoses, created_at, updated_at
FROM encounters WHERE id = $1;

-- name: ListCharges :many
SELECT line, code, modifiers, diagnosis_pointers, units::float8 AS units, amount_cents, coalesce(place_of_service, '')::text AS place_of_service
FROM charges WHERE encounter_id = $1 ORDER BY line;

-- name: ListEncounters :many
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, provider_id::text AS provider_id,
       coalesce(coverage_id::text, '')::text AS coverage_id, coalesce(appointment_id::text, '')::text AS appointment_id,
       date_of_service, place_of_service, diagnoses, created_at, updated_at
FROM encounters
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(patient_id)::uuid IS NULL OR patient_id = sqlc.narg(patient_id)::uuid)
ORDER BY encounters.id LIMIT @row_limit;

-- name: GetEncounterForClaim :one
-- The total is summed as numeric: charges stored before the bounds could
-- overflow a bigint; such a total reads as -1, which CreateClaim refuses.
SELECT e.org_id::text AS org_id, e.patient_id::text AS patient_id, e.provider_id::text AS provider_id, coalesce(e.coverage_id::text, '')::text AS coverage_id,
       (SELECT CASE WHEN t > 999999999999999999 THEN -1 ELSE t END::bigint
        FROM (SELECT coalesce(sum(amount_cents::numeric), 0) AS t FROM charges c WHERE c.encounter_id = e.id) s)::bigint AS total_cents
FROM encounters e WHERE e.id = $1;

-- name: InsertClaim :one
INSERT INTO claims (id, org_id, encounter_id, patient_id, coverage_id, payer_id, provider_id, patient_control_number, total_cents, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING created_at, updated_at;

-- name: InsertClaimStatus :exec
INSERT INTO claim_status_history (claim_id, seq, status, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: GetClaim :one
SELECT id::text AS id, org_id::text AS org_id, encounter_id::text AS encounter_id, patient_id::text AS patient_id,
       coverage_id::text AS coverage_id, payer_id::text AS payer_id, provider_id::text AS provider_id,
       patient_control_number, total_cents, status, created_at, updated_at
FROM claims WHERE id = $1;

-- name: GetClaimForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, encounter_id::text AS encounter_id, patient_id::text AS patient_id,
       coverage_id::text AS coverage_id, payer_id::text AS payer_id, provider_id::text AS provider_id,
       patient_control_number, total_cents, status, created_at, updated_at
FROM claims WHERE id = $1 FOR UPDATE;

-- name: ListClaims :many
SELECT id::text AS id, org_id::text AS org_id, encounter_id::text AS encounter_id, patient_id::text AS patient_id,
       coverage_id::text AS coverage_id, payer_id::text AS payer_id, provider_id::text AS provider_id,
       patient_control_number, total_cents, status, created_at, updated_at
FROM claims
WHERE org_id IN (SELECT v.id FROM visible_orgs(sqlc.narg(actor)::uuid, @perm::text) AS v (id))
  AND id > @after::uuid
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(patient_id)::uuid IS NULL OR patient_id = sqlc.narg(patient_id)::uuid)
  AND (sqlc.narg(payer_id)::uuid IS NULL OR payer_id = sqlc.narg(payer_id)::uuid)
ORDER BY claims.id LIMIT @row_limit;

-- name: ClaimIdempotencyKey :execrows
-- A key whose request never finished (its process died) is taken over
-- after a minute.
INSERT INTO idempotency_keys (principal_id, key, request_hash) VALUES ($1, $2, $3)
ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '1 minute';

-- name: ClaimIdempotencyKeys :many
-- ClaimIdempotencyKey for several keys at once (no key twice); answers
-- the keys claimed.
INSERT INTO idempotency_keys (principal_id, key, request_hash)
SELECT p::uuid, k, h FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::bytea[])) AS u(p, k, h)
ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '1 minute'
RETURNING principal_id::text, key;

-- name: FinishIdempotencyKeys :exec
UPDATE idempotency_keys k SET status = u.status, dek = u.dek, response = u.response,
       patient_id = u.patient_id::uuid, org_id = u.org_id::uuid
FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::int[]), unnest($4::bytea[]), unnest($5::bytea[]), unnest($6::text[]), unnest($7::text[]))
     AS u(principal_id, key, status, dek, response, patient_id, org_id)
WHERE k.principal_id = u.principal_id::uuid AND k.key = u.key;

-- name: GetIdempotencyKey :one
SELECT request_hash, status, dek, response, coalesce(patient_id::text, '')::text AS patient_id, coalesce(org_id::text, '')::text AS org_id
FROM idempotency_keys WHERE principal_id = $1 AND key = $2;

-- name: FinishIdempotencyKey :exec
UPDATE idempotency_keys SET status = $3, dek = $4, response = $5, patient_id = $6, org_id = $7 WHERE principal_id = $1 AND key = $2;

-- name: ReleaseIdempotencyKey :exec
DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND status IS NULL;

-- name: RotateSelect_users :many
SELECT id::text, dek FROM users WHERE dek IS NOT NULL AND id::text > $1 ORDER BY id::text LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_users :exec
UPDATE users SET dek = $2 WHERE id = $1::uuid;

-- name: RotateSelect_patients :many
SELECT id::text, dek FROM patients WHERE id::text > $1 ORDER BY id::text LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_patients :exec
UPDATE patients SET dek = $2 WHERE id = $1::uuid;

-- name: RotateSelect_coverages :many
SELECT id::text, dek FROM coverages WHERE id::text > $1 ORDER BY id::text LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_coverages :exec
UPDATE coverages SET dek = $2 WHERE id = $1::uuid;

-- name: RotateSelect_idempotency_keys :many
SELECT principal_id::text || '/' || key, dek FROM idempotency_keys
WHERE dek IS NOT NULL AND principal_id::text || '/' || key > $1
ORDER BY 1 LIMIT $2 FOR UPDATE SKIP LOCKED;

-- name: RotateUpdate_idempotency_keys :exec
UPDATE idempotency_keys SET dek = $2 WHERE principal_id::text || '/' || key = $1;

-- name: LockCoverage :one
SELECT org_id::text AS org_id, dek FROM coverages WHERE id = $1 FOR UPDATE;

-- name: UpdateCoverage :one
UPDATE coverages SET member_id = $2, member_id_bidx = $3, group_number = $4, priority = $5, effective_from = $6, effective_to = $7, updated_at = now()
WHERE id = $1 RETURNING updated_at;

-- name: UpdateOrgName :exec
UPDATE orgs SET name = $2 WHERE id = $1;

-- name: UpdateAppointmentVisitType :one
UPDATE appointments SET visit_type = $2, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: UpdateWaitlist :one
UPDATE waitlist_entries SET provider_id = $2, visit_type = $3, priority = $4, earliest = $5, latest = $6, weekdays = $7,
       time_from = $8, time_to = $9, updated_at = now()
WHERE id = $1 RETURNING updated_at;

-- name: GetEncounterForUpdate :one
SELECT id::text AS id, org_id::text AS org_id, patient_id::text AS patient_id, provider_id::text AS provider_id,
       coalesce(coverage_id::text, '')::text AS coverage_id, coalesce(appointment_id::text, '')::text AS appointment_id,
       date_of_service, place_of_service, diagnoses, created_at, updated_at
FROM encounters WHERE id = $1 FOR UPDATE;

-- name: EncounterHasClaim :one
SELECT EXISTS (SELECT 1 FROM claims WHERE encounter_id = $1);

-- name: UpdateEncounter :one
UPDATE encounters SET place_of_service = $2, diagnoses = $3, updated_at = now() WHERE id = $1 RETURNING updated_at;

-- name: DeleteCharges :exec
DELETE FROM charges WHERE encounter_id = $1;
