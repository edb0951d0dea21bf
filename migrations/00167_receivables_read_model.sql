-- +goose Up
-- A/R aging and analytics at production size (issue 20). DashReceivablesTotals
-- summed every claim payment of the tenant, then looked up, per claim with a
-- patient share or dated in the last 90 days, its statements, its CO
-- adjustments, its status history and its first adjudication: 15 s of SQL for
-- one request at 50,000 claims a tenant. What it adds up is now kept on the
-- claim, beside the payer balance and the date of service of 00165, so the A/R
-- is one index-only pass over the tenant's claims (claims_org_ar) and the
-- analytics one range of it (the period's dates of service), with no lookup
-- per claim. The facts, each the old query's own definition
-- (claim_ar_facts), whatever the claim's status and date:
--   ar_paid_cents, ar_resp_cents: the sums of paid and patient
--     responsibility over the claim's 835 claim payments (reversals carry
--     negative amounts);
--   ar_contractual_cents: the CO adjustments of its payments that are not
--     denials (CLP02 4);
--   ar_patient_paid_cents: what the patient paid on the claim's statements
--     (a statement ID starts with its claim ID), net of refunds;
--   ar_adjudicated, ar_denied: a payment that is not a reversal (CLP02 22);
--     a denial;
--   ar_submitted, ar_clean, ar_first_pass: sent at least once; accepted by
--     the 277CA after exactly one submission with no scrub failure or
--     rejection before; its first adjudication processed it (CLP02 1, 2 or
--     3) after exactly one submission;
--   ar_denial_reasons: the distinct group-reason codes of its denials'
--     adjustments.
-- Kept as 00165 keeps the payer balance: the BEFORE trigger on claims
-- recomputes every fact from the rows whenever the claim is written
-- (claims_read_model), and a write to a row a fact is made of touches its
-- claim (a claim payment's insert, delete or change; an adjustment counted
-- as contractual or a denial's; a status history row of the statuses the
-- analytics read; a statement, patient payment or refund). Recomputed from
-- the rows under the claim's row lock, not added as deltas, so a missed or
-- repeated write cannot drift them. store.GenerateScale writes them itself
-- (its COPY runs with triggers off); TestScaleData and TestReceivablesReadModel
-- check them against claim_ar_facts and the old query.

-- +goose StatementBegin
CREATE FUNCTION statement_claim(statement text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- The claim a statement ID names: its first 36 characters when they are
    -- a claim ID as claims.id::text writes it (lower-case, hyphenated).
    SELECT CASE WHEN left(statement, 36) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN left(statement, 36)::uuid END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- One row, but declared as a table: a set-returning SQL function of one
-- SELECT is inlined into the statement that calls it (the trigger's, whose
-- plan plpgsql keeps), where a function returning a record is planned
-- again on every call (2–3 ms a claim touched, most of an 835's posting).
CREATE FUNCTION claim_ar_facts(claim uuid) RETURNS TABLE (paid bigint, resp bigint, contractual bigint, patient_paid bigint,
                               adjudicated boolean, denied boolean, submitted boolean, clean boolean,
                               first_pass boolean, denial_reasons text[])
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(pay.paid, 0), coalesce(pay.resp, 0),
           coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                     JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                     WHERE cp.claim_id = claim AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)::bigint,
           coalesce((SELECT sum(coalesce((SELECT sum(pp.amount_cents) FROM patient_payments pp WHERE pp.statement_id = s.id), 0)
                                - coalesce((SELECT sum(rf.amount_cents) FROM patient_refunds rf WHERE rf.statement_id = s.id), 0))
                     FROM patient_statements s WHERE left(s.id, 36) = claim::text), 0)::bigint,
           coalesce(pay.adjudicated, false), coalesce(pay.denied, false),
           (SELECT true FROM claim_status_history h WHERE h.claim_id = claim AND h.status = 'submitted' LIMIT 1) IS NOT NULL,
           coalesce((
               SELECT NOT EXISTS (SELECT 1 FROM claim_status_history h WHERE h.claim_id = claim
                                  AND h.status IN ('scrub_failed', 'rejected') AND h.at <= acc.at)
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = claim
                           AND h.status = 'submitted' AND h.at <= acc.at) = 1
               FROM (SELECT min(h.at) AS at FROM claim_status_history h WHERE h.claim_id = claim AND h.status = 'accepted') acc
               WHERE acc.at IS NOT NULL), false),
           coalesce((
               SELECT cp.status_code IN ('1', '2', '3')
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = claim
                           AND h.status = 'submitted' AND h.at <= cp.posted_at) = 1
               FROM claim_payments cp WHERE cp.claim_id = claim AND cp.status_code <> '22'
               ORDER BY cp.posted_at, cp.seq LIMIT 1), false),
           coalesce((SELECT array_agg(DISTINCT a.group_code || '-' || a.reason ORDER BY a.group_code || '-' || a.reason)
                     FROM claim_payments cp JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                     WHERE cp.claim_id = claim AND cp.status_code = '4'), '{}')
    FROM (SELECT sum(cp.paid_cents)::bigint AS paid, sum(cp.patient_resp_cents)::bigint AS resp,
                 bool_or(cp.status_code <> '22') AS adjudicated, bool_or(cp.status_code = '4') AS denied
          FROM claim_payments cp WHERE cp.claim_id = claim) pay
