-- +goose Up
-- Open claims by balance (issue 20): the worklist's balance sort with a
-- status filter (the dashboard's "open, sort by balance": accepted and
-- partially paid). 00174's claims_tenant_balance gives a tenant's claims
-- in balance order, but with a status filter a page reads it until enough
-- claims of those statuses come up: how many depends on how common the
-- statuses are among the high balances, so its plan depends on the
-- statuses' values and the store planned the statement with them on every
-- request (about 1 ms). With the status ahead of the key, each status's
-- claims of a tenant are one range in balance order: the store reads a
-- page per status and merges them (DashClaimsListed, store/worklist_list.go),
-- a plan that is the same whatever the statuses, kept by Postgres.
CREATE INDEX claims_tenant_status_balance ON claims (tenant_id, status, claim_balance_key(status, payer_owed_cents), id);

-- +goose Down
DROP INDEX claims_tenant_status_balance;
