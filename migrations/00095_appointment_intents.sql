-- +goose Up
-- The outbox also carries signals: an appointment's cancellation ends its
-- reminders (and backfills the slot from the waitlist), a new time re-plans
-- them (signal-with-start, so finished reminders start again).
ALTER TABLE workflow_outbox
    ADD COLUMN kind text NOT NULL DEFAULT 'start' CHECK (kind IN ('start', 'signal', 'signal_with_start')),
    ADD COLUMN signal_name text NOT NULL DEFAULT '',
    ADD COLUMN signal_input jsonb NOT NULL DEFAULT '{}';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appointment_workflow_intents() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input) VALUES
            ('Eligibility', 'eligibility/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text)),
            ('AppointmentReminders', 'reminder/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text));
    ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input)
        VALUES ('AppointmentReminders', 'reminder/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text),
                'signal', 'reminder.cancel', jsonb_build_object('Backfill', true));
    ELSIF NEW.status = 'booked' AND (NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at) THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input)
        VALUES ('AppointmentReminders', 'reminder/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text),
                'signal_with_start', 'reminder.reschedule', '{}');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER appointments_signal_workflows AFTER UPDATE OF status, starts_at, ends_at ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointment_workflow_intents();

-- +goose Down
DROP TRIGGER appointments_signal_workflows ON appointments;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appointment_workflow_intents() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES ('Eligibility', 'eligibility/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
ALTER TABLE workflow_outbox DROP COLUMN kind, DROP COLUMN signal_name, DROP COLUMN signal_input;
