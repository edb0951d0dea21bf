-- +goose Up
-- Prior authorization (issue 19). payer_auth_rules: which services (CPT or
-- HCPCS codes, one or a range) a payer requires its authorization for;
-- staff edit them per payer (GET/PUT /v1/payers/{id}/auth-rules).
-- prior_authorizations: one row per request (278), written by the
-- authorization's workflow (priorauth/<id>), the one writer of its status.
-- prior_authorization_uses: the units each claim draws from an approved
-- authorization, recorded when the claim passes its scrub, so a claim
-- past the approved units is held.
CREATE TABLE payer_auth_rules (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    payer_id    uuid NOT NULL REFERENCES payers (id) ON DELETE CASCADE,
    code_from   text NOT NULL,
    code_to     text NOT NULL,
    note        text NOT NULL DEFAULT '',
    position    int NOT NULL,
    updated_by  uuid REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (length(code_from) = length(code_to) AND code_from <= code_to)
);
CREATE INDEX payer_auth_rules_payer ON payer_auth_rules (payer_id, position);

CREATE TABLE prior_authorizations (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    coverage_id     uuid NOT NULL REFERENCES coverages (id),
    payer_id        uuid NOT NULL REFERENCES payers (id),
    provider_id     uuid NOT NULL REFERENCES providers (id),
    appointment_id  uuid REFERENCES appointments (id),
    codes           text[] NOT NULL,
    diagnoses       text[] NOT NULL,
    units           int NOT NULL CHECK (units > 0),
    service_from    date NOT NULL,
    service_to      date NOT NULL,
    status          text NOT NULL CHECK (status IN ('requested', 'pended', 'approved', 'denied', 'expired', 'error')),
    auth_number     text NOT NULL DEFAULT '',
    approved_from   date,
    approved_to     date,
    approved_units  int NOT NULL DEFAULT 0,
    decision_code   text NOT NULL DEFAULT '',
    reason          text NOT NULL DEFAULT '',
    trace           text NOT NULL UNIQUE,
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'approved' OR (auth_number <> '' AND approved_from IS NOT NULL AND approved_to IS NOT NULL))
);
CREATE INDEX prior_authorizations_org ON prior_authorizations (org_id, created_at DESC);
CREATE INDEX prior_authorizations_patient ON prior_authorizations (patient_id, payer_id);

CREATE TABLE prior_authorization_uses (
    authorization_id  uuid NOT NULL REFERENCES prior_authorizations (id),
    claim_id          uuid NOT NULL REFERENCES claims (id),
    units             int NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (authorization_id, claim_id)
);

INSERT INTO workflow_names (key, value) VALUES
    ('PriorAuthWorkflowName', 'PriorAuthorization'),
    ('PriorAuthIDPrefix', 'priorauth/');

-- +goose StatementBegin
CREATE FUNCTION prior_authorization_intent() RETURNS trigger AS $$
BEGIN
    INSERT INTO workflow_outbox (workflow_type, workflow_id, input)
    VALUES (workflow_name('PriorAuthWorkflowName'), workflow_name('PriorAuthIDPrefix') || NEW.id,
            jsonb_build_object('AuthID', NEW.id::text));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER prior_authorizations_start_workflow AFTER INSERT ON prior_authorizations
    FOR EACH ROW EXECUTE FUNCTION prior_authorization_intent();

-- +goose Down
DROP TRIGGER prior_authorizations_start_workflow ON prior_authorizations;
DROP FUNCTION prior_authorization_intent();
DELETE FROM workflow_names WHERE key IN ('PriorAuthWorkflowName', 'PriorAuthIDPrefix');
DROP TABLE prior_authorization_uses;
DROP TABLE prior_authorizations;
DROP TABLE payer_auth_rules;
