-- +goose Up
-- The remittance view's poll from kept counts (issue 20). DashRemittanceVersion
-- answers how many remittances the caller sees, how many of them are
-- reconciled, how many of their work items are open, and the latest
-- change among them. It counted them on each user's first poll in a
-- process and after every change in their tenants (00173 kept the counts
-- per user in memory): at 50,000 claims a tenant that read about 47,000
-- claim payments, 75-105 ms of Postgres CPU a poll.
--
-- What a caller sees is decided by a remittance's owners (visible_remittances,
-- remittance_visible and claim_payment_visible, 00165/00176): the
-- organisations of its claim payments, and, when it carries a claim
-- payment that matched no claim or none at all, the organisations billing
-- through its account. A work item on a claim payment (seq > 0) belongs to
-- the payment's organisation, or, unmatched, to its remittance's account;
-- one on the whole remittance (seq 0) to the remittance's owners; one whose
-- claim payment does not exist to nobody. So every remittance and work item
-- has a key (orgs: the sorted organisations, by_account: whether the
-- account's organisations own it too, partner: that account, '' when not),
-- and a caller sees it exactly when orgs meets their organisations or
-- by_account and partner is one of their accounts. The account is kept, not
-- its organisations: adding an organisation to an account or removing it
-- changes no key. A remittance seen through several organisations has one
-- key, so summing over the caller's keys counts it once.
--
-- remittance_poll_members keeps each remittance's contribution per key (the
-- remittance itself, its open work items, the latest of its creation and
-- its items' creations and resolutions). Every write that can change one
-- (a remittance inserted, deleted, reconciled, re-dated or moved to
-- another account; a claim payment inserted, deleted, matched, unmatched or
-- moved; a work item inserted, deleted, resolved, reopened or moved)
-- recomputes the remittances it touched from their rows
-- (remittance_poll_refresh), under a row lock on each remittance, so two
-- writers of one remittance take turns and the second reads the first's
-- rows. The difference is added to remittance_poll_counts, the sums per
-- key, as insert-only rows folded like 00173's remittance_changes: a
-- writer inserts its keys' increments summed with the rows of those keys no
-- other transaction holds (deleted FOR UPDATE SKIP LOCKED), so writers
-- never wait on each other there and no increment is lost.
--
-- The poll reads the caller's keys' rows (a handful a tenant) and, per
-- key, the latest member from an index. The triggers are ENABLE ALWAYS:
-- store.GenerateScale writes by COPY with session_replication_role =
-- replica. 00173's change count and its triggers served only the per-user
-- cache, which the poll no longer needs: they are dropped.
CREATE TABLE remittance_poll_members (
    remittance_id uuid NOT NULL,
    orgs          uuid[] NOT NULL,
    by_account    boolean NOT NULL,
    partner       text NOT NULL,
    remittances   int NOT NULL,
    reconciled    int NOT NULL,
    open_items    int NOT NULL,
    latest        timestamptz NOT NULL
);
CREATE INDEX remittance_poll_members_remittance ON remittance_poll_members (remittance_id);
CREATE INDEX remittance_poll_members_latest ON remittance_poll_members (orgs, by_account, partner, latest DESC);

CREATE TABLE remittance_poll_counts (
    orgs         uuid[] NOT NULL,
    by_account   boolean NOT NULL,
    partner      text NOT NULL,
    members      bigint NOT NULL,
    remittances  bigint NOT NULL,
    reconciled   bigint NOT NULL,
    open_items   bigint NOT NULL
);
CREATE INDEX remittance_poll_counts_key ON remittance_poll_counts (orgs, by_account, partner);
CREATE INDEX remittance_poll_counts_partner ON remittance_poll_counts (partner) WHERE by_account;

-- +goose StatementBegin
-- The member rows of remittances rems, from their rows (keys owned by
-- nobody, no organisation and no account, are left out: no caller sees
-- them). A remittance's organisations are those of its claim payments:
-- with cand NULL, every claim payment is read (the backfill, and the
-- tests' fresh rows); otherwise only the candidates are asked, one probe
-- of claim_payments_org each: the organisations its kept row has and
-- cand, the organisations the writing statement gave claim payments. A
-- posting's slice of 500 claim payments then costs a few probes, not a
-- read of every claim payment the remittance already carries.
CREATE FUNCTION remittance_poll_rows(rems uuid[], cand uuid[])
RETURNS TABLE (remittance_id uuid, orgs uuid[], by_account boolean, partner text, remittances int, reconciled int, open_items int, latest timestamptz)
LANGUAGE sql STABLE AS $$
    WITH k AS (
        SELECT r.id, r.partner, r.created_at, r.eft_reconciled, a.orgs, a.by_account
        FROM (SELECT DISTINCT x.id FROM unnest(rems) AS x (id)) x
        JOIN remittances r ON r.id = x.id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN cand IS NULL THEN
                       coalesce((SELECT array_agg(DISTINCT cp.org_id ORDER BY cp.org_id) FROM claim_payments cp
                                 WHERE cp.remittance_id = r.id AND cp.org_id IS NOT NULL), '{}')
                   ELSE
                       ARRAY(SELECT o.id FROM (SELECT unnest(cand) UNION
                                               SELECT unnest(m.orgs) FROM remittance_poll_members m
                                               WHERE m.remittance_id = r.id AND m.remittances > 0) AS o (id)
                             WHERE EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.org_id = o.id AND cp.remittance_id = r.id)
                             ORDER BY o.id)
                   END AS orgs,
                   -- Its account's too when it carries an unmatched claim
                   -- payment or none (claim_payments_unmatched, the key).
                   (EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IS NULL)
                    OR NOT EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id)) AS by_account) a),
    c AS (
        SELECT k.id, k.orgs, k.by_account, k.partner, 1 AS remittances, k.eft_reconciled::int AS reconciled, 0 AS open_items,
               k.created_at AS latest
        FROM k
        UNION ALL
        SELECT k.id,
               CASE WHEN q.seq <= 0 THEN k.orgs WHEN cp.org_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[cp.org_id] END,
               CASE WHEN q.seq <= 0 THEN k.by_account ELSE cp.org_id IS NULL END,
               k.partner, 0, 0, (q.status = 'open')::int, greatest(q.created_at, q.resolved_at)
        FROM k JOIN remit_work_queue q ON q.remittance_id = k.id
        LEFT JOIN claim_payments cp ON q.seq > 0 AND cp.remittance_id = q.remittance_id AND cp.seq = q.seq
        WHERE q.seq <= 0 OR cp.remittance_id IS NOT NULL)
    SELECT c.id, c.orgs, c.by_account, CASE WHEN c.by_account THEN c.partner ELSE '' END,
           sum(c.remittances)::int, sum(c.reconciled)::int, sum(c.open_items)::int, max(c.latest)
    FROM c
    WHERE c.by_account OR cardinality(c.orgs) > 0
    GROUP BY 1, 2, 3, 4
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Recomputes the member rows of remittances rems (NULLs ignored) and adds
-- the difference to the kept counts; cand: the organisations the writing
-- statement gave claim payments of them (remittance_poll_rows).
CREATE FUNCTION remittance_poll_refresh(rems uuid[], cand uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[] := ARRAY(SELECT DISTINCT x.id FROM unnest(rems) AS x (id) WHERE x.id IS NOT NULL ORDER BY x.id);
    -- Variables, not subqueries, as remittance_poll_rows's arguments: the
    -- planner inlines the function then (a call with a subquery argument is
    -- planned anew on each call).
    cand_orgs uuid[] := ARRAY(SELECT DISTINCT c.id FROM unnest(cand) AS c (id) WHERE c.id IS NOT NULL);
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- One writer of a remittance's members at a time; the statement below
    -- then reads (READ COMMITTED: a new snapshot) what the previous one
    -- committed. NO KEY UPDATE does not conflict with the KEY SHARE locks
    -- of claim payments and work items inserted for the remittance.
    PERFORM 1 FROM remittances r WHERE r.id = ANY (ids) ORDER BY r.id FOR NO KEY UPDATE;
    WITH old AS (
        DELETE FROM remittance_poll_members m WHERE m.remittance_id = ANY (ids)
        RETURNING m.orgs, m.by_account, m.partner, m.remittances, m.reconciled, m.open_items),
    new AS (
        INSERT INTO remittance_poll_members (remittance_id, orgs, by_account, partner, remittances, reconciled, open_items, latest)
        SELECT * FROM remittance_poll_rows(ids, cand_orgs)
        RETURNING orgs, by_account, partner, remittances, reconciled, open_items),
    d AS (
        SELECT x.orgs, x.by_account, x.partner, sum(x.n) AS members, sum(x.remittances) AS remittances,
               sum(x.reconciled) AS reconciled, sum(x.open_items) AS open_items
        FROM (SELECT n.orgs, n.by_account, n.partner, 1 AS n, n.remittances, n.reconciled, n.open_items FROM new n
              UNION ALL
              SELECT o.orgs, o.by_account, o.partner, -1, -o.remittances, -o.reconciled, -o.open_items FROM old o) x
        GROUP BY x.orgs, x.by_account, x.partner
        HAVING sum(x.n) <> 0 OR sum(x.remittances) <> 0 OR sum(x.reconciled) <> 0 OR sum(x.open_items) <> 0),
    folded AS (
        DELETE FROM remittance_poll_counts s
        USING (SELECT k.ctid AS row FROM remittance_poll_counts k
               WHERE (k.orgs, k.by_account, k.partner) IN (SELECT d.orgs, d.by_account, d.partner FROM d)
               FOR UPDATE SKIP LOCKED) AS l
        WHERE s.ctid = l.row
        RETURNING s.orgs, s.by_account, s.partner, s.members, s.remittances, s.reconciled, s.open_items)
    INSERT INTO remittance_poll_counts (orgs, by_account, partner, members, remittances, reconciled, open_items)
    SELECT y.orgs, y.by_account, y.partner, sum(y.members), sum(y.remittances), sum(y.reconciled), sum(y.open_items)
    FROM (SELECT * FROM d UNION ALL SELECT * FROM folded) AS y
    GROUP BY y.orgs, y.by_account, y.partner
    HAVING sum(y.members) <> 0 OR sum(y.remittances) <> 0 OR sum(y.reconciled) <> 0 OR sum(y.open_items) <> 0;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION remittance_poll_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        IF TG_TABLE_NAME = 'remittances' THEN
            PERFORM remittance_poll_refresh(ARRAY[OLD.id, NEW.id], '{}');
        ELSIF TG_TABLE_NAME = 'claim_payments' THEN
            PERFORM remittance_poll_refresh(ARRAY[OLD.remittance_id, NEW.remittance_id], ARRAY[OLD.org_id, NEW.org_id]);
        ELSE
            PERFORM remittance_poll_refresh(ARRAY[OLD.remittance_id, NEW.remittance_id], '{}');
        END IF;
    ELSIF TG_TABLE_NAME = 'remittances' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM remittance_poll_refresh(ARRAY(SELECT n.id FROM poll_new n), '{}');
        ELSE
            PERFORM remittance_poll_refresh(ARRAY(SELECT o.id FROM poll_old o), '{}');
        END IF;
    ELSIF TG_TABLE_NAME = 'claim_payments' AND TG_OP = 'INSERT' THEN
        PERFORM remittance_poll_refresh(ARRAY(SELECT DISTINCT n.remittance_id FROM poll_new n),
                                        ARRAY(SELECT DISTINCT n.org_id FROM poll_new n));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM remittance_poll_refresh(ARRAY(SELECT DISTINCT n.remittance_id FROM poll_new n), '{}');
    ELSE
        PERFORM remittance_poll_refresh(ARRAY(SELECT DISTINCT o.remittance_id FROM poll_old o), '{}');
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write to the three tables between the backfill and the triggers
-- (reads go on).
LOCK TABLE remittances, claim_payments, remit_work_queue IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO remittance_poll_members (remittance_id, orgs, by_account, partner, remittances, reconciled, open_items, latest)
SELECT * FROM remittance_poll_rows(ARRAY(SELECT r.id FROM remittances r), NULL);
INSERT INTO remittance_poll_counts (orgs, by_account, partner, members, remittances, reconciled, open_items)
SELECT m.orgs, m.by_account, m.partner, count(*), sum(m.remittances), sum(m.reconciled), sum(m.open_items)
FROM remittance_poll_members m GROUP BY m.orgs, m.by_account, m.partner;
ANALYZE remittance_poll_members;
ANALYZE remittance_poll_counts;

-- Inserts and deletes per statement (the 835 posting inserts claim
-- payments 500 to a statement); updates per row, and only those that
-- change a key or a count (the WHEN is evaluated without calling the
-- function: the posting's other updates cost nothing here).
CREATE TRIGGER remittance_poll_insert AFTER INSERT ON remittances
REFERENCING NEW TABLE AS poll_new FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_update AFTER UPDATE OF id, partner, created_at, eft_reconciled ON remittances
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.partner IS DISTINCT FROM NEW.partner
                   OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.eft_reconciled IS DISTINCT FROM NEW.eft_reconciled)
EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_delete AFTER DELETE ON remittances
REFERENCING OLD TABLE AS poll_old FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_insert AFTER INSERT ON claim_payments
REFERENCING NEW TABLE AS poll_new FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_update AFTER UPDATE OF remittance_id, seq, org_id ON claim_payments
FOR EACH ROW WHEN (OLD.remittance_id IS DISTINCT FROM NEW.remittance_id OR OLD.seq IS DISTINCT FROM NEW.seq
                   OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_delete AFTER DELETE ON claim_payments
REFERENCING OLD TABLE AS poll_old FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_insert AFTER INSERT ON remit_work_queue
REFERENCING NEW TABLE AS poll_new FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_update AFTER UPDATE OF remittance_id, seq, status, created_at, resolved_at ON remit_work_queue
FOR EACH ROW WHEN (OLD.remittance_id IS DISTINCT FROM NEW.remittance_id OR OLD.seq IS DISTINCT FROM NEW.seq
                   OR OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at
                   OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at)
EXECUTE FUNCTION remittance_poll_apply();
CREATE TRIGGER remittance_poll_delete AFTER DELETE ON remit_work_queue
REFERENCING OLD TABLE AS poll_old FOR EACH STATEMENT EXECUTE FUNCTION remittance_poll_apply();
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_poll_insert;
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_poll_update;
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_poll_delete;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_poll_insert;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_poll_update;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_poll_delete;
ALTER TABLE remit_work_queue ENABLE ALWAYS TRIGGER remittance_poll_insert;
ALTER TABLE remit_work_queue ENABLE ALWAYS TRIGGER remittance_poll_update;
ALTER TABLE remit_work_queue ENABLE ALWAYS TRIGGER remittance_poll_delete;

-- 00173's change count (the per-user cache's stamp), no longer read.
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

-- +goose Down
-- 00173's change count, restored (counting from 0: only its changes matter).
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

DROP TRIGGER remittance_poll_delete ON remit_work_queue;
DROP TRIGGER remittance_poll_update ON remit_work_queue;
DROP TRIGGER remittance_poll_insert ON remit_work_queue;
DROP TRIGGER remittance_poll_delete ON claim_payments;
DROP TRIGGER remittance_poll_update ON claim_payments;
DROP TRIGGER remittance_poll_insert ON claim_payments;
DROP TRIGGER remittance_poll_delete ON remittances;
DROP TRIGGER remittance_poll_update ON remittances;
DROP TRIGGER remittance_poll_insert ON remittances;
DROP FUNCTION remittance_poll_apply();
DROP FUNCTION remittance_poll_refresh(uuid[], uuid[]);
DROP FUNCTION remittance_poll_rows(uuid[], uuid[]);
DROP TABLE remittance_poll_counts;
DROP TABLE remittance_poll_members;
