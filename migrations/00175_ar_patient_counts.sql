-- +goose Up
-- The A/R view's patients owing without reading every patient owing
-- (issue 20). After 00172 DashReceivablesTotals counted the distinct
-- patients of ar_patients (one row per organisation and patient owing:
-- 5,000 rows for a tenant of 50,000 claims, about 4 ms of the request's
-- 8 ms of SQL). Here, kept from ar_patients by its own statement triggers:
--   ar_patient_counts (org_id): the organisation's rows of ar_patients with
--     something owed (owing > 0);
--   ar_patient_shared (org_id, patient_id): those rows whose patient owes in
--     more than one organisation (a claim's patient need not be of the
--     claim's organisation), so a sum of counts would count them twice;
--     empty in practice.
-- The reader takes the visible organisations' counts, removes the rows of
-- the few patients it must look at one by one (pending deltas, shared,
-- refunded within the period: see DashReceivablesTotals) and adds those
-- patients counted exactly as before.
--
-- Who writes: ar_patients is written only by ar_aging_compact (under its
-- advisory lock: one writer at a time) and ar_aging_add_claims (the
-- backfill, store.GenerateScale); the counts are increments (a row lock
-- orders two of them), and the shared rows of the patients a statement
-- touched are recomputed from ar_patients after it. The triggers are
-- ENABLE ALWAYS: GenerateScale calls ar_aging_add_claims with
-- session_replication_role = replica (its COPY runs without triggers).

CREATE TABLE ar_patient_counts (
    org_id   uuid PRIMARY KEY,
    patients bigint NOT NULL
);
CREATE TABLE ar_patient_shared (
    org_id     uuid NOT NULL,
    patient_id uuid NOT NULL,
    PRIMARY KEY (org_id, patient_id)
);
CREATE INDEX ar_patient_shared_patient ON ar_patient_shared (patient_id);
CREATE INDEX ar_patients_patient ON ar_patients (patient_id) WHERE owing > 0;

-- +goose StatementBegin
-- The shared rows of the patients in touched, recomputed.
CREATE FUNCTION ar_patient_shared_refresh(touched uuid[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM ar_patient_shared s WHERE s.patient_id = ANY (touched);
    INSERT INTO ar_patient_shared (org_id, patient_id)
    SELECT a.org_id, a.patient_id FROM ar_patients a
    WHERE a.patient_id = ANY (touched) AND a.owing > 0
      AND EXISTS (SELECT 1 FROM ar_patients b WHERE b.patient_id = a.patient_id AND b.owing > 0 AND b.org_id <> a.org_id)
    ORDER BY a.org_id, a.patient_id;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ar_patients_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ar_patient_counts AS a (org_id, patients)
        SELECT n.org_id, count(*) FROM ar_patients_new n WHERE n.owing > 0 GROUP BY n.org_id ORDER BY n.org_id
        ON CONFLICT (org_id) DO UPDATE SET patients = a.patients + EXCLUDED.patients;
        PERFORM ar_patient_shared_refresh(array(SELECT DISTINCT n.patient_id FROM ar_patients_new n));
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ar_patient_counts AS a (org_id, patients)
        SELECT o.org_id, -count(*) FROM ar_patients_old o WHERE o.owing > 0 GROUP BY o.org_id ORDER BY o.org_id
        ON CONFLICT (org_id) DO UPDATE SET patients = a.patients + EXCLUDED.patients;
        PERFORM ar_patient_shared_refresh(array(SELECT DISTINCT o.patient_id FROM ar_patients_old o));
    ELSE
        INSERT INTO ar_patient_counts AS a (org_id, patients)
        SELECT t.org_id, sum(t.n) FROM (
            SELECT n.org_id, 1 AS n FROM ar_patients_new n WHERE n.owing > 0
            UNION ALL
            SELECT o.org_id, -1 FROM ar_patients_old o WHERE o.owing > 0
        ) t GROUP BY t.org_id HAVING sum(t.n) <> 0 ORDER BY t.org_id
        ON CONFLICT (org_id) DO UPDATE SET patients = a.patients + EXCLUDED.patients;
        PERFORM ar_patient_shared_refresh(array(SELECT n.patient_id FROM ar_patients_new n
                                                 UNION SELECT o.patient_id FROM ar_patients_old o));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write to ar_patients (the claims' trigger and compaction) between the
-- backfill and the triggers.
LOCK TABLE claims, ar_patients IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO ar_patient_counts (org_id, patients)
SELECT a.org_id, count(*) FROM ar_patients a WHERE a.owing > 0 GROUP BY a.org_id;
SELECT ar_patient_shared_refresh(array(SELECT DISTINCT a.patient_id FROM ar_patients a WHERE a.owing > 0));
CREATE TRIGGER ar_patients_counts_insert AFTER INSERT ON ar_patients REFERENCING NEW TABLE AS ar_patients_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_patients_counts();
CREATE TRIGGER ar_patients_counts_update AFTER UPDATE ON ar_patients REFERENCING OLD TABLE AS ar_patients_old NEW TABLE AS ar_patients_new
FOR EACH STATEMENT EXECUTE FUNCTION ar_patients_counts();
CREATE TRIGGER ar_patients_counts_delete AFTER DELETE ON ar_patients REFERENCING OLD TABLE AS ar_patients_old
FOR EACH STATEMENT EXECUTE FUNCTION ar_patients_counts();
ALTER TABLE ar_patients ENABLE ALWAYS TRIGGER ar_patients_counts_insert;
ALTER TABLE ar_patients ENABLE ALWAYS TRIGGER ar_patients_counts_update;
ALTER TABLE ar_patients ENABLE ALWAYS TRIGGER ar_patients_counts_delete;

-- +goose Down
DROP TRIGGER ar_patients_counts_delete ON ar_patients;
DROP TRIGGER ar_patients_counts_update ON ar_patients;
DROP TRIGGER ar_patients_counts_insert ON ar_patients;
DROP FUNCTION ar_patients_counts();
DROP FUNCTION ar_patient_shared_refresh(uuid[]);
DROP INDEX ar_patients_patient;
DROP TABLE ar_patient_shared, ar_patient_counts;
