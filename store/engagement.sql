-- Patient engagement (issue 8): SMS threads, opt-outs, confirmations,
-- webhook replay protection, statements, payments and refunds.

-- name: UpsertSMSThread
INSERT INTO sms_threads (phone_index, workflow_id, ref) VALUES ($1, $2, $3)
ON CONFLICT (phone_index, workflow_id, ref) DO UPDATE SET sent_at = now();

-- name: RecentSMSThreads
SELECT workflow_id, ref FROM sms_threads WHERE phone_index = $1 ORDER BY sent_at DESC LIMIT $2;

-- name: SMSOptedOut
SELECT coalesce((SELECT opted_out FROM sms_opt_outs WHERE phone_index = $1), false);

-- name: SetSMSOptOut
INSERT INTO sms_opt_outs (phone_index, opted_out) VALUES ($1, $2)
ON CONFLICT (phone_index) DO UPDATE SET opted_out = EXCLUDED.opted_out, updated_at = now();

-- name: ConfirmAppointment
INSERT INTO appointment_confirmations (appointment_id) VALUES ($1) ON CONFLICT DO NOTHING;

-- name: AppointmentConfirmed
SELECT EXISTS (SELECT 1 FROM appointment_confirmations WHERE appointment_id = $1);

-- name: EngagementAppointmentContext
-- The zone of the provider's first weekly template (if any) and the
-- appointment's organisation name, as the location patients see.
SELECT coalesce((SELECT t.time_zone FROM availability_templates t WHERE t.provider_id = a.provider_id
                 ORDER BY t.created_at, t.id LIMIT 1), ''),
       o.name
FROM appointments a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1;

-- name: FindActiveAppointment
SELECT id::text FROM appointments
WHERE provider_id = $1 AND patient_id = $2 AND starts_at = $3 AND status <> 'cancelled';

-- name: EngagementWaitlist
-- Waiting entries for the provider (or any provider of the slot's
-- organisation tree) and visit type, highest priority first, then oldest;
-- date, weekday and time-of-day preferences are checked by the caller in
-- the slot's zone.
SELECT w.id::text, w.org_id::text, w.patient_id::text, coalesce(w.provider_id::text, ''), w.visit_type, w.priority,
       w.earliest, w.latest, w.weekdays,
       coalesce(to_char(w.time_from, 'HH24:MI'), ''), coalesce(to_char(w.time_to, 'HH24:MI'), ''), w.status,
       coalesce(w.appointment_id::text, ''), w.created_at, w.updated_at
FROM waitlist_entries w
WHERE w.status = 'waiting' AND w.visit_type = $2
  AND (w.provider_id = $1 OR (w.provider_id IS NULL AND w.org_id IN (
        SELECT o.id FROM orgs o, orgs p WHERE p.id = (SELECT org_id FROM providers WHERE id = $1) AND p.path <@ o.path)))
ORDER BY w.priority DESC, w.created_at, w.id
LIMIT 200;

-- name: ClaimWebhookEvent
INSERT INTO webhook_events (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: ReleaseWebhookEvent
DELETE FROM webhook_events WHERE provider = $1 AND event_id = $2;

-- name: OpenStatement
INSERT INTO patient_statements (id, patient_id, amount_cents, currency, status) VALUES ($1, $2, $3, $4, 'open')
ON CONFLICT (id) DO NOTHING;

-- name: SetStatementIntent
UPDATE patient_statements SET payment_intent_id = $2, updated_at = now() WHERE id = $1;

-- name: SetStatementStatus
UPDATE patient_statements SET status = $2, updated_at = now() WHERE id = $1;

-- name: GetStatement
SELECT id, patient_id, amount_cents, currency, coalesce(payment_intent_id, ''), status,
       coalesce((SELECT sum(amount_cents) FROM patient_payments p WHERE p.statement_id = s.id), 0)::bigint,
       coalesce((SELECT sum(amount_cents) FROM patient_refunds r WHERE r.statement_id = s.id), 0)::bigint
FROM patient_statements s WHERE id = $1;

-- name: StatementForPaymentIntent
SELECT id FROM patient_statements WHERE payment_intent_id = $1;

-- name: InsertPatientPayment
INSERT INTO patient_payments (payment_intent_id, statement_id, event_id, amount_cents) VALUES ($1, $2, $3, $4)
ON CONFLICT (payment_intent_id) DO NOTHING;

-- name: InsertPatientRefund
INSERT INTO patient_refunds (refund_id, statement_id, payment_intent_id, amount_cents) VALUES ($1, $2, $3, $4)
ON CONFLICT (refund_id) DO NOTHING;
