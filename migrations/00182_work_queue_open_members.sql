-- +goose Up
-- The remittance view's work queue from the kept poll members (issue 20).
-- DashWorkQueuePage read every open work item of every tenant in ID order
-- (remit_work_queue_open) and asked each whether the caller sees it: at
-- the full size (200 tenants, 2,433 open items, about 12 a tenant) that
-- was 37 ms of Postgres CPU a page for 8 items, the largest part of the
-- remittance view's 34 ms a request.
--
-- remittance_poll_members (00180) keeps, per remittance and owner key,
-- how many of its work items under that key are open. A caller sees a
-- work item only when they see its key, so the remittances of the keys
-- the caller sees with open items are a superset of the remittances of
-- the items they see: the page reads those remittances' open items (a
-- handful) and still asks each item's visibility. This index holds the
-- members with open items only, with their keys, so finding them reads
-- no table row.
CREATE INDEX remittance_poll_members_open ON remittance_poll_members (remittance_id)
    INCLUDE (orgs, by_account, partner) WHERE open_items > 0;

-- +goose Down
DROP INDEX remittance_poll_members_open;
