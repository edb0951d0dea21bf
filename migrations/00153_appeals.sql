-- +goose Up
-- Appeals (issue 16, item 4): the appeals worklist and appeal letters.
--
-- claim_denials is the read model of a claim's latest denial as its claim
-- workflow classified it (workflows.ClassifyDenial): category, the
-- group-reason codes and remarks, and the filing deadline the workflow
-- keeps as its timer. The workflow's status write (RecordClaimStatus)
-- upserts it, so the worklist sorts by deadline in SQL and never queries
-- workflows for it. A claim denied before this table existed has no row
-- until its workflow records its next status (an escalation or a
-- decision); the API reads those few from the workflow meanwhile.
-- Nothing here is PHI: codes, a category and a date.
CREATE TABLE claim_denials (
    claim_id     uuid PRIMARY KEY REFERENCES claims (id),
    org_id       uuid NOT NULL REFERENCES orgs (id),
    attempt      int NOT NULL,
    category     text NOT NULL,
    codes        text[] NOT NULL DEFAULT '{}',
    rarcs        text[] NOT NULL DEFAULT '{}',
    deadline     timestamptz NOT NULL,
    -- appealable: a code of the denial is one staff appeal rather than
    -- correct (the worklist's test for a needs_correction claim).
    appealable   boolean NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_denials_org_deadline ON claim_denials (org_id, deadline);

-- appeal_letters: each appeal letter staff generated for a claim, the PDF
-- sealed (AES-256-GCM) under the row's own data key wrapped by the
-- keyring, as claim_versions (00147) seals its data: the letter prints the
-- patient's name, birth date and member ID. reason is the staff's reason
-- as typed (it may name clinical facts), so it is sealed too, under the
-- same key. pdf_bytes is the PDF's plaintext size. org_id is the
-- claim's organisation (tenancy as in 00120: reads are scoped with
-- visible_orgs()). Generating a letter does not file the appeal: that
-- stays the claim workflow's "appeal" decision (claim_appeals, 00092).
CREATE TABLE appeal_letters (
    id          uuid PRIMARY KEY,
    claim_id    uuid NOT NULL REFERENCES claims (id),
    org_id      uuid NOT NULL REFERENCES orgs (id),
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    dek         bytea NOT NULL,
    reason      bytea NOT NULL,
    pdf         bytea NOT NULL,
    pdf_bytes   int NOT NULL
);
CREATE INDEX appeal_letters_claim ON appeal_letters (claim_id, created_at);
CREATE INDEX appeal_letters_org ON appeal_letters (org_id);

-- A generated letter is an event of the claim's history (the timeline).
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('837', 'TA1', '999', '277CA', '835', '276/277', 'appeal_letter'));

-- +goose Down
DELETE FROM claim_events WHERE kind = 'appeal_letter';
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('837', 'TA1', '999', '277CA', '835', '276/277'));
DROP TABLE appeal_letters;
DROP TABLE claim_denials;
