-- +goose Up
-- The worklist's plans at 200 tenants (issue 20).
--
-- A worklist page reads one tenant's claims (DashClaimsSorted: tenant_id =
-- the tenant, a parameter per tenant of the LATERAL) that are also in the
-- caller's organisations (dash_claims: org_id = ANY (ARRAY(visible_orgs)),
-- an array the planner does not know, taken for 10 organisations). The
-- planner multiplied the two selectivities as if independent: 1/200 of
-- the claims for the tenant times 10/600 for the organisations, 829 of the
-- 10,000,000 claims where the tenant has 50,000. With so few rows to sort,
-- a bitmap scan of the tenant's claims and a sort looked cheaper than
-- reading (tenant_id, key, id) in order and stopping after the page, and
-- the sort by date of service took 138 ms instead of about 1 ms. With 2 to
-- 5 tenants the same product was large enough that the ordered scan won.
--
-- An organisation is in exactly one tenant (claims.tenant_id is the root
-- of claims.org_id's tree, 00171), which functional-dependency statistics
-- record: with them the two clauses are estimated as the tenant's clause
-- alone (the smaller of the two selectivities when the dependency is
-- complete), 1/200 of the claims, and the ordered scan is chosen again. The
-- dependency's degree is measured by ANALYZE (1.0 here, as org_id decides
-- tenant_id); autovacuum's ANALYZE keeps it.
CREATE STATISTICS claims_tenant_org (dependencies) ON tenant_id, org_id FROM claims;
ANALYZE claims;

-- The remittance view's live-update poll (DashRemittanceVersion) counts
-- every remittance and work item the caller owns (visible_remittances,
-- visible work items): 1,020 ms of SQL a poll at 10,000,000 claims, every 3
-- seconds for each open page. Most polls find nothing changed. A change
-- count per tenant is kept, and the store recounts only when it moved
-- (store/dashboard_workqueue.go): every write that can change what a
-- remittance view shows (a remittance inserted, deleted, reconciled or
-- moved to another account; a claim payment inserted, deleted or given
-- another organisation; a work item inserted, deleted, resolved or
-- reopened; an organisation added to or removed from an account) adds 1 to
-- each tenant it may concern: those of the claim payments' organisations
-- and those of the organisations billing through the remittance's account
-- (more tenants than the change concerns costs one recount there, never a
-- missed change). The counts are insert-only rows folded like
-- claim_status_counts (00171): a writer inserts its tenants' increments
-- summed with the rows of those tenants no other transaction holds
-- (deleted FOR UPDATE SKIP LOCKED), so writers never wait on each other
-- and no increment is lost; a tenant has one row, plus one per transaction
-- that wrote it while another was folding it. The sum only grows, and
-- the poll reads it in the same snapshot as the counts it caches, so an
-- unchanged sum means the counts are current. No backfill: the counts
-- start at 0 and only their changes matter.
CREATE TABLE remittance_changes (
    tenant_id  uuid NOT NULL,
    changes    bigint NOT NULL
);
CREATE INDEX remittance_changes_tenant ON remittance_changes (tenant_id) INCLUDE (changes);

