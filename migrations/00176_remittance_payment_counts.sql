-- +goose Up
-- The remittance page's account branch from kept counts (issue 20). A
-- remittance belongs to the organisations billing through its account
-- when it carries a claim payment that matched no claim (org_id IS NULL)
-- or none at all (remittance_visible, 00165). DashRemittances found the
-- account's newest such remittances by walking remittances_partner newest
-- first and asking each with two claim_payments probes: at 100,000 claims
-- (2 tenants), 1,472 remittances read for the 50 of a page, about 13 ms of
-- the statement's 14. Here a row per remittance keeps how many claim
-- payments it carries and how many of them matched no claim, with its
-- account; a partial index on the rows whose remittance is its account's
-- ((partner, remittance_id) WHERE unmatched > 0 OR payments = 0) gives the
-- page its candidates in order, and nothing else.
--
-- Who writes: a remittance's row is made by the statement trigger of its
-- insert (with 0 and 0), removed by that of its delete, and moved by a row
-- trigger when its ID or account changes (recounted then). The counts are
-- increments from the statement triggers of claim_payments (insert, update,
-- delete; transition tables), summed per remittance, written in remittance
-- order (a row lock orders two writers of one remittance: the 835 posting
-- writes one remittance's slices one after the other) and upserted, so a
-- statement that inserts a remittance and its claim payments together
-- finds its row whichever trigger runs first. The triggers are ENABLE
-- ALWAYS: store.GenerateScale writes remittances and claim_payments by
-- COPY with session_replication_role = replica.
CREATE TABLE remittance_payment_counts (
    remittance_id uuid PRIMARY KEY,
    partner       text NOT NULL,
    payments      bigint NOT NULL,
    unmatched     bigint NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION remittance_payment_counts_remittances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        -- A remittance's ID or account changed: its row moves, recounted.
        DELETE FROM remittance_payment_counts WHERE remittance_id = OLD.id;
        INSERT INTO remittance_payment_counts AS k (remittance_id, partner, payments, unmatched)
        SELECT NEW.id, NEW.partner, count(*), count(*) FILTER (WHERE cp.org_id IS NULL)
        FROM claim_payments cp WHERE cp.remittance_id = NEW.id
        ON CONFLICT (remittance_id) DO UPDATE
        SET partner = EXCLUDED.partner, payments = EXCLUDED.payments, unmatched = EXCLUDED.unmatched;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO remittance_payment_counts (remittance_id, partner, payments, unmatched)
        SELECT n.id, n.partner, 0, 0 FROM remittance_counts_new n ORDER BY n.id
        ON CONFLICT (remittance_id) DO NOTHING;
    ELSE
        DELETE FROM remittance_payment_counts k WHERE k.remittance_id IN (SELECT o.id FROM remittance_counts_old o);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A statement's claim payments: the new rows counted in, the old ones out,
-- per remittance (unmatched: org_id IS NULL, as remittance_visible asks).
CREATE FUNCTION remittance_payment_counts_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO remittance_payment_counts AS k (remittance_id, partner, payments, unmatched)
        SELECT d.remittance_id, r.partner, d.payments, d.unmatched
        FROM (SELECT n.remittance_id, count(*) AS payments, count(*) FILTER (WHERE n.org_id IS NULL) AS unmatched
              FROM remittance_counts_new n GROUP BY n.remittance_id) d
        JOIN remittances r ON r.id = d.remittance_id
        ORDER BY d.remittance_id
        ON CONFLICT (remittance_id) DO UPDATE
        SET payments = k.payments + EXCLUDED.payments, unmatched = k.unmatched + EXCLUDED.unmatched;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO remittance_payment_counts AS k (remittance_id, partner, payments, unmatched)
        SELECT d.remittance_id, r.partner, d.payments, d.unmatched
        FROM (SELECT o.remittance_id, -count(*) AS payments, -count(*) FILTER (WHERE o.org_id IS NULL) AS unmatched
              FROM remittance_counts_old o GROUP BY o.remittance_id) d
        JOIN remittances r ON r.id = d.remittance_id
        ORDER BY d.remittance_id
        ON CONFLICT (remittance_id) DO UPDATE
        SET payments = k.payments + EXCLUDED.payments, unmatched = k.unmatched + EXCLUDED.unmatched;
    ELSE
        -- Most updates (the posting's lines_recorded) change neither count:
        -- nothing is written for them.
        INSERT INTO remittance_payment_counts AS k (remittance_id, partner, payments, unmatched)
        SELECT d.remittance_id, r.partner, d.payments, d.unmatched
        FROM (SELECT x.remittance_id, sum(x.n) AS payments, sum(x.u) AS unmatched FROM (
                  SELECT n.remittance_id, 1 AS n, (n.org_id IS NULL)::int AS u FROM remittance_counts_new n
                  UNION ALL
                  SELECT o.remittance_id, -1, -(o.org_id IS NULL)::int FROM remittance_counts_old o) x
              GROUP BY x.remittance_id HAVING sum(x.n) <> 0 OR sum(x.u) <> 0) d
        JOIN remittances r ON r.id = d.remittance_id
        ORDER BY d.remittance_id
        ON CONFLICT (remittance_id) DO UPDATE
        SET payments = k.payments + EXCLUDED.payments, unmatched = k.unmatched + EXCLUDED.unmatched;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write to remittances or claim_payments between the backfill and the
-- triggers (reads go on).
LOCK TABLE remittances, claim_payments IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO remittance_payment_counts (remittance_id, partner, payments, unmatched)
SELECT r.id, r.partner, coalesce(c.payments, 0), coalesce(c.unmatched, 0)
FROM remittances r
LEFT JOIN (SELECT cp.remittance_id, count(*) AS payments, count(*) FILTER (WHERE cp.org_id IS NULL) AS unmatched
           FROM claim_payments cp GROUP BY cp.remittance_id) c ON c.remittance_id = r.id;
CREATE INDEX remittance_payment_counts_owned ON remittance_payment_counts (partner, remittance_id)
WHERE unmatched > 0 OR payments = 0;
ANALYZE remittance_payment_counts;

CREATE TRIGGER remittance_payment_counts_insert AFTER INSERT ON remittances REFERENCING NEW TABLE AS remittance_counts_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_counts_remittances();
CREATE TRIGGER remittance_payment_counts_update AFTER UPDATE OF id, partner ON remittances
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.partner IS DISTINCT FROM NEW.partner)
EXECUTE FUNCTION remittance_payment_counts_remittances();
CREATE TRIGGER remittance_payment_counts_delete AFTER DELETE ON remittances REFERENCING OLD TABLE AS remittance_counts_old
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_counts_remittances();
CREATE TRIGGER remittance_payment_counts_insert AFTER INSERT ON claim_payments REFERENCING NEW TABLE AS remittance_counts_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_counts_payments();
CREATE TRIGGER remittance_payment_counts_update AFTER UPDATE ON claim_payments
REFERENCING OLD TABLE AS remittance_counts_old NEW TABLE AS remittance_counts_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_counts_payments();
CREATE TRIGGER remittance_payment_counts_delete AFTER DELETE ON claim_payments REFERENCING OLD TABLE AS remittance_counts_old
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_counts_payments();
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_payment_counts_insert;
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_payment_counts_update;
ALTER TABLE remittances ENABLE ALWAYS TRIGGER remittance_payment_counts_delete;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_counts_insert;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_counts_update;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_counts_delete;

-- The remittance poll's recount (DashRemittanceVersion, when the caller's
-- tenants changed) and the inbound deviations read every remittance the
-- caller owns through visible_remittances, whose account branch asked
-- each of the account's remittances for an unmatched claim payment or
-- none (8,589 remittances, about 58,000 buffers, for the 281 of a tenant
-- of 50,000 claims); it now reads the same remittances from the kept
-- counts' partial index.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_remittances(actor uuid, perm text) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cp.remittance_id FROM claim_payments cp
    WHERE cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    UNION ALL
    SELECT k.remittance_id FROM remittance_payment_counts k
    WHERE k.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                        WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id)))
      AND (k.unmatched > 0 OR k.payments = 0)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_remittances(actor uuid, perm text) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cp.remittance_id FROM claim_payments cp
    WHERE cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    UNION ALL
    SELECT r.id FROM remittances r
    WHERE r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                        WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id)))
      -- Lookups per remittance (LIMIT 1): EXISTS may be planned as one
      -- hashed scan of every claim payment.
      AND ((SELECT true FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IS NULL LIMIT 1)
           OR (SELECT true FROM claim_payments cp WHERE cp.remittance_id = r.id LIMIT 1) IS NULL)
$$;
-- +goose StatementEnd
DROP TRIGGER remittance_payment_counts_delete ON claim_payments;
DROP TRIGGER remittance_payment_counts_update ON claim_payments;
DROP TRIGGER remittance_payment_counts_insert ON claim_payments;
DROP TRIGGER remittance_payment_counts_delete ON remittances;
DROP TRIGGER remittance_payment_counts_update ON remittances;
DROP TRIGGER remittance_payment_counts_insert ON remittances;
DROP FUNCTION remittance_payment_counts_payments();
DROP FUNCTION remittance_payment_counts_remittances();
DROP TABLE remittance_payment_counts;
