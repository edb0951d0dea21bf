-- +goose Up
-- Workflow payloads are sealed with a data key per organisation (issue 14,
-- finding 2), so decoding is scoped by construction: the codec server can
-- only fetch the keys of organisations where the caller holds
-- workflow:decode. A key is named in each payload's metadata:
--   v2/org/<org-id>/<yyyy-mm>   payloads of workflows an organisation owns
--   v2/system/<yyyy-mm>         workflows that belong to no organisation
--                               (schedules, batches, polls across tenants)
-- A fresh key per month bounds how many payloads share one key. wrapped is
-- the data key wrapped by the keyring's KEK. Payloads sealed before this
-- (one KEK-wrapped key per blob, key id = a KEK version) stay readable by
-- the worker; the codec server opens them for system decoders only.
CREATE TABLE payload_keys (
    id          text PRIMARY KEY,
    org_id      uuid REFERENCES orgs (id),
    wrapped     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- The id names its owner: metadata can never claim another tenant's key.
    CHECK ((org_id IS NULL AND id ~ '^v2/system/[0-9]{4}-[0-9]{2}$')
        OR (org_id IS NOT NULL AND id = 'v2/org/' || org_id::text || '/' || right(id, 7) AND right(id, 7) ~ '^[0-9]{4}-[0-9]{2}$'))
);
CREATE INDEX payload_keys_org ON payload_keys (org_id);

-- Permissions that belong to no organisation: decoding system payloads
-- (which may mention several tenants' claims). Only the operator CLI
-- (`claimflow users grant-system`) writes this table; no API route does, so
-- no tenant admin can grant it.
CREATE TABLE platform_grants (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission  text NOT NULL CHECK (permission IN ('workflow:decode-system')),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, permission)
);

-- workflow_org is the organisation that owns a workflow, read from its ID
-- (workflow IDs carry business meaning: claim/<claim-id>, ...), or NULL for
-- a workflow no organisation owns. The payload codec seals a workflow's
-- payloads with that organisation's key.
-- +goose StatementBegin
CREATE FUNCTION workflow_org(wid text) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN wid ~ '^claim/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
            (SELECT org_id FROM claims WHERE id = substr(wid, 7)::uuid)
        WHEN wid ~ '^(reminder|eligibility)/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(/.*)?$' THEN
            (SELECT org_id FROM appointments WHERE id = substring(wid from '/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})')::uuid)
        WHEN wid ~ '^series/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
            (SELECT org_id FROM appointment_series WHERE id = substr(wid, 8)::uuid)
        WHEN wid ~ '^waitlist/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}@' THEN
            (SELECT org_id FROM providers WHERE id = substring(wid from '^waitlist/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})@')::uuid)
        -- statement/<claim-id>-<trace>: the claim's, known before the
        -- statement's row is written (by the statement workflow itself).
        WHEN wid ~ '^statement/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-' THEN
            (SELECT org_id FROM claims WHERE id = substr(wid, 11, 36)::uuid)
        WHEN wid LIKE 'statement/%' THEN
            (SELECT p.org_id FROM patient_statements s JOIN patients p ON p.id::text = s.patient_id
             WHERE s.id = substr(wid, 11))
    END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION workflow_org(text);
DROP TABLE platform_grants;
DROP TABLE payload_keys;
