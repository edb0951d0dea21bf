-- +goose Up
-- A partner may deliver a file again under the same name, size and
-- modification time after we removed the first one. Each delivery gets its
-- own ledger row, numbered by generation.
ALTER TABLE clearinghouse_inbound ADD COLUMN generation integer NOT NULL DEFAULT 0;
ALTER TABLE clearinghouse_inbound DROP CONSTRAINT clearinghouse_inbound_partner_remote_name_size_mtime_key;
ALTER TABLE clearinghouse_inbound ADD CONSTRAINT clearinghouse_inbound_delivery
    UNIQUE (partner, remote_name, size, mtime, generation);

-- +goose Down
ALTER TABLE clearinghouse_inbound DROP CONSTRAINT clearinghouse_inbound_delivery;
DELETE FROM clearinghouse_inbound WHERE generation > 0;
ALTER TABLE clearinghouse_inbound ADD CONSTRAINT clearinghouse_inbound_partner_remote_name_size_mtime_key
    UNIQUE (partner, remote_name, size, mtime);
ALTER TABLE clearinghouse_inbound DROP COLUMN generation;
