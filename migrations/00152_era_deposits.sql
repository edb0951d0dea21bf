-- +goose Up
-- The ERA/EOB viewer and bank deposits (issue 16).
--
-- 1. What posting an 835 learns and did not keep: the payer's name and the
--    payment method (BPR04) of a remittance, its PLB provider adjustments
--    one by one, and each claim payment's service lines (SVC with its
--    AMT*B6 allowed amount, DTM service date, REF*6R control number and
--    LQ remarks). Line adjustments were already kept in claim_adjustments
--    (line from 1). Remittances posted before this migration have none of
--    it: details_recorded and lines_recorded say so, and the viewer says
--    which figures it had to derive.
-- 2. Deposits as they appear on the bank statement, entered by staff at
--    one organisation, reconciled with the 835s by trace number (TRN02,
--    compared after deposit_trace_norm) and amount, or as staff matched
--    them by hand when the bank's reference differs.

ALTER TABLE remittances
    ADD COLUMN payer_name       text NOT NULL DEFAULT '',
    ADD COLUMN payment_method   text NOT NULL DEFAULT '',
    ADD COLUMN details_recorded boolean NOT NULL DEFAULT false;

CREATE TABLE remittance_provider_adjustments (
    remittance_id  uuid NOT NULL REFERENCES remittances (id),
    n              int NOT NULL,
    provider_id    text NOT NULL,  -- PLB01
    fiscal_period  text NOT NULL,  -- PLB02 CCYYMMDD
    reason         text NOT NULL,  -- PLB03-1
    reference      text NOT NULL,  -- PLB03-2
    amount_cents   bigint NOT NULL, -- PLB04 (positive reduces the payment)
    PRIMARY KEY (remittance_id, n)
);

ALTER TABLE claim_payments ADD COLUMN lines_recorded boolean NOT NULL DEFAULT false;

-- One SVC of a claim payment, owned like the payment (org_id is the
-- claim's organisation, NULL when the payment matched no claim).
CREATE TABLE claim_payment_lines (
    remittance_id  uuid NOT NULL,
    seq            int NOT NULL,
    line           int NOT NULL,   -- SVC position in the claim payment, from 1
    org_id         uuid REFERENCES orgs (id),
    procedure_qual text NOT NULL,  -- SVC01-1
    procedure      text NOT NULL,  -- SVC01-2
    modifiers      text[] NOT NULL DEFAULT '{}', -- SVC01-3..6
    revenue_code   text NOT NULL DEFAULT '', -- SVC04
    units          text NOT NULL DEFAULT '', -- SVC05
    charge_cents   bigint NOT NULL, -- SVC02
    paid_cents     bigint NOT NULL, -- SVC03
    allowed_cents  bigint,          -- AMT02 with AMT01 B6; NULL when absent
    service_date   text NOT NULL DEFAULT '', -- DTM*472 (or DTM*150) CCYYMMDD
    line_control   text NOT NULL DEFAULT '', -- REF*6R
    rarcs          text[] NOT NULL DEFAULT '{}', -- LQ*HE
    PRIMARY KEY (remittance_id, seq, line),
    FOREIGN KEY (remittance_id, seq) REFERENCES claim_payments (remittance_id, seq)
);

-- +goose StatementBegin
-- A trace or bank reference as compared: blanks removed, upper case.
CREATE FUNCTION deposit_trace_norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT upper(regexp_replace(t, '\s', '', 'g'))
$$;
-- +goose StatementEnd

CREATE INDEX remittances_trace_norm ON remittances (deposit_trace_norm(trace_number));

CREATE TABLE deposits (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    deposited_on    date NOT NULL,
    reference       text NOT NULL CHECK (reference <> ''),
    reference_norm  text NOT NULL,
    note            text NOT NULL DEFAULT '',
    -- manual: the deposit's 835s are those of deposit_matches (staff
    -- matched or unmatched by hand); otherwise those whose trace number
    -- equals the reference.
    manual          boolean NOT NULL DEFAULT false,
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deposits_org ON deposits (org_id, deposited_on DESC, id DESC);
CREATE INDEX deposits_reference ON deposits (reference_norm);

CREATE TABLE deposit_matches (
    deposit_id     uuid NOT NULL REFERENCES deposits (id),
    remittance_id  uuid NOT NULL REFERENCES remittances (id),
    matched_by     uuid REFERENCES users (id),
    matched_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deposit_id, remittance_id)
);

-- +goose StatementBegin
-- The organisation and its descendants.
CREATE FUNCTION org_subtree(org uuid) RETURNS TABLE (id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.id FROM orgs o JOIN orgs top ON top.id = org WHERE o.path <@ top.path
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- What of remittance rid belongs to org (and its descendants): BPR02 when
-- no claim payment of it belongs to anyone else, else the sum of its own
-- claim payments (one 835 paying two tenants' claims shows each only its
-- share, as the remittance list does).
CREATE FUNCTION remittance_share_cents(rid uuid, org uuid) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = rid AND cp.org_id IS NOT NULL
                             AND cp.org_id NOT IN (SELECT id FROM org_subtree(org)))
                THEN coalesce((SELECT sum(cp.paid_cents) FROM claim_payments cp WHERE cp.remittance_id = rid
                               AND cp.org_id IN (SELECT id FROM org_subtree(org))), 0)::bigint
                ELSE (SELECT r.paid_cents FROM remittances r WHERE r.id = rid) END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The 835s a deposit is matched to: among the remittances its
-- organisation owns a part of (remittance_owners), those whose trace
-- number is the deposit's reference, or, once staff matched by hand, those
-- they matched.
CREATE FUNCTION deposit_remittances(dep uuid) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.id FROM deposits d JOIN remittances r
      ON (NOT d.manual AND deposit_trace_norm(r.trace_number) = d.reference_norm)
      OR (d.manual AND r.id IN (SELECT m.remittance_id FROM deposit_matches m WHERE m.deposit_id = d.id))
    WHERE d.id = dep
      AND r.id IN (SELECT o.remittance_id FROM remittance_owners o WHERE o.org_id IN (SELECT id FROM org_subtree(d.org_id)))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION deposit_remittances(uuid);
DROP FUNCTION remittance_share_cents(uuid, uuid);
DROP FUNCTION org_subtree(uuid);
DROP TABLE deposit_matches;
DROP TABLE deposits;
DROP INDEX remittances_trace_norm;
DROP FUNCTION deposit_trace_norm(text);
DROP TABLE claim_payment_lines;
ALTER TABLE claim_payments DROP COLUMN lines_recorded;
DROP TABLE remittance_provider_adjustments;
ALTER TABLE remittances DROP COLUMN details_recorded, DROP COLUMN payment_method, DROP COLUMN payer_name;
