-- +goose Up
-- Patient engagement (issue 8): SMS threads and opt-outs, confirmations,
-- webhook replay protection, patient statements with payments and refunds
-- posted exactly once. Phone numbers are stored only as keyed blind
-- indexes (the store's Keys), never in plaintext.

-- Which workflow last messaged a phone, about what (an appointment or a
-- waitlist entry), so an inbound reply reaches it.
CREATE TABLE sms_threads (
    phone_index  bytea NOT NULL,
    workflow_id  text NOT NULL,
    ref          text NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (phone_index, workflow_id, ref)
);
CREATE INDEX sms_threads_latest ON sms_threads (phone_index, sent_at DESC);

-- STOP / START replies.
CREATE TABLE sms_opt_outs (
    phone_index  bytea PRIMARY KEY,
    opted_out    boolean NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Patients' confirmations (appointments.status has no "confirmed").
CREATE TABLE appointment_confirmations (
    appointment_id  uuid PRIMARY KEY REFERENCES appointments (id),
    confirmed_at    timestamptz NOT NULL DEFAULT now()
);

-- Every accepted webhook delivery (Stripe event IDs, Twilio message SIDs):
-- a replayed delivery finds its row and changes nothing.
CREATE TABLE webhook_events (
    provider     text NOT NULL,
    event_id     text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE patient_statements (
    id                 text PRIMARY KEY,
    patient_id         text NOT NULL,
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    currency           text NOT NULL DEFAULT 'usd',
    payment_intent_id  text UNIQUE,
    status             text NOT NULL CHECK (status IN ('open', 'paid', 'collections', 'closed')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_statements_patient ON patient_statements (patient_id);

-- One row per payment intent: a payment is posted exactly once.
CREATE TABLE patient_payments (
    payment_intent_id  text PRIMARY KEY,
    statement_id       text NOT NULL REFERENCES patient_statements (id),
    event_id           text NOT NULL,
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    posted_at          timestamptz NOT NULL DEFAULT now()
);

-- One row per refund (Stripe refund ID, or event:<id> for a refund Stripe
-- reported that claimflow did not make).
CREATE TABLE patient_refunds (
    refund_id          text PRIMARY KEY,
    statement_id       text NOT NULL REFERENCES patient_statements (id),
    payment_intent_id  text NOT NULL,
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    posted_at          timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE patient_refunds;
DROP TABLE patient_payments;
DROP TABLE patient_statements;
DROP TABLE webhook_events;
DROP TABLE appointment_confirmations;
DROP TABLE sms_opt_outs;
DROP TABLE sms_threads;
