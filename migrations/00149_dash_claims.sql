-- +goose Up
-- The dashboard's claim filter, defined once for the worklist (DashClaims)
-- and its status counts (DashStatusCounts), which used to paste the same
-- predicates (issue 15). LANGUAGE sql STABLE, one SELECT: the planner
-- inlines it into each query, so the claims indexes still apply.
CREATE FUNCTION dash_claims(actor uuid, perm text, payer uuid, provider uuid,
                            created_from timestamptz, created_to timestamptz, min_cents bigint, max_cents bigint)
RETURNS SETOF claims
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.*
    FROM claims c
    WHERE c.org_id IN (SELECT v.id FROM visible_orgs(actor, perm) AS v (id))
      AND (payer IS NULL OR c.payer_id = payer)
      AND (provider IS NULL OR c.provider_id = provider)
      AND (created_from IS NULL OR c.created_at >= created_from)
      AND (created_to IS NULL OR c.created_at < created_to)
      AND (min_cents IS NULL OR c.total_cents >= min_cents)
      AND (max_cents IS NULL OR c.total_cents <= max_cents)
$$;

-- +goose Down
DROP FUNCTION dash_claims(uuid, text, uuid, uuid, timestamptz, timestamptz, bigint, bigint);
