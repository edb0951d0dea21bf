-- +goose Up
-- Two worklist pages that read a tenant's claims from the table only to
-- test columns an index could carry (issue 20; at the full size the
-- table's pages are not in shared buffers, so each claim read is a page
-- read):
--
-- A created range in the created sort (the dashboard's "created month").
-- The created sort is the claim's ID; claims_tenant_id has no created_at,
-- so a page of a range read the tenant's claims newer than the range from
-- the table first, or (DashClaimsSorted's custom plan, planned per
-- request) every claim of the range, then sorted them: a month is about
-- 1,400 claims of a tenant. claims_tenant_created gives each tenant's
-- claims of a range with their ID and organisation: the store reads the
-- range from the index alone, sorts the IDs and reads only the page's
-- claims from the table (DashClaimsListed's created range,
-- store/worklist_list.go), a plan that is the same whatever the range,
-- kept by Postgres.
CREATE INDEX claims_tenant_created ON claims (tenant_id, created_at) INCLUDE (id, org_id);

-- A first name's page (store/search_pageids.go) reads a tenant's claims
-- in ID order, skipping the claims of other patients, until the page is
-- full: about page size × 26 claims with the generator's first names
-- (1,750 here for 50). With the patient and the organisation in
-- claims_tenant_id, the skipped claims are read from the index alone.
-- The key is unchanged (the lists read it in order as before).
DROP INDEX claims_tenant_id;
CREATE INDEX claims_tenant_id ON claims (tenant_id, id) INCLUDE (org_id, patient_id);

-- +goose Down
DROP INDEX claims_tenant_id;
CREATE INDEX claims_tenant_id ON claims (tenant_id, id);
DROP INDEX claims_tenant_created;
