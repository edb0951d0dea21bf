-- +goose Up
-- The remittance list from kept totals (issue 20). A page of 50
-- remittances read every claim payment and adjustment of its remittances
-- to show their sums (charged, paid, adjusted) and to narrow a shared
-- remittance to the caller's share: at 50,000 claims a tenant about 10,000
-- claim payments and 20,000 adjustments a page, 40 ms of Postgres CPU a
-- request. The list now shows the sums alone, read from a row per
-- remittance and owner kept here; the claim payments and their
-- adjustments are read when one remittance is opened (the ERA view).
--
-- A row per remittance and organisation owning claim payments of it
-- (org_id NULL: those that matched no claim, owned through the account the
-- remittance came through, as visible_claim_payments decides): how many
-- claim payments, their charges (CLP03), their payments (CLP04), and the
-- adjustments (CAS, claim and service lines) of those claim payments. A
-- caller's figures are the sum of the rows they own; fewer claim payments
-- than the remittance carries (remittance_payment_counts, 00176) narrow the
-- remittance to their share, as before. An adjustment counts for the
-- organisation of its claim payment (claim_payments.org_id, not the
-- adjustment's own copy), as the page attached adjustments to the claim
-- payments it showed.
--
-- Who writes: inserts (what the 835 posting does) add increments from the
-- statement triggers of claim_payments and claim_adjustments (transition
-- tables, summed per remittance and owner, upserted in key order); an
-- adjustment's owner is read from its claim payment (a primary-key lookup;
-- the posting inserts both in one statement, and the statement triggers
-- see both whichever runs first). Updates that change an owner, an amount
-- or a key, and deletes, recount the remittances they touch from the
-- tables (rare: the application changes neither; tests and repairs do),
-- after locking those remittances' rows of remittance_payment_counts in ID
-- order, which a writer of claim payments of the remittance holds until it
-- commits (00176's triggers run first, by name): a recount waits for a
-- concurrent insert and counts it, or the insert waits and adds to the
-- recount. The posting's lines_recorded update changes nothing here and
-- writes nothing. ENABLE ALWAYS: store.GenerateScale writes by COPY as
-- replica.
CREATE TABLE remittance_payment_totals (
    remittance_id  uuid NOT NULL,
    org_id         uuid,
    payments       bigint NOT NULL,
    charge_cents   bigint NOT NULL,
    paid_cents     bigint NOT NULL,
    adjusted_cents bigint NOT NULL,
    CONSTRAINT remittance_payment_totals_key UNIQUE NULLS NOT DISTINCT (remittance_id, org_id)
);

-- +goose StatementBegin
-- The rows of these remittances counted afresh from claim_payments and
-- claim_adjustments.
CREATE FUNCTION remittance_payment_totals_recount(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM remittance_payment_counts k WHERE k.remittance_id = ANY (ids) ORDER BY k.remittance_id FOR UPDATE;
    DELETE FROM remittance_payment_totals t WHERE t.remittance_id = ANY (ids);
    INSERT INTO remittance_payment_totals AS t (remittance_id, org_id, payments, charge_cents, paid_cents, adjusted_cents)
    SELECT cp.remittance_id, cp.org_id, count(*), sum(cp.charge_cents), sum(cp.paid_cents), coalesce(sum(a.adjusted), 0)
    FROM claim_payments cp
    LEFT JOIN LATERAL (SELECT sum(a.amount_cents) AS adjusted FROM claim_adjustments a
                       WHERE a.remittance_id = cp.remittance_id AND a.seq = cp.seq) a ON true
    WHERE cp.remittance_id = ANY (ids)
    GROUP BY cp.remittance_id, cp.org_id
    ORDER BY cp.remittance_id, cp.org_id
    ON CONFLICT ON CONSTRAINT remittance_payment_totals_key DO UPDATE
    SET payments = EXCLUDED.payments, charge_cents = EXCLUDED.charge_cents, paid_cents = EXCLUDED.paid_cents,
        adjusted_cents = EXCLUDED.adjusted_cents;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION remittance_payment_totals_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO remittance_payment_totals AS t (remittance_id, org_id, payments, charge_cents, paid_cents, adjusted_cents)
        SELECT n.remittance_id, n.org_id, count(*), sum(n.charge_cents), sum(n.paid_cents), 0
        FROM remittance_totals_new n
        GROUP BY n.remittance_id, n.org_id
        ORDER BY n.remittance_id, n.org_id
        ON CONFLICT ON CONSTRAINT remittance_payment_totals_key DO UPDATE
        SET payments = t.payments + EXCLUDED.payments, charge_cents = t.charge_cents + EXCLUDED.charge_cents,
            paid_cents = t.paid_cents + EXCLUDED.paid_cents;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM remittance_payment_totals_recount(ARRAY(SELECT DISTINCT o.remittance_id FROM remittance_totals_old o));
    ELSE
        -- Only the claim payments whose key, owner or amounts changed.
        PERFORM remittance_payment_totals_recount(ARRAY(
            SELECT DISTINCT x.id FROM (
                SELECT coalesce(n.remittance_id, o.remittance_id) AS id, o.remittance_id AS old_id
                FROM remittance_totals_new n
                FULL JOIN remittance_totals_old o ON o.remittance_id = n.remittance_id AND o.seq = n.seq
                WHERE (n.org_id, n.charge_cents, n.paid_cents) IS DISTINCT FROM (o.org_id, o.charge_cents, o.paid_cents)) c
            CROSS JOIN LATERAL (VALUES (c.id), (c.old_id)) AS x (id)
            WHERE x.id IS NOT NULL));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION remittance_payment_totals_adjustments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO remittance_payment_totals AS t (remittance_id, org_id, payments, charge_cents, paid_cents, adjusted_cents)
        SELECT cp.remittance_id, cp.org_id, 0, 0, 0, sum(n.amount_cents)
        FROM remittance_totals_new n
        JOIN claim_payments cp ON cp.remittance_id = n.remittance_id AND cp.seq = n.seq
        GROUP BY cp.remittance_id, cp.org_id
        ORDER BY cp.remittance_id, cp.org_id
        ON CONFLICT ON CONSTRAINT remittance_payment_totals_key DO UPDATE
        SET adjusted_cents = t.adjusted_cents + EXCLUDED.adjusted_cents;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM remittance_payment_totals_recount(ARRAY(SELECT DISTINCT o.remittance_id FROM remittance_totals_old o));
    ELSE
        PERFORM remittance_payment_totals_recount(ARRAY(
            SELECT DISTINCT x.id FROM (
                SELECT coalesce(n.remittance_id, o.remittance_id) AS id, o.remittance_id AS old_id
                FROM remittance_totals_new n
                FULL JOIN remittance_totals_old o
                  ON o.remittance_id = n.remittance_id AND o.seq = n.seq AND o.line = n.line AND o.n = n.n
                WHERE n.amount_cents IS DISTINCT FROM o.amount_cents) c
            CROSS JOIN LATERAL (VALUES (c.id), (c.old_id)) AS x (id)
            WHERE x.id IS NOT NULL));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write to claim_payments or claim_adjustments between the backfill and
-- the triggers (reads go on).
LOCK TABLE claim_payments, claim_adjustments IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO remittance_payment_totals (remittance_id, org_id, payments, charge_cents, paid_cents, adjusted_cents)
SELECT cp.remittance_id, cp.org_id, count(*), sum(cp.charge_cents), sum(cp.paid_cents), coalesce(sum(a.adjusted), 0)
FROM claim_payments cp
LEFT JOIN (SELECT a.remittance_id, a.seq, sum(a.amount_cents) AS adjusted FROM claim_adjustments a GROUP BY a.remittance_id, a.seq) a
  ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
GROUP BY cp.remittance_id, cp.org_id;
ANALYZE remittance_payment_totals;

CREATE TRIGGER remittance_payment_totals_insert AFTER INSERT ON claim_payments REFERENCING NEW TABLE AS remittance_totals_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_payments();
CREATE TRIGGER remittance_payment_totals_update AFTER UPDATE ON claim_payments
REFERENCING OLD TABLE AS remittance_totals_old NEW TABLE AS remittance_totals_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_payments();
CREATE TRIGGER remittance_payment_totals_delete AFTER DELETE ON claim_payments REFERENCING OLD TABLE AS remittance_totals_old
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_payments();
CREATE TRIGGER remittance_payment_totals_insert AFTER INSERT ON claim_adjustments REFERENCING NEW TABLE AS remittance_totals_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_adjustments();
CREATE TRIGGER remittance_payment_totals_update AFTER UPDATE ON claim_adjustments
REFERENCING OLD TABLE AS remittance_totals_old NEW TABLE AS remittance_totals_new
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_adjustments();
CREATE TRIGGER remittance_payment_totals_delete AFTER DELETE ON claim_adjustments REFERENCING OLD TABLE AS remittance_totals_old
FOR EACH STATEMENT EXECUTE FUNCTION remittance_payment_totals_adjustments();
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_totals_insert;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_totals_update;
ALTER TABLE claim_payments ENABLE ALWAYS TRIGGER remittance_payment_totals_delete;
ALTER TABLE claim_adjustments ENABLE ALWAYS TRIGGER remittance_payment_totals_insert;
ALTER TABLE claim_adjustments ENABLE ALWAYS TRIGGER remittance_payment_totals_update;
ALTER TABLE claim_adjustments ENABLE ALWAYS TRIGGER remittance_payment_totals_delete;

-- +goose Down
DROP TRIGGER remittance_payment_totals_delete ON claim_adjustments;
DROP TRIGGER remittance_payment_totals_update ON claim_adjustments;
DROP TRIGGER remittance_payment_totals_insert ON claim_adjustments;
DROP TRIGGER remittance_payment_totals_delete ON claim_payments;
DROP TRIGGER remittance_payment_totals_update ON claim_payments;
DROP TRIGGER remittance_payment_totals_insert ON claim_payments;
DROP FUNCTION remittance_payment_totals_adjustments();
DROP FUNCTION remittance_payment_totals_payments();
DROP FUNCTION remittance_payment_totals_recount(uuid[]);
DROP TABLE remittance_payment_totals;
