-- +goose Up
-- Tenancy as one mechanism (issue 14).
--
-- 1. visible_orgs(actor, permission) is the only place organisation scope
--    is decided: a role granted at an organisation gives its permissions
--    there and in every descendant. Every scoped query reads it (SQL
--    functions of one SELECT are inlined by the planner, so this plans as
--    the subquery it replaces).
-- 2. Data that arrives from outside belongs to the trading-partner
--    (clearinghouse) account it came through and to the claims it pays,
--    never to an identifier several tenants share (payer IDs, NPIs,
--    control numbers): a remittance records its account, each claim
--    payment (and its adjustments) the organisation of the claim it pays,
--    and an unmatched payment belongs to the organisations that bill
--    through the account.
-- 3. Work items get opaque IDs (the bigserial stays internal).

-- +goose StatementBegin
CREATE FUNCTION visible_orgs(actor uuid, perm text) RETURNS TABLE (id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.id
    FROM role_grants g
    JOIN role_permissions rp ON rp.role = g.role AND rp.permission = perm
    JOIN orgs go ON go.id = g.org_id
    JOIN orgs o ON o.path <@ go.path
    WHERE g.user_id = actor
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Is org one the actor sees with perm? (visible_orgs for one row.)
CREATE FUNCTION org_visible(actor uuid, perm text, org uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM visible_orgs(actor, perm) v WHERE v.id = org)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The visible organisations and their ancestors: shared set-up made above
-- (payers at a health system) is read from below.
CREATE FUNCTION visible_orgs_and_ancestors(actor uuid, perm text) RETURNS TABLE (id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT a.id FROM orgs a
    WHERE EXISTS (SELECT 1 FROM visible_orgs(actor, perm) v JOIN orgs o ON o.id = v.id WHERE a.path @> o.path)
$$;
-- +goose StatementEnd

-- The organisations that bill through a trading-partner account: recorded
-- when one of their claims is sent through it (claim batches).
CREATE TABLE trading_partner_orgs (
    partner     text NOT NULL,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner, org_id)
);
INSERT INTO trading_partner_orgs (partner, org_id)
SELECT DISTINCT b.clearinghouse, c.org_id
FROM claim_batches b JOIN batch_claims bc ON bc.batch_id = b.id JOIN claims c ON c.id = bc.claim_id;

-- A remittance is unique per account, payer and trace number. Remittances
-- posted before this migration have no recorded account ('').
ALTER TABLE remittances ADD COLUMN partner text NOT NULL DEFAULT '';
ALTER TABLE remittances DROP CONSTRAINT remittances_payer_id_trace_number_key;
ALTER TABLE remittances ADD CONSTRAINT remittances_partner_payer_trace UNIQUE (partner, payer_id, trace_number);

ALTER TABLE claim_payments ADD COLUMN org_id uuid REFERENCES orgs (id);
UPDATE claim_payments cp SET org_id = c.org_id FROM claims c WHERE c.id = cp.claim_id;
ALTER TABLE claim_payments ADD CONSTRAINT claim_payments_org CHECK ((claim_id IS NULL) = (org_id IS NULL));
CREATE INDEX claim_payments_org ON claim_payments (org_id, remittance_id);

ALTER TABLE claim_adjustments ADD COLUMN org_id uuid REFERENCES orgs (id);
UPDATE claim_adjustments a SET org_id = cp.org_id
FROM claim_payments cp WHERE cp.remittance_id = a.remittance_id AND cp.seq = a.seq;

ALTER TABLE remit_work_queue ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE remit_work_queue ADD CONSTRAINT remit_work_queue_public_id UNIQUE (public_id);

-- Who a claim payment belongs to: the organisation of the claim it paid,
-- or, unmatched, the organisations billing through the account it came
-- through.
CREATE VIEW claim_payment_owners AS
SELECT cp.remittance_id, cp.seq, cp.org_id
FROM claim_payments cp WHERE cp.org_id IS NOT NULL
UNION ALL
SELECT cp.remittance_id, cp.seq, tp.org_id
FROM claim_payments cp
JOIN remittances r ON r.id = cp.remittance_id
JOIN trading_partner_orgs tp ON tp.partner = r.partner
WHERE cp.org_id IS NULL;

-- Who a remittance belongs to: the owners of its claim payments, or, with
-- none, the organisations billing through its account.
CREATE VIEW remittance_owners AS
SELECT o.remittance_id, o.org_id FROM claim_payment_owners o
UNION ALL
SELECT r.id, tp.org_id
FROM remittances r JOIN trading_partner_orgs tp ON tp.partner = r.partner
WHERE NOT EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id);

-- Who a work item belongs to: the owners of its claim payment (seq > 0)
-- or of its remittance (seq 0).
CREATE VIEW remit_work_owners AS
SELECT q.id AS item_id, o.org_id, 0 AS pref
FROM remit_work_queue q JOIN claim_payment_owners o ON o.remittance_id = q.remittance_id AND o.seq = q.seq
WHERE q.seq > 0
UNION ALL
SELECT q.id, o.org_id, CASE WHEN EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = q.remittance_id AND cp.org_id = o.org_id) THEN 0 ELSE 1 END
FROM remit_work_queue q JOIN remittance_owners o ON o.remittance_id = q.remittance_id
WHERE q.seq = 0;

-- +goose Down
DROP VIEW remit_work_owners;
DROP VIEW remittance_owners;
DROP VIEW claim_payment_owners;
ALTER TABLE remit_work_queue DROP CONSTRAINT remit_work_queue_public_id;
ALTER TABLE remit_work_queue DROP COLUMN public_id;
ALTER TABLE claim_adjustments DROP COLUMN org_id;
DROP INDEX claim_payments_org;
ALTER TABLE claim_payments DROP CONSTRAINT claim_payments_org;
ALTER TABLE claim_payments DROP COLUMN org_id;
ALTER TABLE remittances DROP CONSTRAINT remittances_partner_payer_trace;
ALTER TABLE remittances ADD CONSTRAINT remittances_payer_id_trace_number_key UNIQUE (payer_id, trace_number);
ALTER TABLE remittances DROP COLUMN partner;
DROP TABLE trading_partner_orgs;
DROP FUNCTION visible_orgs_and_ancestors(uuid, text);
DROP FUNCTION org_visible(uuid, text, uuid);
DROP FUNCTION visible_orgs(uuid, text);
