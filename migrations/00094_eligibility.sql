-- +goose Up
-- Eligibility checks (270/271): one row per inquiry trace. Benefits are PHI
-- (a patient's plan, deductible and balances): sealed under the row's data
-- key.
CREATE TABLE eligibility_checks (
    trace_number    text PRIMARY KEY,
    appointment_id  uuid NOT NULL REFERENCES appointments (id),
    coverage_id     uuid REFERENCES coverages (id),
    workflow_id     text NOT NULL DEFAULT '',
    mode            text NOT NULL CHECK (mode IN ('realtime', 'batch')),
    status          text NOT NULL CHECK (status IN ('pending', 'active', 'inactive', 'rejected')),
    reject_codes    text[] NOT NULL DEFAULT '{}',
    dek             bytea,
    benefits        bytea,
    request_key     text NOT NULL DEFAULT '',
    response_key    text NOT NULL DEFAULT '',
    checked_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX eligibility_checks_appointment ON eligibility_checks (appointment_id, checked_at DESC);

-- Booking an appointment asks for its eligibility check (same transaction).
-- +goose StatementBegin
CREATE FUNCTION appointment_workflow_intents() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES ('Eligibility', 'eligibility/' || NEW.id, jsonb_build_object('AppointmentID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER appointments_start_workflows AFTER INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointment_workflow_intents();

-- +goose Down
DROP TRIGGER appointments_start_workflows ON appointments;
DROP FUNCTION appointment_workflow_intents();
DROP TABLE eligibility_checks;