$$;
-- +goose StatementEnd

ALTER TABLE claims ADD COLUMN ar_paid_cents bigint, ADD COLUMN ar_resp_cents bigint, ADD COLUMN ar_contractual_cents bigint,
    ADD COLUMN ar_patient_paid_cents bigint, ADD COLUMN ar_adjudicated boolean, ADD COLUMN ar_denied boolean,
    ADD COLUMN ar_submitted boolean, ADD COLUMN ar_clean boolean, ADD COLUMN ar_first_pass boolean, ADD COLUMN ar_denial_reasons text[];
-- The backfill runs before the trigger below covers these columns (00165's
-- trigger does not fire on them), so it does not recompute the payer balance.
UPDATE claims c SET (ar_paid_cents, ar_resp_cents, ar_contractual_cents, ar_patient_paid_cents, ar_adjudicated, ar_denied,
                     ar_submitted, ar_clean, ar_first_pass, ar_denial_reasons)
    = (SELECT f.paid, f.resp, f.contractual, f.patient_paid, f.adjudicated, f.denied, f.submitted, f.clean, f.first_pass, f.denial_reasons
       FROM claim_ar_facts(c.id) f);
ALTER TABLE claims ALTER COLUMN ar_paid_cents SET NOT NULL, ALTER COLUMN ar_resp_cents SET NOT NULL,
    ALTER COLUMN ar_contractual_cents SET NOT NULL, ALTER COLUMN ar_patient_paid_cents SET NOT NULL,
    ALTER COLUMN ar_adjudicated SET NOT NULL, ALTER COLUMN ar_denied SET NOT NULL, ALTER COLUMN ar_submitted SET NOT NULL,
    ALTER COLUMN ar_clean SET NOT NULL, ALTER COLUMN ar_first_pass SET NOT NULL, ALTER COLUMN ar_denial_reasons SET NOT NULL;

-- The A/R's pass over a tenant's claims (every column it reads, so the scan
-- does not visit the table) and the analytics' range of dates of service.
CREATE INDEX claims_org_ar ON claims (org_id, date_of_service)
    INCLUDE (payer_id, patient_id, status, payer_owed_cents, ar_resp_cents, ar_patient_paid_cents);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claims_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Whatever the write set them to: the columns are derived, and the
    -- triggers below ask for a recomputation by writing payer_owed_cents.
    NEW.date_of_service := (SELECT e.date_of_service FROM encounters e WHERE e.id = NEW.encounter_id);
    NEW.payer_owed_cents := claim_payer_owed(NEW.id, NEW.total_cents);
    SELECT f.paid, f.resp, f.contractual, f.patient_paid, f.adjudicated, f.denied, f.submitted, f.clean, f.first_pass, f.denial_reasons
    INTO NEW.ar_paid_cents, NEW.ar_resp_cents, NEW.ar_contractual_cents, NEW.ar_patient_paid_cents, NEW.ar_adjudicated,
         NEW.ar_denied, NEW.ar_submitted, NEW.ar_clean, NEW.ar_first_pass, NEW.ar_denial_reasons
    FROM claim_ar_facts(NEW.id) f;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER claims_read_model ON claims;
