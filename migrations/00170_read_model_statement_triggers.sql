-- +goose Up
-- The claim's read model (00165, 00167) recomputed once per statement, not
-- once per row (issue 20). The row triggers of 00165 and 00167 on
-- claim_payments, claim_adjustments and claim_status_history touched the
-- claim once per row written, and each touch runs claim_ar_facts (the claims
-- BEFORE trigger claims_read_model) and, the payer balance being indexed
-- (claims_org_ar), writes every index of claims (no HOT update). An 835
-- slice of 500 claim payments rewrote each claim once for its payment and
-- once more for each of its CO or denial adjustments.
--
-- Options weighed: (1) statement-level triggers, kept by the schema for
-- every writer; (2) a transaction-local setting with which the posting
-- would make the row triggers skip and touch its claims itself, which
-- leaves the facts right only if every bulk writer remembers to. (1) is
-- taken. Measured on the same database (issue 20's bench, 100,000 claims,
-- 2 cores shared with other sessions; docs/scale.md has every run): a
-- posting of 10,000 payments made 30,000 claim updates, 20,000 of them
-- recomputations, with the row triggers; 20,000 and 10,000 with these (the
-- other 10,000 are the posting's paid totals, which claims_read_model does
-- not fire on). The server's CPU time for the statements of 2,000 payments
-- with their adjustments and paid totals (read from /proc for the backend,
-- rolled back): 2.0-2.5 s with the row triggers, 1.6-2.0 s with these.
-- The bench's wall time swung between 8 and 65 s on either side with the
-- other sessions' load.
--
-- Each table has three statement-level AFTER triggers, one per event
-- (Postgres allows transition tables only on a trigger of one event and
-- without a column list), which collect the distinct claims the
-- statement's rows concern, under the row triggers' conditions (an
-- adjustment when it is CO or of a denial, a history row of a status
-- claim_ar_facts reads), and touch each once, locked in ID order (as the
-- posting's PostingLockClaims: two writers of the same claims wait, never
-- deadlock; the row triggers locked in row order). An UPDATE counts only
-- the rows whose columns the facts read changed: the old rows EXCEPT ALL
-- the new ones and the reverse, on those columns, key included (the whole
-- of what the facts read of the table, so an unchanged multiset is an
-- unchanged input; the posting's update of lines_recorded touches nothing).
-- The touch is the write of payer_owed_cents that makes claims_read_model
-- (unchanged) recompute every fact from the rows, so nothing can drift,
-- whoever writes.
--
-- The posting inserts a slice's claim payments and their adjustments in
-- one statement (store/posting.sql), so the triggers of both tables run
-- after both inserts, and the payments' trigger, rewriting each claim with
-- its final facts, leaves a transaction-local note of the claims it
-- recomputed and of its statement (the command ID, cmin, that wrote its
-- rows). The adjustments' insert trigger of the same statement (the same
-- cmin on its rows) leaves those claims alone; any other statement's
-- adjustments, and every update or delete of adjustments, go through
-- claims_touch_adjusted, which rewrites a claim only when what adjustments
-- feed differs from what it keeps (comparing cost about as much as the
-- recomputation it saves, so the note, not the comparison, is what spares
-- the posting its second recomputation). The payments' and history's
-- triggers rewrite without comparing.
--
-- The patient statements, payments and refunds keep their row triggers
-- (00167): nothing writes many of them to one claim in a statement.
--
-- claims gets fillfactor 90, for pages written from now on: the posting's
-- paid-total update (paid_cents and updated_at, in no index) right after
-- the touch can then more often be a HOT update on the touch's page. Not
-- measured apart: in the runs above 3,273-7,597 of a posting's 30,000
-- claim updates were HOT with the row triggers, 4,229-7,975 of 20,000 with
-- this migration.

