-- +goose Up
-- Audit chain heads are authenticated (issue 14, finding 3): mac is a keyed
-- MAC (under a key the keyring holds) over the chain, seq and hash, written
-- with every append. Without the key a head cannot be rewound to an earlier
-- row after deleting the tail. NULL only at genesis (seq 0); truncation back
-- to genesis, and deleting a chain with its head, are caught against the
-- signed checkpoints exported to the S3 archive (claimflow audit verify).
ALTER TABLE audit_head ADD COLUMN mac bytea;

-- +goose Down
ALTER TABLE audit_head DROP COLUMN mac;
