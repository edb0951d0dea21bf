-- Patient engagement (issue 8): SMS threads, opt-outs, confirmations,
-- webhook replay protection, statements, payments and refunds.

-- name: UpsertSMSThread :exec
INSERT INTO sms_threads (phone_index, workflow_id, ref) VALUES ($1, $2, $3)
ON CONFLICT (phone_index, workflow_id, ref) DO UPDATE SET sent_at = now();

-- name: RecentSMSThreads :many
SELECT workflow_id, ref FROM sms_threads WHERE phone_index = $1 ORDER BY sent_at DESC LIMIT $2;

-- name: SMSOptedOut :one
SELECT coalesce((SELECT opted_out FROM sms_opt_outs WHERE phone_index = $1), false)::bool AS opted_out;

-- name: SetSMSOptOut :exec
INSERT INTO sms_opt_outs (phone_index, opted_out) VALUES ($1, $2)
ON CONFLICT (phone_index) DO UPDATE SET opted_out = EXCLUDED.opted_out, updated_at = now();

-- name: ConfirmAppointment :exec
INSERT INTO appointment_confirmations (appointment_id) VALUES ($1) ON CONFLICT DO NOTHING;

-- name: AppointmentConfirmed :one
SELECT EXISTS (SELECT 1 FROM appointment_confirmations WHERE appointment_id = $1);

-- name: EngagementAppointmentContext :one
-- The zone of the provider's first weekly template (if any) and the
-- appointment's organisation name, as the location patients see.
SELECT coalesce((SELECT t.time_zone FROM availability_templates t WHERE t.provider_id = a.provider_id
                 ORDER BY t.created_at, t.id LIMIT 1), '')::text AS time_zone,
       o.name
FROM appointments a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1;

-- name: FindActiveAppointment :one
SELECT id::text FROM appointments
WHERE provider_id = $1 AND patient_id = $2 AND starts_at = $3 AND status <> 'cancelled';

-- name: EngagementWaitlist :many
-- Waiting entries for the provider (or any provider of the slot's
-- organisation tree) and visit type, highest priority first, then oldest;
-- date, weekday and time-of-day preferences are checked by the caller in
-- the slot's zone.
SELECT w.id::text AS id, w.org_id::text AS org_id, w.patient_id::text AS patient_id,
       coalesce(w.provider_id::text, '')::text AS provider_id, w.visit_type, w.priority,
       w.earliest, w.latest, w.weekdays,
       coalesce(to_char(w.time_from, 'HH24:MI'), '')::text AS time_from, coalesce(to_char(w.time_to, 'HH24:MI'), '')::text AS time_to, w.status,
       coalesce(w.appointment_id::text, '')::text AS appointment_id, w.created_at, w.updated_at
FROM waitlist_entries w
WHERE w.status = 'waiting' AND w.visit_type = @visit_type
  AND (w.provider_id = @provider_id::uuid OR (w.provider_id IS NULL AND w.org_id IN (
        SELECT o.id FROM orgs o, orgs p WHERE p.id = (SELECT org_id FROM providers WHERE id = @provider_id::uuid) AND p.path <@ o.path)))
ORDER BY w.priority DESC, w.created_at, w.id
LIMIT 200;

-- name: ClaimWebhookEvent :execrows
INSERT INTO webhook_events (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: ReleaseWebhookEvent :exec
DELETE FROM webhook_events WHERE provider = $1 AND event_id = $2;

-- name: OpenStatement :exec
INSERT INTO patient_statements (id, patient_id, amount_cents, currency, status) VALUES ($1, $2, $3, $4, 'open')
ON CONFLICT (id) DO NOTHING;

-- name: SetStatementIntent :execrows
UPDATE patient_statements SET payment_intent_id = @payment_intent_id::text, updated_at = now() WHERE id = @id;

-- name: SetStatementStatus :execrows
UPDATE patient_statements SET status = $2, updated_at = now() WHERE id = $1;

-- name: GetStatement :one
SELECT id, patient_id, amount_cents, currency, coalesce(payment_intent_id, '')::text AS payment_intent_id, status,
       coalesce((SELECT sum(amount_cents) FROM patient_payments p WHERE p.statement_id = s.id), 0)::bigint AS paid_cents,
       coalesce((SELECT sum(amount_cents) FROM patient_refunds r WHERE r.statement_id = s.id), 0)::bigint AS refunded_cents
FROM patient_statements s WHERE id = $1;

-- name: StatementForPaymentIntent :one
SELECT id FROM patient_statements WHERE payment_intent_id = $1::text;

-- name: InsertPatientPayment :execrows
INSERT INTO patient_payments (payment_intent_id, statement_id, event_id, amount_cents) VALUES ($1, $2, $3, $4)
ON CONFLICT (payment_intent_id) DO NOTHING;

-- name: InsertPatientRefund :execrows
INSERT INTO patient_refunds (refund_id, statement_id, payment_intent_id, amount_cents) VALUES ($1, $2, $3, $4)
ON CONFLICT (refund_id) DO NOTHING;