-- +goose StatementBegin
CREATE FUNCTION claims_touch(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) > 0 THEN
        PERFORM 1 FROM claims WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
        -- The BEFORE trigger claims_read_model recomputes every kept column
        -- when payer_owed_cents is written.
        UPDATE claims SET payer_owed_cents = 0 WHERE id = ANY (ids);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION claims_touch_adjusted(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- What adjustments feed: the payer balance (CO adjustments of payments
    -- that are not denials), the contractual amount (the same) and the
    -- denial reasons (every adjustment of a denial), each computed as
    -- claim_payer_owed and claim_ar_facts compute it. No other kept column
    -- reads claim_adjustments, so a statement that changed only adjustments
    -- leaves a claim right when these three are; when the same statement
    -- also changed another table a fact reads, that table's trigger
    -- rewrites the claim whatever this one finds.
    IF cardinality(ids) > 0 THEN
        PERFORM 1 FROM claims WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
        UPDATE claims c SET payer_owed_cents = 0
        WHERE c.id = ANY (ids)
          AND (c.payer_owed_cents, c.ar_contractual_cents, c.ar_denial_reasons) IS DISTINCT FROM (
              claim_payer_owed(c.id, c.total_cents),
              coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                        JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                        WHERE cp.claim_id = c.id AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)::bigint,
              coalesce((SELECT array_agg(DISTINCT a.group_code || '-' || a.reason ORDER BY a.group_code || '-' || a.reason)
                        FROM claim_payments cp JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                        WHERE cp.claim_id = c.id AND cp.status_code = '4'), '{}'));
    END IF;
END
$$;
-- +goose StatementEnd

-- claim_payments: the facts read claim_id, paid_cents, patient_resp_cents,
-- status_code, posted_at, and the key (remittance_id, seq) the adjustments
-- join on.
-- +goose StatementBegin
CREATE FUNCTION claim_payments_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[] := ARRAY(SELECT DISTINCT n.claim_id FROM new_rows n WHERE n.claim_id IS NOT NULL);
    cmd text;
BEGIN
    PERFORM claims_touch(ids);
    -- For the adjustments' trigger of the same statement: these claims
    -- were recomputed after every row of the statement was written. The
    -- statement is named by the command that wrote its rows (cmin).
    SELECT cp.cmin::text INTO cmd FROM new_rows n JOIN claim_payments cp ON cp.remittance_id = n.remittance_id AND cp.seq = n.seq LIMIT 1;
    PERFORM set_config('claimflow.claims_touched', coalesce(cmd, '') || ':' || array_to_string(ids, ','), true);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_payments_touch_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch(ARRAY(SELECT DISTINCT o.claim_id FROM old_rows o WHERE o.claim_id IS NOT NULL));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_payments_touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch(ARRAY(
        SELECT DISTINCT d.claim_id FROM (
            (SELECT o.remittance_id, o.seq, o.claim_id, o.paid_cents, o.patient_resp_cents, o.status_code, o.posted_at FROM old_rows o
             EXCEPT ALL
             SELECT n.remittance_id, n.seq, n.claim_id, n.paid_cents, n.patient_resp_cents, n.status_code, n.posted_at FROM new_rows n)
            UNION ALL
            (SELECT n.remittance_id, n.seq, n.claim_id, n.paid_cents, n.patient_resp_cents, n.status_code, n.posted_at FROM new_rows n
             EXCEPT ALL
             SELECT o.remittance_id, o.seq, o.claim_id, o.paid_cents, o.patient_resp_cents, o.status_code, o.posted_at FROM old_rows o)
        ) d WHERE d.claim_id IS NOT NULL));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER claim_payments_read_model ON claim_payments;
DROP FUNCTION claim_payments_read_model();
CREATE TRIGGER claim_payments_touch_inserted AFTER INSERT ON claim_payments REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_touch_inserted();
CREATE TRIGGER claim_payments_touch_deleted AFTER DELETE ON claim_payments REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_touch_deleted();
CREATE TRIGGER claim_payments_touch_updated AFTER UPDATE ON claim_payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_touch_updated();

-- claim_adjustments: the facts read remittance_id, seq (the payment's
-- claim and status), group_code, reason and amount_cents; a CO adjustment
-- (the payer balance, the contractual amount) or any adjustment of a
-- denial (its reasons) concerns its claim.
-- +goose StatementBegin
CREATE FUNCTION claim_adjustments_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched text := coalesce(current_setting('claimflow.claims_touched', true), '');
    cmd text;
    skip uuid[] := '{}';