-- +goose StatementBegin
-- Adds 1 to each tenant of d_org (organisations, NULLs ignored), folding
-- in the tenant's rows that no other transaction holds.
CREATE FUNCTION remittance_changes_add(d_org uuid[]) RETURNS void
LANGUAGE sql AS $$
    WITH d AS (
        SELECT DISTINCT org_tenant(o.id) AS tenant_id FROM unnest(d_org) AS o (id) WHERE o.id IS NOT NULL
    ),
    folded AS (
        DELETE FROM remittance_changes s
        USING (SELECT k.ctid AS row FROM remittance_changes k
               WHERE k.tenant_id IN (SELECT d.tenant_id FROM d)
               FOR UPDATE SKIP LOCKED) AS l
        WHERE s.ctid = l.row
        RETURNING s.tenant_id, s.changes
    )
    INSERT INTO remittance_changes (tenant_id, changes)
    SELECT x.tenant_id, sum(x.n) FROM (
        SELECT d.tenant_id, 1::bigint AS n FROM d WHERE d.tenant_id IS NOT NULL
        UNION ALL
        SELECT f.tenant_id, f.changes FROM folded f) AS x
    GROUP BY x.tenant_id
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The organisations a change to remittances rems may concern: those of
-- their claim payments and those billing through their accounts.
CREATE FUNCTION remittance_change_orgs(rems uuid[]) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT x.org_id) FROM (
        SELECT tp.org_id FROM remittances r JOIN trading_partner_orgs tp ON tp.partner = r.partner WHERE r.id = ANY (rems)
        UNION ALL
        SELECT cp.org_id FROM claim_payments cp WHERE cp.remittance_id = ANY (rems) AND cp.org_id IS NOT NULL) AS x
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION remittance_changes_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'remittances' THEN
        IF TG_LEVEL = 'ROW' THEN
            PERFORM remittance_changes_add(remittance_change_orgs(ARRAY[NEW.id])
                || ARRAY(SELECT tp.org_id FROM trading_partner_orgs tp WHERE tp.partner = OLD.partner));
        ELSIF TG_OP = 'INSERT' THEN
            PERFORM remittance_changes_add(ARRAY(SELECT tp.org_id FROM new_rows n JOIN trading_partner_orgs tp ON tp.partner = n.partner));
        ELSE
            PERFORM remittance_changes_add(ARRAY(SELECT tp.org_id FROM old_rows o JOIN trading_partner_orgs tp ON tp.partner = o.partner));
        END IF;
    ELSIF TG_TABLE_NAME = 'claim_payments' THEN
        IF TG_LEVEL = 'ROW' THEN
            PERFORM remittance_changes_add(ARRAY[OLD.org_id, NEW.org_id]
                || ARRAY(SELECT tp.org_id FROM remittances r JOIN trading_partner_orgs tp ON tp.partner = r.partner
                         WHERE r.id IN (OLD.remittance_id, NEW.remittance_id)));
        ELSIF TG_OP = 'INSERT' THEN
            PERFORM remittance_changes_add(ARRAY(SELECT n.org_id FROM new_rows n
                UNION SELECT tp.org_id FROM remittances r JOIN trading_partner_orgs tp ON tp.partner = r.partner
                      WHERE r.id IN (SELECT n.remittance_id FROM new_rows n)));
        ELSE
            PERFORM remittance_changes_add(ARRAY(SELECT o.org_id FROM old_rows o
                UNION SELECT tp.org_id FROM remittances r JOIN trading_partner_orgs tp ON tp.partner = r.partner
                      WHERE r.id IN (SELECT o.remittance_id FROM old_rows o)));
        END IF;
    ELSIF TG_TABLE_NAME = 'remit_work_queue' THEN
        IF TG_LEVEL = 'ROW' THEN
            PERFORM remittance_changes_add(remittance_change_orgs(ARRAY[OLD.remittance_id, NEW.remittance_id]));
        ELSIF TG_OP = 'INSERT' THEN
            PERFORM remittance_changes_add(remittance_change_orgs(ARRAY(SELECT DISTINCT n.remittance_id FROM new_rows n)));
        ELSE
            PERFORM remittance_changes_add(remittance_change_orgs(ARRAY(SELECT DISTINCT o.remittance_id FROM old_rows o)));
        END IF;
    ELSIF TG_TABLE_NAME = 'trading_partner_orgs' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM remittance_changes_add(ARRAY[NEW.org_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM remittance_changes_add(ARRAY[OLD.org_id]);
        ELSE
            PERFORM remittance_changes_add(ARRAY[OLD.org_id, NEW.org_id]);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- Inserts and deletes per statement (the 835 posting inserts claim
-- payments 500 to a statement); updates per row, and only those that
-- change what the view shows (the WHEN is evaluated without calling the
-- function, so the posting's other updates cost nothing here).
CREATE TRIGGER remittance_changes_insert AFTER INSERT ON remittances
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_update AFTER UPDATE OF eft_reconciled, created_at, partner ON remittances
FOR EACH ROW WHEN (OLD.eft_reconciled IS DISTINCT FROM NEW.eft_reconciled OR OLD.created_at IS DISTINCT FROM NEW.created_at
                   OR OLD.partner IS DISTINCT FROM NEW.partner)
EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_delete AFTER DELETE ON remittances
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_insert AFTER INSERT ON claim_payments
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_update AFTER UPDATE OF org_id, remittance_id ON claim_payments
FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.remittance_id IS DISTINCT FROM NEW.remittance_id)
EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_delete AFTER DELETE ON claim_payments
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_insert AFTER INSERT ON remit_work_queue
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_update AFTER UPDATE OF status, created_at, resolved_at, remittance_id, seq ON remit_work_queue
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at
                   OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.remittance_id IS DISTINCT FROM NEW.remittance_id
                   OR OLD.seq IS DISTINCT FROM NEW.seq)
EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_delete AFTER DELETE ON remit_work_queue
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION remittance_changes_apply();
CREATE TRIGGER remittance_changes_row AFTER INSERT OR UPDATE OR DELETE ON trading_partner_orgs
FOR EACH ROW EXECUTE FUNCTION remittance_changes_apply();

-- +goose Down
DROP TRIGGER remittance_changes_row ON trading_partner_orgs;
DROP TRIGGER remittance_changes_delete ON remit_work_queue;
DROP TRIGGER remittance_changes_update ON remit_work_queue;
DROP TRIGGER remittance_changes_insert ON remit_work_queue;
DROP TRIGGER remittance_changes_delete ON claim_payments;
DROP TRIGGER remittance_changes_update ON claim_payments;
DROP TRIGGER remittance_changes_insert ON claim_payments;
DROP TRIGGER remittance_changes_delete ON remittances;
DROP TRIGGER remittance_changes_update ON remittances;
DROP TRIGGER remittance_changes_insert ON remittances;
DROP FUNCTION remittance_changes_apply();
DROP FUNCTION remittance_change_orgs(uuid[]);
DROP FUNCTION remittance_changes_add(uuid[]);
DROP TABLE remittance_changes;
DROP STATISTICS claims_tenant_org;
