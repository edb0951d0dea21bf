-- +goose Up
-- An import brings in a practice's history: an appointment that began
-- before its import is a past visit, and an eligibility check and a
-- reminder workflow for it would only add two workflows (and a 270 sent to
-- the payer) per historical visit: 100,000 for a 50,000-patient
-- migration. The import's transactions set claimflow.importing (local to
-- the transaction, store.markImporting); an appointment inserted under it
-- whose start has passed writes no intents. Upcoming imported appointments,
-- and every appointment booked through the API (past or not), still start
-- both workflows.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION appointment_workflow_intents() RETURNS trigger AS $$
DECLARE
    reminders  text := workflow_name('ReminderWorkflowName');
    reminderID text := workflow_name('ReminderIDPrefix') || NEW.id;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.starts_at <= now() AND coalesce(current_setting('claimflow.importing', true), '') = 'on' THEN
            -- A visit of a practice's history, brought in by an import:
            -- no eligibility check and no reminders for it.
            RETURN NEW;
        END IF;
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