BEGIN
    -- The claims the claim payments' insert trigger of this same statement
    -- has already recomputed (its command wrote these adjustments too) need
    -- nothing more: the posting inserts a slice's payments and adjustments
    -- in one statement. That trigger ran after every row of the command
    -- was written, these included; a note left by an earlier statement of
    -- the transaction names an earlier command (command IDs only grow), so
    -- it never matches; when this trigger runs first, there is no note for
    -- this command and it does its own work.
    IF touched <> '' THEN
        SELECT a.cmin::text INTO cmd FROM new_rows n
        JOIN claim_adjustments a ON a.remittance_id = n.remittance_id AND a.seq = n.seq AND a.line = n.line AND a.n = n.n LIMIT 1;
        IF cmd = split_part(touched, ':', 1) THEN
            skip := string_to_array(nullif(split_part(touched, ':', 2), ''), ',')::uuid[];
        END IF;
    END IF;
    PERFORM claims_touch_adjusted(ARRAY(
        SELECT cp.claim_id FROM new_rows n JOIN claim_payments cp ON cp.remittance_id = n.remittance_id AND cp.seq = n.seq
        WHERE cp.claim_id IS NOT NULL AND (n.group_code = 'CO' OR cp.status_code = '4')
        EXCEPT SELECT unnest(skip)));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_adjustments_touch_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch_adjusted(ARRAY(
        SELECT DISTINCT cp.claim_id FROM old_rows o JOIN claim_payments cp ON cp.remittance_id = o.remittance_id AND cp.seq = o.seq
        WHERE cp.claim_id IS NOT NULL AND (o.group_code = 'CO' OR cp.status_code = '4')));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_adjustments_touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch_adjusted(ARRAY(
        SELECT DISTINCT cp.claim_id FROM (
            (SELECT o.remittance_id, o.seq, o.group_code, o.reason, o.amount_cents FROM old_rows o
             EXCEPT ALL
             SELECT n.remittance_id, n.seq, n.group_code, n.reason, n.amount_cents FROM new_rows n)
            UNION ALL
            (SELECT n.remittance_id, n.seq, n.group_code, n.reason, n.amount_cents FROM new_rows n
             EXCEPT ALL
             SELECT o.remittance_id, o.seq, o.group_code, o.reason, o.amount_cents FROM old_rows o)
        ) d JOIN claim_payments cp ON cp.remittance_id = d.remittance_id AND cp.seq = d.seq
        WHERE cp.claim_id IS NOT NULL AND (d.group_code = 'CO' OR cp.status_code = '4')));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER claim_adjustments_read_model ON claim_adjustments;
DROP FUNCTION claim_adjustments_read_model();
CREATE TRIGGER claim_adjustments_touch_inserted AFTER INSERT ON claim_adjustments REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_adjustments_touch_inserted();
CREATE TRIGGER claim_adjustments_touch_deleted AFTER DELETE ON claim_adjustments REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_adjustments_touch_deleted();
CREATE TRIGGER claim_adjustments_touch_updated AFTER UPDATE ON claim_adjustments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_adjustments_touch_updated();

-- claim_status_history: the facts read claim_id, status and at, of the
-- statuses submitted, accepted, scrub_failed and rejected.
-- +goose StatementBegin
CREATE FUNCTION claim_status_history_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch(ARRAY(SELECT DISTINCT n.claim_id FROM new_rows n
                               WHERE n.status IN ('submitted', 'accepted', 'scrub_failed', 'rejected')));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_status_history_touch_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch(ARRAY(SELECT DISTINCT o.claim_id FROM old_rows o
                               WHERE o.status IN ('submitted', 'accepted', 'scrub_failed', 'rejected')));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION claim_status_history_touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_touch(ARRAY(
        SELECT DISTINCT d.claim_id FROM (
            (SELECT o.claim_id, o.status, o.at FROM old_rows o EXCEPT ALL SELECT n.claim_id, n.status, n.at FROM new_rows n)
            UNION ALL
            (SELECT n.claim_id, n.status, n.at FROM new_rows n EXCEPT ALL SELECT o.claim_id, o.status, o.at FROM old_rows o)
        ) d WHERE d.status IN ('submitted', 'accepted', 'scrub_failed', 'rejected')));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER claim_status_history_read_model ON claim_status_history;
