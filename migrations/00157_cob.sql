-- +goose Up
-- Coordination of benefits (issue 19): a claim is billed to the patient's
-- coverages in priority order (primary, secondary, tertiary). Each payer's
-- part is a claim_payer_parts row; the claim's coverage_id and payer_id
-- name the payer currently responsible, cob_seq its place (1 primary).
ALTER TABLE claims ADD COLUMN cob_seq int NOT NULL DEFAULT 1 CHECK (cob_seq BETWEEN 1 AND 3);

-- A batch reservation is per attempt and payer: the secondary 837 of an
-- attempt is a second batch_claims row (cob_seq 2), set from the claim
-- when the row is written.
ALTER TABLE batch_claims ADD COLUMN cob_seq int NOT NULL DEFAULT 1;
ALTER TABLE batch_claims DROP CONSTRAINT batch_claims_claim_id_attempt_key;
ALTER TABLE batch_claims ADD CONSTRAINT batch_claims_claim_attempt_cob UNIQUE (claim_id, attempt, cob_seq);

-- +goose StatementBegin
CREATE FUNCTION batch_claims_cob_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.cob_seq := (SELECT c.cob_seq FROM claims c WHERE c.id = NEW.claim_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER batch_claims_cob_seq BEFORE INSERT ON batch_claims
    FOR EACH ROW EXECUTE FUNCTION batch_claims_cob_seq();

-- One payer's part of a claim. Written by the claim workflow's COB
-- activity when a payer's 835 posts (its claim payment) and when the next
-- payer is billed (or waits for a crossover). Amounts are read from the
-- posted claim payment, never copied.
CREATE TABLE claim_payer_parts (
    claim_id       uuid NOT NULL REFERENCES claims (id),
    seq            int NOT NULL CHECK (seq BETWEEN 1 AND 3), -- 1 primary, 2 secondary, 3 tertiary
    org_id         uuid NOT NULL REFERENCES orgs (id),       -- the claim's organisation (scope)
    coverage_id    uuid NOT NULL REFERENCES coverages (id),
    payer_id       uuid NOT NULL REFERENCES payers (id),
    -- crossover: the prior payer forwarded the claim (CLP02 19-21, MA18,
    -- N89); claimflow sent no 837 for this part.
    crossover      boolean NOT NULL DEFAULT false,
    remittance_id  uuid,
    payment_seq    int,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, seq),
    FOREIGN KEY (remittance_id, payment_seq) REFERENCES claim_payments (remittance_id, seq)
);
CREATE INDEX claim_payer_parts_org ON claim_payer_parts (org_id);

-- +goose Down
DROP TABLE claim_payer_parts;
DROP TRIGGER batch_claims_cob_seq ON batch_claims;
DROP FUNCTION batch_claims_cob_seq();
ALTER TABLE batch_claims DROP CONSTRAINT batch_claims_claim_attempt_cob;
DELETE FROM batch_claims WHERE cob_seq > 1;
ALTER TABLE batch_claims ADD CONSTRAINT batch_claims_claim_id_attempt_key UNIQUE (claim_id, attempt);
ALTER TABLE batch_claims DROP COLUMN cob_seq;
ALTER TABLE claims DROP COLUMN cob_seq;
