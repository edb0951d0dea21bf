-- +goose Up
-- The A/R view from coarser rows (issue 20). After 00175 DashReceivablesTotals
-- added up every ar_days row of the 120 days before the as-of date (2,454
-- rows for a tenant of 50,000 claims: one per organisation, payer and date
-- of service), and DashTrend every ar_trend_days row of its 26 weeks (543).
-- Here, kept from those compacted rows by their own statement triggers:
--   ar_weeks (org_id, week, payer_id): the ar_days rows of the week (ISO,
--     from Monday: ar_week) summed; no row for 'infinity';
--   ar_trend_weeks (org_id, week): the ar_trend_days rows of the week
--     summed (the trend's weeks are the same Monday weeks in UTC).
-- A week whose days all fall in one of the A/R's spans (the four aging
-- buckets, the analytics' period, the days after the as-of date) is read as
-- one row; only the weeks cut by a span's first day (at most six) are read
-- day by day from ar_days, and the trend reads the days of its first, partial
-- week. The pending deltas are read day by day as before: a week row is the
-- sum of the compacted day rows of its week, nothing else.
--
-- Who writes: ar_days and ar_trend_days are written only by
-- ar_aging_compact (under its advisory lock: one writer at a time) and
-- ar_aging_add_claims (the backfill, store.GenerateScale for the tenants it
-- writes). The week rows are increments in the same transaction (a row
-- lock orders two of them, taken in key order); a week row whose claims (or
-- payments) reach 0 is deleted, as the compactor deletes its day rows. The
-- triggers are ENABLE ALWAYS: GenerateScale calls ar_aging_add_claims with
-- session_replication_role = replica.

CREATE TABLE ar_weeks (
    org_id            uuid NOT NULL,
    week              date NOT NULL, -- its Monday
    payer_id          uuid NOT NULL,
    claims            bigint NOT NULL,
    payer_claims      bigint NOT NULL,
    payer_cents       bigint NOT NULL,
    patient_claims    bigint NOT NULL,
    patient_cents     bigint NOT NULL,
    submitted         bigint NOT NULL,
    clean             bigint NOT NULL,
    adjudicated       bigint NOT NULL,
    first_pass        bigint NOT NULL,
    denied            bigint NOT NULL,
    charges_cents     bigint NOT NULL,
    payments_cents    bigint NOT NULL,
    contractual_cents bigint NOT NULL,
    PRIMARY KEY (org_id, week, payer_id)
);
CREATE INDEX ar_weeks_empty ON ar_weeks (org_id) WHERE claims = 0;
CREATE TABLE ar_trend_weeks (
    org_id    uuid NOT NULL,
    week      date NOT NULL, -- its Monday
    payments  bigint NOT NULL,
    denials   bigint NOT NULL,
    paid      bigint NOT NULL,
    paid_days numeric NOT NULL,
    PRIMARY KEY (org_id, week)
);
CREATE INDEX ar_trend_weeks_empty ON ar_trend_weeks (org_id) WHERE payments = 0;

-- +goose StatementBegin
-- The Monday of day's week (date_trunc's ISO week; 'infinity' stays).
CREATE FUNCTION ar_week(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('week', day::timestamp)::date
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The day rows added (and removed) by a statement on ar_days, summed into
-- their weeks.
CREATE FUNCTION ar_weeks_add(added ar_days[], removed ar_days[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ar_weeks AS a (org_id, week, payer_id, claims, payer_claims, payer_cents, patient_claims, patient_cents, submitted, clean,
                               adjudicated, first_pass, denied, charges_cents, payments_cents, contractual_cents)
    SELECT t.org_id, ar_week(t.day), t.payer_id, sum(t.s * t.claims), sum(t.s * t.payer_claims), sum(t.s * t.payer_cents),
           sum(t.s * t.patient_claims), sum(t.s * t.patient_cents), sum(t.s * t.submitted), sum(t.s * t.clean), sum(t.s * t.adjudicated),
           sum(t.s * t.first_pass), sum(t.s * t.denied), sum(t.s * t.charges_cents), sum(t.s * t.payments_cents),
           sum(t.s * t.contractual_cents)
    FROM (SELECT n.*, 1 AS s FROM unnest(added) n UNION ALL SELECT o.*, -1 FROM unnest(removed) o) t
    WHERE t.day <> 'infinity'
    GROUP BY t.org_id, ar_week(t.day), t.payer_id
    HAVING (sum(t.s * t.claims), sum(t.s * t.payer_claims), sum(t.s * t.payer_cents), sum(t.s * t.patient_claims),
            sum(t.s * t.patient_cents), sum(t.s * t.submitted), sum(t.s * t.clean), sum(t.s * t.adjudicated), sum(t.s * t.first_pass),
            sum(t.s * t.denied), sum(t.s * t.charges_cents), sum(t.s * t.payments_cents), sum(t.s * t.contractual_cents))
           <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY t.org_id, ar_week(t.day), t.payer_id
    ON CONFLICT (org_id, week, payer_id) DO UPDATE SET
        claims = a.claims + EXCLUDED.claims, payer_claims = a.payer_claims + EXCLUDED.payer_claims,
        payer_cents = a.payer_cents + EXCLUDED.payer_cents, patient_claims = a.patient_claims + EXCLUDED.patient_claims,
        patient_cents = a.patient_cents + EXCLUDED.patient_cents, submitted = a.submitted + EXCLUDED.submitted,
        clean = a.clean + EXCLUDED.clean, adjudicated = a.adjudicated + EXCLUDED.adjudicated,
        first_pass = a.first_pass + EXCLUDED.first_pass, denied = a.denied + EXCLUDED.denied,
        charges_cents = a.charges_cents + EXCLUDED.charges_cents, payments_cents = a.payments_cents + EXCLUDED.payments_cents,
        contractual_cents = a.contractual_cents + EXCLUDED.contractual_cents;
    DELETE FROM ar_weeks WHERE claims = 0;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_trend_weeks_add(added ar_trend_days[], removed ar_trend_days[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ar_trend_weeks AS a (org_id, week, payments, denials, paid, paid_days)
    SELECT t.org_id, ar_week(t.day), sum(t.s * t.payments), sum(t.s * t.denials), sum(t.s * t.paid), sum(t.s * t.paid_days)
    FROM (SELECT n.*, 1 AS s FROM unnest(added) n UNION ALL SELECT o.*, -1 FROM unnest(removed) o) t
    GROUP BY t.org_id, ar_week(t.day)
    HAVING (sum(t.s * t.payments), sum(t.s * t.denials), sum(t.s * t.paid), sum(t.s * t.paid_days)) <> (0, 0, 0, 0)
    ORDER BY t.org_id, ar_week(t.day)
    ON CONFLICT (org_id, week) DO UPDATE SET payments = a.payments + EXCLUDED.payments, denials = a.denials + EXCLUDED.denials,
        paid = a.paid + EXCLUDED.paid, paid_days = a.paid_days + EXCLUDED.paid_days;
    DELETE FROM ar_trend_weeks WHERE payments = 0;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_days_weeks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM ar_weeks_add(array(SELECT ROW(n.*)::ar_days FROM ar_days_new n), '{}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM ar_weeks_add('{}', array(SELECT ROW(o.*)::ar_days FROM ar_days_old o));
    ELSE
        PERFORM ar_weeks_add(array(SELECT ROW(n.*)::ar_days FROM ar_days_new n), array(SELECT ROW(o.*)::ar_days FROM ar_days_old o));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_trend_days_weeks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM ar_trend_weeks_add(array(SELECT ROW(n.*)::ar_trend_days FROM ar_trend_days_new n), '{}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM ar_trend_weeks_add('{}', array(SELECT ROW(o.*)::ar_trend_days FROM ar_trend_days_old o));
    ELSE
        PERFORM ar_trend_weeks_add(array(SELECT ROW(n.*)::ar_trend_days FROM ar_trend_days_new n), array(SELECT ROW(o.*)::ar_trend_days FROM ar_trend_days_old o));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write to the day rows (compaction, the backfill) between the backfill
-- of the weeks and their triggers.
LOCK TABLE ar_days, ar_trend_days IN SHARE ROW EXCLUSIVE MODE;
SELECT ar_weeks_add(array(SELECT a FROM ar_days a WHERE a.day <> 'infinity'), '{}');
SELECT ar_trend_weeks_add(array(SELECT a FROM ar_trend_days a), '{}');
CREATE TRIGGER ar_days_weeks_insert AFTER INSERT ON ar_days REFERENCING NEW TABLE AS ar_days_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_days_weeks();
CREATE TRIGGER ar_days_weeks_update AFTER UPDATE ON ar_days REFERENCING OLD TABLE AS ar_days_old NEW TABLE AS ar_days_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_days_weeks();
CREATE TRIGGER ar_days_weeks_delete AFTER DELETE ON ar_days REFERENCING OLD TABLE AS ar_days_old
FOR EACH STATEMENT EXECUTE FUNCTION ar_days_weeks();
ALTER TABLE ar_days ENABLE ALWAYS TRIGGER ar_days_weeks_insert;
ALTER TABLE ar_days ENABLE ALWAYS TRIGGER ar_days_weeks_update;
ALTER TABLE ar_days ENABLE ALWAYS TRIGGER ar_days_weeks_delete;
CREATE TRIGGER ar_trend_days_weeks_insert AFTER INSERT ON ar_trend_days REFERENCING NEW TABLE AS ar_trend_days_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_trend_days_weeks();
CREATE TRIGGER ar_trend_days_weeks_update AFTER UPDATE ON ar_trend_days
REFERENCING OLD TABLE AS ar_trend_days_old NEW TABLE AS ar_trend_days_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_trend_days_weeks();
CREATE TRIGGER ar_trend_days_weeks_delete AFTER DELETE ON ar_trend_days REFERENCING OLD TABLE AS ar_trend_days_old
FOR EACH STATEMENT EXECUTE FUNCTION ar_trend_days_weeks();
ALTER TABLE ar_trend_days ENABLE ALWAYS TRIGGER ar_trend_days_weeks_insert;
ALTER TABLE ar_trend_days ENABLE ALWAYS TRIGGER ar_trend_days_weeks_update;
ALTER TABLE ar_trend_days ENABLE ALWAYS TRIGGER ar_trend_days_weeks_delete;

-- +goose Down
DROP TRIGGER ar_trend_days_weeks_delete ON ar_trend_days;
DROP TRIGGER ar_trend_days_weeks_update ON ar_trend_days;
DROP TRIGGER ar_trend_days_weeks_insert ON ar_trend_days;
DROP TRIGGER ar_days_weeks_delete ON ar_days;
DROP TRIGGER ar_days_weeks_update ON ar_days;
DROP TRIGGER ar_days_weeks_insert ON ar_days;
DROP FUNCTION ar_trend_days_weeks();
DROP FUNCTION ar_days_weeks();
DROP FUNCTION ar_trend_weeks_add(ar_trend_days[], ar_trend_days[]);
DROP FUNCTION ar_weeks_add(ar_days[], ar_days[]);
DROP FUNCTION ar_week(date);
DROP TABLE ar_trend_weeks, ar_weeks;