DROP FUNCTION claim_status_history_read_model();
CREATE TRIGGER claim_status_history_touch_inserted AFTER INSERT ON claim_status_history REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_status_history_touch_inserted();
CREATE TRIGGER claim_status_history_touch_deleted AFTER DELETE ON claim_status_history REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_status_history_touch_deleted();
CREATE TRIGGER claim_status_history_touch_updated AFTER UPDATE ON claim_status_history REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION claim_status_history_touch_updated();

ALTER TABLE claims SET (fillfactor = 90);

-- +goose Down
ALTER TABLE claims RESET (fillfactor);

DROP TRIGGER claim_status_history_touch_updated ON claim_status_history;
DROP TRIGGER claim_status_history_touch_deleted ON claim_status_history;
DROP TRIGGER claim_status_history_touch_inserted ON claim_status_history;
DROP FUNCTION claim_status_history_touch_updated();
DROP FUNCTION claim_status_history_touch_deleted();
DROP FUNCTION claim_status_history_touch_inserted();
-- +goose StatementBegin
CREATE FUNCTION claim_status_history_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('submitted', 'accepted', 'scrub_failed', 'rejected') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = OLD.claim_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('submitted', 'accepted', 'scrub_failed', 'rejected') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = NEW.claim_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_status_history_read_model AFTER INSERT OR DELETE OR UPDATE OF claim_id, status, at
ON claim_status_history FOR EACH ROW EXECUTE FUNCTION claim_status_history_read_model();

DROP TRIGGER claim_adjustments_touch_updated ON claim_adjustments;
DROP TRIGGER claim_adjustments_touch_deleted ON claim_adjustments;
DROP TRIGGER claim_adjustments_touch_inserted ON claim_adjustments;
DROP FUNCTION claim_adjustments_touch_updated();
DROP FUNCTION claim_adjustments_touch_deleted();
DROP FUNCTION claim_adjustments_touch_inserted();
-- +goose StatementBegin
CREATE FUNCTION claim_adjustments_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A CO adjustment (the payer balance, the contractual amount) or any
    -- adjustment of a denial (its reasons).
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claims c SET payer_owed_cents = 0 FROM claim_payments cp
        WHERE cp.remittance_id = OLD.remittance_id AND cp.seq = OLD.seq AND c.id = cp.claim_id
          AND (OLD.group_code = 'CO' OR cp.status_code = '4');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE claims c SET payer_owed_cents = 0 FROM claim_payments cp
        WHERE cp.remittance_id = NEW.remittance_id AND cp.seq = NEW.seq AND c.id = cp.claim_id
          AND (NEW.group_code = 'CO' OR cp.status_code = '4');
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_adjustments_read_model AFTER INSERT OR DELETE OR UPDATE OF remittance_id, seq, group_code, reason, amount_cents
ON claim_adjustments FOR EACH ROW EXECUTE FUNCTION claim_adjustments_read_model();

DROP TRIGGER claim_payments_touch_updated ON claim_payments;
DROP TRIGGER claim_payments_touch_deleted ON claim_payments;
DROP TRIGGER claim_payments_touch_inserted ON claim_payments;
DROP FUNCTION claim_payments_touch_updated();
DROP FUNCTION claim_payments_touch_deleted();
DROP FUNCTION claim_payments_touch_inserted();
-- +goose StatementBegin
CREATE FUNCTION claim_payments_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.claim_id IS NOT NULL THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = OLD.claim_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.claim_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.claim_id IS DISTINCT FROM OLD.claim_id) THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = NEW.claim_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_payments_read_model AFTER INSERT OR DELETE OR UPDATE OF claim_id, paid_cents, patient_resp_cents, status_code, posted_at, seq
ON claim_payments FOR EACH ROW EXECUTE FUNCTION claim_payments_read_model();

DROP FUNCTION claims_touch_adjusted(uuid[]);
DROP FUNCTION claims_touch(uuid[]);
