-- +goose Up
-- The audit log becomes 32 independent hash chains. An append locks one
-- free chain head (SKIP LOCKED), so concurrent transactions no longer wait
-- for each other's commit to flush; each chain is still strictly ordered and
-- each row's hash still covers the previous row's hash in its chain. id gives
-- the log one global order for compliance queries (it is not hashed).
ALTER TABLE audit_log ADD COLUMN chain int NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (chain, seq);
CREATE UNIQUE INDEX audit_log_id ON audit_log (id);
DROP INDEX audit_log_patient;
DROP INDEX audit_log_actor;
CREATE INDEX audit_log_patient ON audit_log (patient_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

ALTER TABLE audit_head DROP COLUMN id;
ALTER TABLE audit_head ADD COLUMN chain int NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD PRIMARY KEY (chain);
INSERT INTO audit_head (chain, seq, hash)
SELECT g, 0, '\x0000000000000000000000000000000000000000000000000000000000000000' FROM generate_series(1, 31) AS g;

-- +goose Down
DELETE FROM audit_head WHERE chain <> 0;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP COLUMN chain;
ALTER TABLE audit_head ADD COLUMN id boolean PRIMARY KEY DEFAULT true CHECK (id);
DROP INDEX audit_log_patient;
DROP INDEX audit_log_actor;
DELETE FROM audit_log WHERE chain <> 0;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (seq);
ALTER TABLE audit_log DROP COLUMN id;
ALTER TABLE audit_log DROP COLUMN chain;
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
