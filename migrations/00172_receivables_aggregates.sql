-- +goose Up
-- A/R aging and analytics in time proportional to buckets, not claims
-- (issue 20). After 00167 DashReceivablesTotals was one index-only pass over
-- the tenant's claims (0.35–0.7 s of SQL at 50,000 claims). Here the
-- database keeps, from the per-claim facts of 00165 and 00167, per
-- organisation:
--   ar_days (org_id, payer_id, day): per date of service and payer, the
--     claims, those the payer owes on and what it owes (ar_payer_balance),
--     those with a patient share owed and how much (ar_patient_balance),
--     and the analytics' counts and sums (submitted, clean, adjudicated,
--     first pass, denied, charges, payments, contractual). A row with day
--     'infinity' holds the same sums over every date of service of the
--     (org_id, payer_id), so the aging needs the days from 120 days before
--     the as-of date on (the four buckets up to 120 days) plus that total
--     (over 120 days: the total less the four), and the analytics the 90
--     days of its period: a few rows per payer and day, whatever the
--     number of claims.
--   ar_patients (org_id, patient_id): the claims with a patient share owed
--     (the distinct count of patients owing).
--   ar_denial_reasons (org_id, day, reason): the adjudicated denied claims
--     per denial reason (group-reason code) and date of service.
--   ar_trend_days (org_id, day): the weekly trend's (DashTrend) matched
--     claim payments per day of posting (UTC), kept by statement-level
--     triggers on claim_payments (transition tables: one insert of deltas
--     per statement); only the trend's first day, part of which is outside
--     its 26 weeks, is read from the payments (claim_payments_org_posted).
-- What moves with the as-of date is only which days a bucket covers, with
-- one exception: a claim with no patient responsibility whose statements
-- were refunded more than paid owes the patient (the refund) only while it
-- is in the analytics' period (the old query's rule). Such claims are read
-- from the claims themselves (claims_ar_refunded, a partial index that is
-- empty in practice).
--
-- Concurrency: a claim's row trigger (claims_ar_aging, AFTER, per row,
-- UPDATE only when a column it reads changed) never updates a shared row:
-- it inserts the claim's old contribution negated and its new one into
-- ar_day_deltas, ar_patient_deltas and ar_denial_reason_deltas, as the
-- claim payments' triggers do into ar_trend_deltas (insert-only, so
-- concurrent postings to the same payer and day take no row lock beyond
-- the claims' own, cannot lose an update and cannot deadlock on the
-- aggregates whatever order they touch claims in). The reader adds the
-- pending deltas to the compacted rows in the same statement (one
-- snapshot). Compaction (ar_aging_compact) folds every visible delta into
-- the compacted tables in one transaction, in key order, under a
-- transaction advisory lock taken with try (a second compactor skips, never
-- waits), so only one transaction at a time writes the compacted rows and no
-- writer ever waits for it. Who and when: the trigger calls it each time the
-- delta sequence passes a multiple of claimflow.ar_compact_every (4096 by
-- default; a database setting), in the writing transaction when it is READ
-- COMMITTED (a REPEATABLE READ writer could fail on rows a compactor
-- committed after its snapshot: it skips); anyone may call
-- SELECT ar_aging_compact() (a scheduled job, a test). The reader then
-- reads a few thousand deltas at most in steady state. The compactor
-- deletes rows that became empty.
--
-- The backfill (ar_aging_add_claims) adds up the claims under a lock that
-- blocks claim writes (not reads) until the trigger exists, so no write
-- falls between the two; store.GenerateScale calls it for the tenants it
-- writes (its COPY runs with triggers off).

