-- +goose Up
-- workflow_names is the one place SQL reads Temporal names from: the
-- workflow types, workflow ID prefixes and signal names that outbox intents
-- carry. Each key is the name of the constant in workflows/names.go and each
-- value that constant's value; workflows/outbox_names_test.go fails when
-- they drift, or when an outbox trigger spells a name out instead of
-- calling workflow_name.
CREATE TABLE workflow_names (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO workflow_names (key, value) VALUES
    ('ClaimWorkflowName', 'Claim'),
    ('ClaimIDPrefix', 'claim/'),
    ('EligibilityWorkflowName', 'Eligibility'),
    ('EligibilityIDPrefix', 'eligibility/'),
    ('ReminderWorkflowName', 'AppointmentReminders'),
    ('ReminderIDPrefix', 'reminder/'),
    ('SignalReminderCancel', 'reminder.cancel'),
    ('SignalReminderReschedule', 'reminder.reschedule');

-- +goose StatementBegin
-- workflow_name returns the named constant, and fails (rather than
-- writing an intent no worker understands) when it is unknown.
CREATE FUNCTION workflow_name(k text) RETURNS text AS $$
DECLARE
    v text;
BEGIN
    SELECT value INTO v FROM workflow_names WHERE key = k;
    IF v IS NULL THEN
        RAISE EXCEPTION 'workflow_name: unknown name %', k;
    END IF;
    RETURN v;
END;
$$ LANGUAGE plpgsql STABLE;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_workflow_intent() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES (workflow_name('ClaimWorkflowName'), workflow_name('ClaimIDPrefix') || NEW.id,
            jsonb_build_object('ClaimID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appointment_workflow_intents() RETURNS trigger AS $$
DECLARE
    reminders  text := workflow_name('ReminderWorkflowName');
    reminderID text := workflow_name('ReminderIDPrefix') || NEW.id;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input) VALUES
            (workflow_name('EligibilityWorkflowName'), workflow_name('EligibilityIDPrefix') || NEW.id,
             jsonb_build_object('AppointmentID', NEW.id::text)),
            (reminders, reminderID, jsonb_build_object('AppointmentID', NEW.id::text));
    ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input)
        VALUES (reminders, reminderID, jsonb_build_object('AppointmentID', NEW.id::text),
                'signal', workflow_name('SignalReminderCancel'), jsonb_build_object('Backfill', true));
    ELSIF NEW.status = 'booked' AND (NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at) THEN
        INSERT INTO workflow_outbox (workflow_type, workflow_id, input, kind, signal_name, signal_input)
        VALUES (reminders, reminderID, jsonb_build_object('AppointmentID', NEW.id::text),
                'signal_with_start', workflow_name('SignalReminderReschedule'), '{}');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_workflow_intent() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES ('Claim', 'claim/' || NEW.id, jsonb_build_object('ClaimID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP FUNCTION workflow_name(text);
DROP TABLE workflow_names;
