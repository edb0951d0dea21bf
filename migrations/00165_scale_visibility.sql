-- +goose Up
-- The remittance view at production size (issue 20). visible_remittances
-- (00160) finds the caller's remittances from the caller's side: every
-- claim payment of their organisations, the whole set at once, which is
-- what a count needs but not a page; the remittance list (newest 50 of
-- tens of thousands) joined that set to every remittance it walked (15 s
-- of SQL for one page at 500,000 claims). visible_claim_payments and
-- visible_work_items (00141) still read the owner views of 00120, whose
-- branches for unmatched claim payments join every claim payment and
-- remittance of every tenant (the work queue: 3 s).
--
-- The same owners, asked of one row: remittance_visible and
-- claim_payment_visible answer for a given remittance or claim payment
-- through its primary key (a claim payment belongs to its claim's
-- organisation, org_id, or, matching no claim, to the organisations
-- billing through its remittance's account; a remittance to the owners of
-- its claim payments, or, with none, to its account's organisations). A
-- page walks its table in order and asks each row, so it stops after the
-- page (LIMIT pushes down). Each returns one row and is one SELECT in
-- LANGUAGE sql STABLE, so the planner inlines it in a LATERAL or EXISTS
-- (00141's note): the caller's visible_orgs is computed once per query.
-- visible_claim_payments now starts from the caller's organisations and
-- their accounts' unmatched claim payments (claim_payments_org,
-- remittances_partner, claim_payments_unmatched), and visible_work_items
-- asks each work item. The sets are those of the views (the tenancy,
-- ERA, remittance and work-queue tests of store, api and cmd/claimflow);
-- a row is now named once where the views named it once per visible
-- owner, and every caller asks `IN (...)`.

-- +goose StatementBegin
CREATE FUNCTION remittance_visible(actor uuid, perm text, remittance uuid, partner text) RETURNS TABLE (visible boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT true FROM claim_payments cp WHERE cp.remittance_id = remittance
                     AND cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id)) LIMIT 1), false)
        OR (partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                        WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id)))
            -- Lookups per remittance (LIMIT 1), as in 00160.
            AND ((SELECT true FROM claim_payments cp WHERE cp.remittance_id = remittance AND cp.org_id IS NULL LIMIT 1)
                 OR (SELECT true FROM claim_payments cp WHERE cp.remittance_id = remittance LIMIT 1) IS NULL))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION claim_payment_visible(actor uuid, perm text, remittance uuid, payment_seq int) RETURNS TABLE (visible boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
               OR (cp.org_id IS NULL AND r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                                                       WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))))
        FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
        WHERE cp.remittance_id = remittance AND cp.seq = payment_seq), false)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_claim_payments(actor uuid, perm text) RETURNS TABLE (remittance_id uuid, seq int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT cp.remittance_id, cp.seq FROM claim_payments cp
    WHERE cp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
    UNION ALL
    SELECT cp.remittance_id, cp.seq FROM claim_payments cp
    WHERE cp.org_id IS NULL
      AND cp.remittance_id IN (SELECT r.id FROM remittances r
                               WHERE r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                                                   WHERE tp.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION work_item_visible(actor uuid, perm text, item bigint) RETURNS TABLE (visible boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT CASE WHEN q.seq > 0 THEN (SELECT v.visible FROM claim_payment_visible(actor, perm, q.remittance_id, q.seq) AS v)
                    ELSE (SELECT v.visible FROM remittance_visible(actor, perm, q.remittance_id, r.partner) AS v) END
        FROM remit_work_queue q JOIN remittances r ON r.id = q.remittance_id
        WHERE q.id = item), false)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_work_items(actor uuid, perm text) RETURNS TABLE (item_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT q.id FROM remit_work_queue q
    WHERE EXISTS (SELECT 1 FROM work_item_visible(actor, perm, q.id) AS v WHERE v.visible)
$$;
-- +goose StatementEnd


-- The claim's read model (issue 20): what the worklist sorts by and the
-- A/R adds up, kept on the claim instead of looked up per claim on every
-- read (the sort by date of service joined every claim of the tenant to
-- its encounter, 7 s p50; the sort by balance ran claim_payer_owed, two
-- lookups, on every open claim, 4 s).
--   date_of_service: the encounter's (the application never changes an
--     encounter's date of service, but a change is followed);
--   payer_owed_cents: claim_payer_owed(id, total_cents), unfloored and
--     whatever the status (the queries floor it at 0 and zero it in the
--     statuses where the payer owes nothing, as before).
-- Kept by triggers on every write that changes them, in the writing
-- transaction: a claim's insert and a change of its total (a corrected
-- claim version), an encounter's new date of service, a claim payment's insert, delete or change of claim,
-- amounts or status (a denial's CO adjustments do not count), an
-- adjustment's insert, delete or change. Each recomputes from the rows
-- (claim_payer_owed) rather than adding deltas, so a missed or repeated
-- write cannot drift it. TestClaimReadModel checks it after posting,
-- adjustments, reversals, write-offs and a new total, and after this
-- migration's backfill. store.GenerateScale writes it itself (its COPY
-- runs with triggers off).
ALTER TABLE claims ADD COLUMN date_of_service date, ADD COLUMN payer_owed_cents bigint;
UPDATE claims c SET date_of_service = e.date_of_service, payer_owed_cents = claim_payer_owed(c.id, c.total_cents)
FROM encounters e WHERE e.id = c.encounter_id;
ALTER TABLE claims ALTER COLUMN date_of_service SET NOT NULL, ALTER COLUMN payer_owed_cents SET NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION claims_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Whatever the write set them to: the columns are derived, and the
    -- triggers below ask for a recomputation by writing payer_owed_cents.
    NEW.date_of_service := (SELECT e.date_of_service FROM encounters e WHERE e.id = NEW.encounter_id);
    NEW.payer_owed_cents := claim_payer_owed(NEW.id, NEW.total_cents);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER claims_read_model BEFORE INSERT OR UPDATE OF total_cents, encounter_id, payer_owed_cents, date_of_service ON claims
FOR EACH ROW EXECUTE FUNCTION claims_read_model();

-- +goose StatementBegin
CREATE FUNCTION encounters_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims SET date_of_service = NEW.date_of_service WHERE encounter_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER encounters_read_model AFTER UPDATE OF date_of_service ON encounters
FOR EACH ROW WHEN (NEW.date_of_service IS DISTINCT FROM OLD.date_of_service) EXECUTE FUNCTION encounters_read_model();

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
CREATE TRIGGER claim_payments_read_model AFTER INSERT OR DELETE OR UPDATE OF claim_id, paid_cents, patient_resp_cents, status_code
ON claim_payments FOR EACH ROW EXECUTE FUNCTION claim_payments_read_model();

-- +goose StatementBegin
CREATE FUNCTION claim_adjustments_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.group_code = 'CO' THEN
        UPDATE claims c SET payer_owed_cents = 0 FROM claim_payments cp
        WHERE cp.remittance_id = OLD.remittance_id AND cp.seq = OLD.seq AND c.id = cp.claim_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.group_code = 'CO' THEN
        UPDATE claims c SET payer_owed_cents = 0 FROM claim_payments cp
        WHERE cp.remittance_id = NEW.remittance_id AND cp.seq = NEW.seq AND c.id = cp.claim_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_adjustments_read_model AFTER INSERT OR DELETE OR UPDATE OF remittance_id, seq, group_code, amount_cents
ON claim_adjustments FOR EACH ROW EXECUTE FUNCTION claim_adjustments_read_model();

-- +goose Down
DROP TRIGGER claim_adjustments_read_model ON claim_adjustments;
DROP FUNCTION claim_adjustments_read_model();
DROP TRIGGER claim_payments_read_model ON claim_payments;
DROP FUNCTION claim_payments_read_model();
DROP TRIGGER encounters_read_model ON encounters;
DROP FUNCTION encounters_read_model();
DROP TRIGGER claims_read_model ON claims;
DROP FUNCTION claims_read_model();
ALTER TABLE claims DROP COLUMN payer_owed_cents, DROP COLUMN date_of_service;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_work_items(actor uuid, perm text) RETURNS TABLE (item_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.item_id FROM remit_work_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION visible_claim_payments(actor uuid, perm text) RETURNS TABLE (remittance_id uuid, seq int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.remittance_id, o.seq FROM claim_payment_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd
DROP FUNCTION work_item_visible(uuid, text, bigint);
DROP FUNCTION claim_payment_visible(uuid, text, uuid, int);
DROP FUNCTION remittance_visible(uuid, text, uuid, text);