CREATE TABLE ar_days (
    org_id            uuid NOT NULL,
    day               date NOT NULL, -- a date of service, or 'infinity': every date of service
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
    PRIMARY KEY (org_id, day, payer_id)
);
CREATE INDEX ar_days_empty ON ar_days (org_id) WHERE claims = 0;
CREATE TABLE ar_day_deltas (
    id                bigserial PRIMARY KEY,
    org_id            uuid NOT NULL,
    day               date NOT NULL,
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
    contractual_cents bigint NOT NULL
);
CREATE INDEX ar_day_deltas_org ON ar_day_deltas (org_id, day);
CREATE TABLE ar_patients (
    org_id     uuid NOT NULL,
    patient_id uuid NOT NULL,
    owing      bigint NOT NULL, -- claims with a patient share owed
    PRIMARY KEY (org_id, patient_id)
);
CREATE INDEX ar_patients_empty ON ar_patients (org_id) WHERE owing = 0;
CREATE TABLE ar_patient_deltas (
    org_id     uuid NOT NULL,
    patient_id uuid NOT NULL,
    owing      bigint NOT NULL
);
CREATE INDEX ar_patient_deltas_org ON ar_patient_deltas (org_id, patient_id);
CREATE TABLE ar_denial_reasons (
    org_id uuid NOT NULL,
    day    date NOT NULL,
    reason text NOT NULL,
    claims bigint NOT NULL, -- adjudicated, denied, with this reason
    PRIMARY KEY (org_id, day, reason)
);
CREATE INDEX ar_denial_reasons_empty ON ar_denial_reasons (org_id) WHERE claims = 0;
CREATE TABLE ar_denial_reason_deltas (
    org_id uuid NOT NULL,
    day    date NOT NULL,
    reason text NOT NULL,
    claims bigint NOT NULL
);
CREATE INDEX ar_denial_reason_deltas_org ON ar_denial_reason_deltas (org_id, day);
-- The weekly trend's (DashTrend) per day of posting (in UTC) of the
-- organisation's matched claim payments: how many, the denials (CLP02 4),
-- those paying something and the sum of their days from the claim's
-- creation (the numerator of the average, each term as the query computes
-- it); kept like the rest, by statement triggers on claim_payments (and a
-- claim's new creation time or organisation).
CREATE TABLE ar_trend_days (
    org_id    uuid NOT NULL,
    day       date NOT NULL,
    payments  bigint NOT NULL,
    denials   bigint NOT NULL,
    paid      bigint NOT NULL,
    paid_days numeric NOT NULL,
    PRIMARY KEY (org_id, day)
);
CREATE INDEX ar_trend_days_empty ON ar_trend_days (org_id) WHERE payments = 0;
CREATE TABLE ar_trend_deltas (
    org_id    uuid NOT NULL,
    day       date NOT NULL,
    payments  bigint NOT NULL,
    denials   bigint NOT NULL,
    paid      bigint NOT NULL,
    paid_days numeric NOT NULL
);
CREATE INDEX ar_trend_deltas_org ON ar_trend_deltas (org_id, day);

-- The claims that owe the patient a refund only while in the period (above).
CREATE INDEX claims_ar_refunded ON claims (org_id, date_of_service) INCLUDE (patient_id, ar_patient_paid_cents)
    WHERE ar_resp_cents = 0 AND ar_patient_paid_cents < 0 AND status NOT IN ('voided', 'written_off');

-- The weekly trend (DashTrend): a tenant's claim payments of the last 26
-- weeks by their organisation (a matched claim payment's org_id is its
-- claim's, as PostClaimPayments and PostClaimPayment write it).
CREATE INDEX claim_payments_org_posted ON claim_payments (org_id, posted_at) INCLUDE (claim_id, status_code, paid_cents);

-- +goose StatementBegin
-- What the payer owes on a claim (rcm.ClaimFacts.PayerBalance): its balance
-- floored at 0, nothing in the statuses rcm's payerClosed lists (paid,
-- written off, voided, patient billing, draft).
CREATE FUNCTION ar_payer_balance(status text, owed bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status <> ALL ('{paid,written_off,voided,patient_billing,draft}'::text[]) THEN greatest(0, owed) ELSE 0 END::bigint
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- What the patient owes on a claim whatever the date: its responsibility
-- less what it paid on the claim's statements, floored at 0, nothing on a
-- voided or written-off claim; a claim with no responsibility is left to
-- the reader (claims_ar_refunded).
CREATE FUNCTION ar_patient_balance(status text, resp bigint, patient_paid bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status IN ('voided', 'written_off') OR resp = 0 THEN 0 ELSE greatest(0, resp - patient_paid) END::bigint
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A claim's part of ar_days, times sign. Set-returning SQL functions of one
-- SELECT are inlined into the statement calling them (the trigger's, whose
-- plan plpgsql keeps; the backfill's).
CREATE FUNCTION ar_claim_days(c claims, sign int)
RETURNS TABLE (org_id uuid, day date, payer_id uuid, claims bigint, payer_claims bigint, payer_cents bigint, patient_claims bigint,
               patient_cents bigint, submitted bigint, clean bigint, adjudicated bigint, first_pass bigint, denied bigint,
               charges_cents bigint, payments_cents bigint, contractual_cents bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT c.org_id, c.date_of_service, c.payer_id, sign::bigint,
           sign * (ar_payer_balance(c.status, c.payer_owed_cents) > 0)::int::bigint, sign * ar_payer_balance(c.status, c.payer_owed_cents),
           sign * (ar_patient_balance(c.status, c.ar_resp_cents, c.ar_patient_paid_cents) > 0)::int::bigint,
           sign * ar_patient_balance(c.status, c.ar_resp_cents, c.ar_patient_paid_cents),
           sign * c.ar_submitted::int::bigint, sign * (c.ar_submitted AND c.ar_clean)::int::bigint, sign * c.ar_adjudicated::int::bigint,
           sign * (c.ar_adjudicated AND c.ar_first_pass)::int::bigint, sign * (c.ar_adjudicated AND c.ar_denied)::int::bigint,
           sign * c.total_cents, sign * (c.ar_paid_cents + c.ar_patient_paid_cents), sign * c.ar_contractual_cents
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_claim_patients(c claims, sign int) RETURNS TABLE (org_id uuid, patient_id uuid, owing bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT c.org_id, c.patient_id, sign::bigint
    WHERE ar_patient_balance(c.status, c.ar_resp_cents, c.ar_patient_paid_cents) > 0
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_claim_denial_reasons(c claims, sign int) RETURNS TABLE (org_id uuid, day date, reason text, claims bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT c.org_id, c.date_of_service, r.reason, sign::bigint
    FROM unnest(CASE WHEN c.ar_adjudicated AND c.ar_denied THEN c.ar_denial_reasons ELSE '{}' END) AS r (reason)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A claim payment's part of ar_trend_days, times sign (created: its claim's
-- creation time).
CREATE FUNCTION ar_payment_trend(org uuid, posted timestamptz, status text, paid bigint, created timestamptz, sign int)
RETURNS TABLE (org_id uuid, day date, payments bigint, denials bigint, paid bigint, paid_days numeric)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT org, (posted AT TIME ZONE 'UTC')::date, sign::bigint, sign * (status = '4')::int::bigint, sign * (paid > 0)::int::bigint,
           CASE WHEN paid > 0 THEN sign * (extract(epoch FROM posted - created) / 86400) ELSE 0 END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Folds every delta this transaction sees into the compacted rows (see
-- above); false when another transaction is compacting.
CREATE FUNCTION ar_aging_compact() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('claimflow/ar_aging_compact', 0)) THEN
        RETURN false;
    END IF;
    WITH d AS (DELETE FROM ar_day_deltas RETURNING *),
    s AS (
        SELECT d.org_id, coalesce(d.day, 'infinity') AS day, d.payer_id, sum(d.claims) AS claims, sum(d.payer_claims) AS payer_claims,
               sum(d.payer_cents) AS payer_cents, sum(d.patient_claims) AS patient_claims, sum(d.patient_cents) AS patient_cents,
               sum(d.submitted) AS submitted, sum(d.clean) AS clean, sum(d.adjudicated) AS adjudicated, sum(d.first_pass) AS first_pass,
               sum(d.denied) AS denied, sum(d.charges_cents) AS charges_cents, sum(d.payments_cents) AS payments_cents,
               sum(d.contractual_cents) AS contractual_cents
        FROM d GROUP BY GROUPING SETS ((d.org_id, d.day, d.payer_id), (d.org_id, d.payer_id))
    )
    INSERT INTO ar_days AS a (org_id, day, payer_id, claims, payer_claims, payer_cents, patient_claims, patient_cents, submitted, clean,
                              adjudicated, first_pass, denied, charges_cents, payments_cents, contractual_cents)
    SELECT * FROM s ORDER BY s.org_id, s.day, s.payer_id
    ON CONFLICT (org_id, day, payer_id) DO UPDATE SET
        claims = a.claims + EXCLUDED.claims, payer_claims = a.payer_claims + EXCLUDED.payer_claims,
        payer_cents = a.payer_cents + EXCLUDED.payer_cents, patient_claims = a.patient_claims + EXCLUDED.patient_claims,
        patient_cents = a.patient_cents + EXCLUDED.patient_cents, submitted = a.submitted + EXCLUDED.submitted,
        clean = a.clean + EXCLUDED.clean, adjudicated = a.adjudicated + EXCLUDED.adjudicated,
        first_pass = a.first_pass + EXCLUDED.first_pass, denied = a.denied + EXCLUDED.denied,
        charges_cents = a.charges_cents + EXCLUDED.charges_cents, payments_cents = a.payments_cents + EXCLUDED.payments_cents,
        contractual_cents = a.contractual_cents + EXCLUDED.contractual_cents;
    DELETE FROM ar_days WHERE claims = 0;

    WITH d AS (DELETE FROM ar_patient_deltas RETURNING *)
    INSERT INTO ar_patients AS a (org_id, patient_id, owing)
    SELECT d.org_id, d.patient_id, sum(d.owing) FROM d GROUP BY d.org_id, d.patient_id ORDER BY d.org_id, d.patient_id
    ON CONFLICT (org_id, patient_id) DO UPDATE SET owing = a.owing + EXCLUDED.owing;
    DELETE FROM ar_patients WHERE owing = 0;

    WITH d AS (DELETE FROM ar_denial_reason_deltas RETURNING *)
    INSERT INTO ar_denial_reasons AS a (org_id, day, reason, claims)
    SELECT d.org_id, d.day, d.reason, sum(d.claims) FROM d GROUP BY d.org_id, d.day, d.reason ORDER BY d.org_id, d.day, d.reason
    ON CONFLICT (org_id, day, reason) DO UPDATE SET claims = a.claims + EXCLUDED.claims;
    DELETE FROM ar_denial_reasons WHERE claims = 0;

    WITH d AS (DELETE FROM ar_trend_deltas RETURNING *)
    INSERT INTO ar_trend_days AS a (org_id, day, payments, denials, paid, paid_days)
    SELECT d.org_id, d.day, sum(d.payments), sum(d.denials), sum(d.paid), sum(d.paid_days)
    FROM d GROUP BY d.org_id, d.day ORDER BY d.org_id, d.day
    ON CONFLICT (org_id, day) DO UPDATE SET payments = a.payments + EXCLUDED.payments, denials = a.denials + EXCLUDED.denials,
        paid = a.paid + EXCLUDED.paid, paid_days = a.paid_days + EXCLUDED.paid_days;
    DELETE FROM ar_trend_days WHERE payments = 0;
    RETURN true;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Adds the claims of the organisations orgs (every claim when NULL) to the
-- compacted rows: the backfill, and store.GenerateScale's for the tenants
-- it writes with triggers off.
CREATE FUNCTION ar_aging_add_claims(orgs uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ar_days AS a (org_id, day, payer_id, claims, payer_claims, payer_cents, patient_claims, patient_cents, submitted, clean,
                              adjudicated, first_pass, denied, charges_cents, payments_cents, contractual_cents)
    SELECT t.org_id, coalesce(t.day, 'infinity'), t.payer_id, sum(t.claims), sum(t.payer_claims), sum(t.payer_cents),
           sum(t.patient_claims), sum(t.patient_cents), sum(t.submitted), sum(t.clean), sum(t.adjudicated), sum(t.first_pass),
           sum(t.denied), sum(t.charges_cents), sum(t.payments_cents), sum(t.contractual_cents)
    FROM claims c, ar_claim_days(c, 1) t
    WHERE orgs IS NULL OR c.org_id = ANY (orgs)
    GROUP BY GROUPING SETS ((t.org_id, t.day, t.payer_id), (t.org_id, t.payer_id))
    ON CONFLICT (org_id, day, payer_id) DO UPDATE SET
        claims = a.claims + EXCLUDED.claims, payer_claims = a.payer_claims + EXCLUDED.payer_claims,
        payer_cents = a.payer_cents + EXCLUDED.payer_cents, patient_claims = a.patient_claims + EXCLUDED.patient_claims,
        patient_cents = a.patient_cents + EXCLUDED.patient_cents, submitted = a.submitted + EXCLUDED.submitted,
        clean = a.clean + EXCLUDED.clean, adjudicated = a.adjudicated + EXCLUDED.adjudicated,
        first_pass = a.first_pass + EXCLUDED.first_pass, denied = a.denied + EXCLUDED.denied,
        charges_cents = a.charges_cents + EXCLUDED.charges_cents, payments_cents = a.payments_cents + EXCLUDED.payments_cents,
        contractual_cents = a.contractual_cents + EXCLUDED.contractual_cents;
    INSERT INTO ar_patients AS a (org_id, patient_id, owing)
    SELECT t.org_id, t.patient_id, sum(t.owing)
    FROM claims c, ar_claim_patients(c, 1) t
    WHERE orgs IS NULL OR c.org_id = ANY (orgs)
    GROUP BY t.org_id, t.patient_id
    ON CONFLICT (org_id, patient_id) DO UPDATE SET owing = a.owing + EXCLUDED.owing;
    INSERT INTO ar_denial_reasons AS a (org_id, day, reason, claims)
    SELECT t.org_id, t.day, t.reason, sum(t.claims)
    FROM claims c, ar_claim_denial_reasons(c, 1) t
    WHERE (orgs IS NULL OR c.org_id = ANY (orgs)) AND c.ar_denied
    GROUP BY t.org_id, t.day, t.reason
    ON CONFLICT (org_id, day, reason) DO UPDATE SET claims = a.claims + EXCLUDED.claims;
    INSERT INTO ar_trend_days AS a (org_id, day, payments, denials, paid, paid_days)
    SELECT t.org_id, t.day, sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)
    FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id AND c.org_id = cp.org_id,
         ar_payment_trend(cp.org_id, cp.posted_at, cp.status_code, cp.paid_cents, c.created_at, 1) t
    WHERE orgs IS NULL OR cp.org_id = ANY (orgs)
    GROUP BY t.org_id, t.day
    ON CONFLICT (org_id, day) DO UPDATE SET payments = a.payments + EXCLUDED.payments, denials = a.denials + EXCLUDED.denials,
        paid = a.paid + EXCLUDED.paid, paid_days = a.paid_days + EXCLUDED.paid_days;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A claim's write: its old contribution out, its new one in, as deltas.
CREATE FUNCTION claims_ar_aging() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n_deltas bigint;
    compact_every bigint;
BEGIN
    INSERT INTO ar_day_deltas (org_id, day, payer_id, claims, payer_claims, payer_cents, patient_claims, patient_cents, submitted, clean,
                               adjudicated, first_pass, denied, charges_cents, payments_cents, contractual_cents)
    SELECT t.org_id, t.day, t.payer_id, sum(t.claims), sum(t.payer_claims), sum(t.payer_cents), sum(t.patient_claims),
           sum(t.patient_cents), sum(t.submitted), sum(t.clean), sum(t.adjudicated), sum(t.first_pass), sum(t.denied),
           sum(t.charges_cents), sum(t.payments_cents), sum(t.contractual_cents)
    FROM (SELECT * FROM ar_claim_days(NEW, 1) WHERE TG_OP <> 'DELETE'
          UNION ALL SELECT * FROM ar_claim_days(OLD, -1) WHERE TG_OP <> 'INSERT') t
    GROUP BY t.org_id, t.day, t.payer_id
    HAVING (sum(t.claims), sum(t.payer_claims), sum(t.payer_cents), sum(t.patient_claims), sum(t.patient_cents), sum(t.submitted),
            sum(t.clean), sum(t.adjudicated), sum(t.first_pass), sum(t.denied), sum(t.charges_cents), sum(t.payments_cents),
            sum(t.contractual_cents)) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    GET DIAGNOSTICS n_deltas = ROW_COUNT;
    INSERT INTO ar_patient_deltas (org_id, patient_id, owing)
    SELECT t.org_id, t.patient_id, sum(t.owing)
    FROM (SELECT * FROM ar_claim_patients(NEW, 1) WHERE TG_OP <> 'DELETE'
          UNION ALL SELECT * FROM ar_claim_patients(OLD, -1) WHERE TG_OP <> 'INSERT') t
    GROUP BY t.org_id, t.patient_id HAVING sum(t.owing) <> 0;
    INSERT INTO ar_denial_reason_deltas (org_id, day, reason, claims)
    SELECT t.org_id, t.day, t.reason, sum(t.claims)
    FROM (SELECT * FROM ar_claim_denial_reasons(NEW, 1) WHERE TG_OP <> 'DELETE'
          UNION ALL SELECT * FROM ar_claim_denial_reasons(OLD, -1) WHERE TG_OP <> 'INSERT') t
    GROUP BY t.org_id, t.day, t.reason HAVING sum(t.claims) <> 0;
    -- Compaction each time the delta sequence passes a multiple of the
    -- setting (ids of one statement are taken one after another).
    IF n_deltas > 0 AND current_setting('transaction_isolation') = 'read committed' THEN
        compact_every := coalesce(nullif(current_setting('claimflow.ar_compact_every', true), '')::bigint, 4096);
        IF currval('ar_day_deltas_id_seq') / compact_every <> (currval('ar_day_deltas_id_seq') - n_deltas) / compact_every THEN
            PERFORM ar_aging_compact();
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A statement's claim payments: the old rows out, the new ones in, as
-- deltas of the trend (a matched payment of its claim's organisation).
CREATE FUNCTION claim_payments_ar_trend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ar_trend_deltas (org_id, day, payments, denials, paid, paid_days)
        SELECT t.org_id, t.day, sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)
        FROM ar_trend_new n JOIN claims c ON c.id = n.claim_id AND c.org_id = n.org_id,
             ar_payment_trend(n.org_id, n.posted_at, n.status_code, n.paid_cents, c.created_at, 1) t
        GROUP BY t.org_id, t.day;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ar_trend_deltas (org_id, day, payments, denials, paid, paid_days)
        SELECT t.org_id, t.day, sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)
        FROM ar_trend_old o JOIN claims c ON c.id = o.claim_id AND c.org_id = o.org_id,
             ar_payment_trend(o.org_id, o.posted_at, o.status_code, o.paid_cents, c.created_at, -1) t
        GROUP BY t.org_id, t.day;
    ELSE
        INSERT INTO ar_trend_deltas (org_id, day, payments, denials, paid, paid_days)
        SELECT t.org_id, t.day, sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)
        FROM (SELECT u.* FROM ar_trend_new n JOIN claims c ON c.id = n.claim_id AND c.org_id = n.org_id,
                   ar_payment_trend(n.org_id, n.posted_at, n.status_code, n.paid_cents, c.created_at, 1) u
              UNION ALL
              SELECT u.* FROM ar_trend_old o JOIN claims c ON c.id = o.claim_id AND c.org_id = o.org_id,
                   ar_payment_trend(o.org_id, o.posted_at, o.status_code, o.paid_cents, c.created_at, -1) u) t
        GROUP BY t.org_id, t.day
        HAVING (sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)) <> (0, 0, 0, 0);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A claim's new creation time or organisation: its payments' trend terms.
CREATE FUNCTION claims_ar_trend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ar_trend_deltas (org_id, day, payments, denials, paid, paid_days)
    SELECT t.org_id, t.day, sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)
    FROM (SELECT u.* FROM claim_payments cp, ar_payment_trend(cp.org_id, cp.posted_at, cp.status_code, cp.paid_cents, NEW.created_at, 1) u
          WHERE cp.claim_id = NEW.id AND cp.org_id = NEW.org_id
          UNION ALL
          SELECT u.* FROM claim_payments cp, ar_payment_trend(cp.org_id, cp.posted_at, cp.status_code, cp.paid_cents, OLD.created_at, -1) u
          WHERE cp.claim_id = OLD.id AND cp.org_id = OLD.org_id) t
    GROUP BY t.org_id, t.day
    HAVING (sum(t.payments), sum(t.denials), sum(t.paid), sum(t.paid_days)) <> (0, 0, 0, 0);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No claim write between the backfill and the trigger (reads go on).
LOCK TABLE claims, claim_payments IN SHARE ROW EXCLUSIVE MODE;
SELECT ar_aging_add_claims(NULL);
CREATE TRIGGER claims_ar_aging AFTER INSERT OR DELETE ON claims FOR EACH ROW EXECUTE FUNCTION claims_ar_aging();
CREATE TRIGGER claims_ar_aging_update AFTER UPDATE ON claims FOR EACH ROW
WHEN ((OLD.org_id, OLD.payer_id, OLD.patient_id, OLD.date_of_service, OLD.status, OLD.total_cents, OLD.payer_owed_cents,
       OLD.ar_paid_cents, OLD.ar_resp_cents, OLD.ar_contractual_cents, OLD.ar_patient_paid_cents, OLD.ar_adjudicated, OLD.ar_denied,
       OLD.ar_submitted, OLD.ar_clean, OLD.ar_first_pass, OLD.ar_denial_reasons)
      IS DISTINCT FROM
      (NEW.org_id, NEW.payer_id, NEW.patient_id, NEW.date_of_service, NEW.status, NEW.total_cents, NEW.payer_owed_cents,
       NEW.ar_paid_cents, NEW.ar_resp_cents, NEW.ar_contractual_cents, NEW.ar_patient_paid_cents, NEW.ar_adjudicated, NEW.ar_denied,
       NEW.ar_submitted, NEW.ar_clean, NEW.ar_first_pass, NEW.ar_denial_reasons))
EXECUTE FUNCTION claims_ar_aging();
CREATE TRIGGER claims_ar_trend AFTER UPDATE OF created_at, org_id ON claims FOR EACH ROW
WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION claims_ar_trend();
CREATE TRIGGER claim_payments_ar_trend_insert AFTER INSERT ON claim_payments REFERENCING NEW TABLE AS ar_trend_new
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_ar_trend();
CREATE TRIGGER claim_payments_ar_trend_update AFTER UPDATE ON claim_payments REFERENCING OLD TABLE AS ar_trend_old NEW TABLE AS ar_trend_new
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_ar_trend();
CREATE TRIGGER claim_payments_ar_trend_delete AFTER DELETE ON claim_payments REFERENCING OLD TABLE AS ar_trend_old
FOR EACH STATEMENT EXECUTE FUNCTION claim_payments_ar_trend();

-- +goose Down
DROP TRIGGER claim_payments_ar_trend_delete ON claim_payments;
DROP TRIGGER claim_payments_ar_trend_update ON claim_payments;
DROP TRIGGER claim_payments_ar_trend_insert ON claim_payments;
DROP TRIGGER claims_ar_trend ON claims;
DROP FUNCTION claims_ar_trend();
DROP FUNCTION claim_payments_ar_trend();
DROP TRIGGER claims_ar_aging_update ON claims;
DROP TRIGGER claims_ar_aging ON claims;
DROP FUNCTION claims_ar_aging();
DROP FUNCTION ar_aging_add_claims(uuid[]);
DROP FUNCTION ar_aging_compact();
DROP FUNCTION ar_payment_trend(uuid, timestamptz, text, bigint, timestamptz, int);
DROP FUNCTION ar_claim_denial_reasons(claims, int);
DROP FUNCTION ar_claim_patients(claims, int);
DROP FUNCTION ar_claim_days(claims, int);
DROP FUNCTION ar_patient_balance(text, bigint, bigint);
DROP FUNCTION ar_payer_balance(text, bigint);
DROP INDEX claim_payments_org_posted;
DROP INDEX claims_ar_refunded;
DROP TABLE ar_trend_deltas, ar_trend_days, ar_denial_reason_deltas, ar_denial_reasons, ar_patient_deltas, ar_patients, ar_day_deltas, ar_days;
