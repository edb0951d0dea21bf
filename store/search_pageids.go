package store

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// pageIDsKey is one statement of firstNamePage's page: its direction,
// the page's row limit and which filters are given.
type pageIDsKey struct {
	desc  bool
	limit int32
	claimFilters
	stat bool
}

var pageIDsSQLCache sync.Map // pageIDsKey → string

// pageIDsSQL is the statement reading the IDs of one page of the worklist
// in the created sort among the claims of the patients $1, from the bound
// $2 on (inclusive: the cursor, createdBound), with DashClaimsByIDs's
// filters and scope: each tenant the caller sees (as DashClaimsSorted's
// t) is read along claims_tenant_id (tenant_id, id) in the sort's
// direction, skipping the claims of other patients, and stops after the
// page; the tenants' pages are merged. DashClaimsByIDs then reads the
// page.
//
// As the lists' statements (store/worklist_list.go), the text names only
// the filters given and has the page's limit written in (an integer,
// never a caller's text): a generic plan takes a LIMIT parameter for 10%
// of the rows, and each "$n IS NULL OR ..." filter for a selective one,
// and at 50,000 claims a tenant either made a bitmap scan of the tenant's
// claims and a sort look cheaper than the ordered scan
// (TestScaleFirstNamePlans). The patients are a hashed subplan (one hash
// probe per claim read; = ANY of the array parameter compares each claim
// with every patient), kept under IS TRUE so that it is neither pulled up
// into a join nor used as claims_patient's index condition (the planner
// took the array for 10 patients and read every claim of the patients
// through that index, then sorted them).
//
// Parameters: $1 the patients, $2 the bound, $3 the actor, $4 the
// permission, then those of the filters given, in pageIDsArgs' order.
func pageIDsSQL(k pageIDsKey) string {
	if s, ok := pageIDsSQLCache.Load(k); ok {
		return s.(string)
	}
	dir, cmp, name := "", ">=", "oldest"
	if k.desc {
		dir, cmp, name = " DESC", "<=", "newest"
	}
	n := 4
	param := func(typ string) string {
		n++
		return "$" + strconv.Itoa(n) + "::" + typ
	}
	var b strings.Builder
	b.WriteString(`-- DashClaimPageIDs (store/search_pageids.go): ` + name + ` first
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs($3::uuid, $4::text) AS v (id)) AS orgs),
t AS (
    SELECT DISTINCT r.id
    FROM v, unnest(v.orgs) AS o1 (id)
    JOIN orgs o ON o.id = o1.id
    JOIN orgs r ON r.path = subpath(o.path, 0, 1)
)
SELECT y.id::text AS id FROM v, t CROSS JOIN LATERAL (
    SELECT c.id FROM claims c
    WHERE c.tenant_id = t.id
      AND (c.patient_id IN (SELECT unnest($1::uuid[]))) IS TRUE
      AND c.org_id = ANY (v.orgs)
      AND c.id ` + cmp + ` $2::uuid
`)
	cond := func(c string) { b.WriteString("      AND " + c + "\n") }
	k.claimFilters.write(cond, param)
	if k.stat {
		// DashClaimsSorted's status list, split at commas.
		cond("c.status = ANY (string_to_array(" + param("text") + ", ','))")
	}
	lim := strconv.Itoa(int(k.limit))
	b.WriteString(`    ORDER BY c.id` + dir + `
    LIMIT ` + lim + `
) AS y
ORDER BY y.id` + dir + `
LIMIT ` + lim)
	s := b.String()
	pageIDsSQLCache.Store(k, s)
	return s
}

// dashClaimPageIDs runs pageIDsSQL for p's page among patients from bound
// on, with its generic plan (TestScaleFirstNamePlans).
func dashClaimPageIDs(ctx context.Context, tx pgx.Tx, p pgq.DashClaimsSortedParams, patients []string, bound string) ([]string, error) {
	k := pageIDsKey{desc: p.Descending, limit: p.RowLimit, claimFilters: filtersOf(p), stat: p.Statuses != nil}
	args := k.claimFilters.args([]any{patients, bound, p.Actor, p.Perm}, p)
	if k.stat {
		args = append(args, p.Statuses)
	}
	// Its generic plan, as the lists' (planned once per connection, not
	// five times first with the values), then the default again for the
	// statements after it; one round trip.
	ids := []string{}
	b := &pgx.Batch{}
	b.Queue(q("ForceGenericPlans"))
	b.Queue(pageIDsSQL(k), args...).Query(func(rows pgx.Rows) error {
		var err error
		ids, err = pgx.AppendRows(ids, rows, pgx.RowTo[string])
		return err
	})
	b.Queue(q("AutoPlans"))
	return ids, tx.SendBatch(ctx, b).Close()
}