CREATE TRIGGER claims_read_model BEFORE INSERT OR UPDATE OF total_cents, encounter_id, payer_owed_cents, date_of_service,
    ar_paid_cents, ar_resp_cents, ar_contractual_cents, ar_patient_paid_cents, ar_adjudicated, ar_denied, ar_submitted, ar_clean,
    ar_first_pass, ar_denial_reasons
ON claims FOR EACH ROW EXECUTE FUNCTION claims_read_model();

-- A claim payment's posting time and position order the first adjudication.
DROP TRIGGER claim_payments_read_model ON claim_payments;
CREATE TRIGGER claim_payments_read_model AFTER INSERT OR DELETE OR UPDATE OF claim_id, paid_cents, patient_resp_cents, status_code, posted_at, seq
ON claim_payments FOR EACH ROW EXECUTE FUNCTION claim_payments_read_model();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_adjustments_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER claim_adjustments_read_model ON claim_adjustments;
CREATE TRIGGER claim_adjustments_read_model AFTER INSERT OR DELETE OR UPDATE OF remittance_id, seq, group_code, reason, amount_cents
ON claim_adjustments FOR EACH ROW EXECUTE FUNCTION claim_adjustments_read_model();

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

-- +goose StatementBegin
CREATE FUNCTION patient_statements_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = statement_claim(OLD.id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = statement_claim(NEW.id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER patient_statements_read_model AFTER INSERT OR DELETE OR UPDATE OF id
ON patient_statements FOR EACH ROW EXECUTE FUNCTION patient_statements_read_model();

-- +goose StatementBegin
CREATE FUNCTION patient_money_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A patient payment or refund: its statement's claim.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = statement_claim(OLD.statement_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE claims SET payer_owed_cents = 0 WHERE id = statement_claim(NEW.statement_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER patient_payments_read_model AFTER INSERT OR DELETE OR UPDATE OF statement_id, amount_cents
ON patient_payments FOR EACH ROW EXECUTE FUNCTION patient_money_read_model();
CREATE TRIGGER patient_refunds_read_model AFTER INSERT OR DELETE OR UPDATE OF statement_id, amount_cents
ON patient_refunds FOR EACH ROW EXECUTE FUNCTION patient_money_read_model();

-- +goose Down
DROP TRIGGER patient_refunds_read_model ON patient_refunds;
DROP TRIGGER patient_payments_read_model ON patient_payments;
DROP FUNCTION patient_money_read_model();
DROP TRIGGER patient_statements_read_model ON patient_statements;
DROP FUNCTION patient_statements_read_model();
DROP TRIGGER claim_status_history_read_model ON claim_status_history;
DROP FUNCTION claim_status_history_read_model();
DROP TRIGGER claim_adjustments_read_model ON claim_adjustments;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_adjustments_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER claim_payments_read_model ON claim_payments;
CREATE TRIGGER claim_payments_read_model AFTER INSERT OR DELETE OR UPDATE OF claim_id, paid_cents, patient_resp_cents, status_code
ON claim_payments FOR EACH ROW EXECUTE FUNCTION claim_payments_read_model();
DROP TRIGGER claims_read_model ON claims;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claims_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP INDEX claims_org_ar;
ALTER TABLE claims DROP COLUMN ar_paid_cents, DROP COLUMN ar_resp_cents, DROP COLUMN ar_contractual_cents,
    DROP COLUMN ar_patient_paid_cents, DROP COLUMN ar_adjudicated, DROP COLUMN ar_denied, DROP COLUMN ar_submitted,
    DROP COLUMN ar_clean, DROP COLUMN ar_first_pass, DROP COLUMN ar_denial_reasons;
DROP FUNCTION claim_ar_facts(uuid);
DROP FUNCTION statement_claim(text);
