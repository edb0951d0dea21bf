-- +goose Up
-- Visibility of remittance data, each decided in one function (issue 15).
--
-- Organisation scope is visible_orgs (00120); remittance data has no
-- organisation column of its own and belongs to the owners the views of
-- 00120 name. The owner check was pasted into every query that reads
-- remittances, claim payments or work items (the shape in which the
-- cross-tenant remittance bug hid); these functions are that check,
-- written once. Queries use them as `x IN (SELECT ... FROM visible_...($1, $2))`.
--
-- Each returns a set and is one SELECT in LANGUAGE sql STABLE (not
-- STRICT): the planner inlines such a function in FROM into the calling
-- query, so the plans are those of the pasted subqueries (checked with
-- EXPLAIN). A scalar boolean function (EXISTS ... inside) would not be
-- inlined: Postgres inlines scalar SQL functions only without sublinks,
-- and would run the check as an opaque filter per row.

-- +goose StatementBegin
-- The remittances the actor sees with perm: an organisation owning one is
-- visible.
CREATE FUNCTION visible_remittances(actor uuid, perm text) RETURNS TABLE (remittance_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.remittance_id FROM remittance_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The claim payments (remittance, seq) the actor sees with perm.
CREATE FUNCTION visible_claim_payments(actor uuid, perm text) RETURNS TABLE (remittance_id uuid, seq int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.remittance_id, o.seq FROM claim_payment_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- The work items (remit_work_queue.id, internal) the actor sees with perm.
CREATE FUNCTION visible_work_items(actor uuid, perm text) RETURNS TABLE (item_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.item_id FROM remit_work_owners o
    WHERE o.org_id IN (SELECT id FROM visible_orgs(actor, perm))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION visible_work_items(uuid, text);
DROP FUNCTION visible_claim_payments(uuid, text);
DROP FUNCTION visible_remittances(uuid, text);
