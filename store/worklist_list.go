package store

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The worklist without a search (store/search.go's lists: newest first,
// the filters, the sorts, the denials queue) reads its page with one of
// a small family of statements, one per shape: the sort, its direction,
// which filters are given and whether a cursor is. Each shape's text
// names only the conditions it applies, with the sort's order written
// out, so where its generic plan is the plan its values would get,
// whatever they are (listShape.generic: the ordered index of the sort,
// or of the filter for the created sort, with the tenant fixed), it runs
// that plan (ForceGenericPlans; cached per connection) and no request
// plans it again. DashClaimsSorted, one statement for every shape, folds
// to the shape only when planned with its values (about 1 ms of planning
// per request, against 0.3-0.8 ms to run it); it stays for the other
// shapes, the searches that fall back to it (store/search.go) and
// cursors whose ID is not a UUID.
//
// The statements are built from the fixed fragments below (no value is
// ever written into the text: every value is a parameter) and have the
// results of DashClaimsSorted with no search: the same scope (each
// tenant the caller sees, its visible organisations, dash_claims' filters
// and DashClaimsSorted's status list split at commas), sort keys, order,
// cursor comparison and columns (TestWorklistSortedOracle).

// claimFilters are the worklist filters a statement's text names: only
// those given, each a parameter (a generic plan takes "$n IS NULL OR ..."
// for a selective filter: TestScaleListGenericPlans,
// TestScaleFirstNamePlans). The lists (listShape) and the first-name page
// (pageIDsKey) write them the same way.
type claimFilters struct {
	payer, provider bool
	from, to        bool
	min, max        bool
}

func filtersOf(p pgq.DashClaimsSortedParams) claimFilters {
	return claimFilters{payer: p.PayerID != nil, provider: p.ProviderID != nil, from: p.CreatedFrom != nil,
		to: p.CreatedTo != nil, min: p.MinCents != nil, max: p.MaxCents != nil}
}

// write adds a condition per filter given; param numbers the next
// parameter. args appends their values in the same order.
func (f claimFilters) write(cond func(string), param func(typ string) string) {
	if f.payer {
		cond("c.payer_id = " + param("uuid"))
	}
	if f.provider {
		cond("c.provider_id = " + param("uuid"))
	}
	if f.from {
		cond("c.created_at >= " + param("timestamptz"))
	}
	if f.to {
		cond("c.created_at < " + param("timestamptz"))
	}
	if f.min {
		cond("c.total_cents >= " + param("bigint"))
	}
	if f.max {
		cond("c.total_cents <= " + param("bigint"))
	}
}

// args appends the values of the filters given to args, in write's order.
func (f claimFilters) args(args []any, p pgq.DashClaimsSortedParams) []any {
	for _, a := range []struct {
		given bool
		v     any
	}{{f.payer, p.PayerID}, {f.provider, p.ProviderID}, {f.from, p.CreatedFrom}, {f.to, p.CreatedTo},
		{f.min, p.MinCents}, {f.max, p.MaxCents}} {
		if a.given {
			args = append(args, a.v)
		}
	}
	return args
}

// listShape is one statement of the family.
type listShape struct {
	sort string // an rcm sort key
	desc bool
	claimFilters
	statuses int // 0 none, 1 one (=), 2 several (a page per status)
	after    bool
	// limit is the page's row limit, written into the text of the
	// tenant's LIMIT (an integer, never a caller's text): a generic plan
	// takes a LIMIT parameter for 10% of the rows, which at 50,000 claims
	// a tenant made the planner sort the tenant's claims instead of
	// reading the index in order (TestScaleListGenericPlans on the full
	// size: 28 of 64 shapes sorted).
	limit int32
}

// createdRangeMax is the widest created range (both ends given) whose
// page, in the created sort, is read from claims_tenant_created (00181):
// every claim of the range is read from that index, then sorted by ID
// (createdRange). About a month is the dashboard's filter (1,400 claims
// a tenant at the full size); wider or open ranges stay with
// DashClaimsSorted's custom plan, which reads the tenant's claims in ID
// order from the range's newest or oldest claim when that is cheaper.
const createdRangeMax = 93 * 24 * time.Hour

// createdRange reports whether the shape is a created range in the
// created sort: each tenant's claims of the range are read from
// claims_tenant_created (tenant_id, created_at) INCLUDE (id, org_id),
// index only, their IDs sorted, and only the page's claims read from the
// table. Its generic plan is that whatever the range (the planner takes
// an unknown range for a small one), and the rows read are the range's,
// not the tenant's claims newer than it (the index of the sort,
// claims_tenant_id, has no created_at, so a range a month back read a
// month of claims from the table first; a custom plan per request, 1-2
// ms of planning, read and sorted the range's claims from the table: 18
// ms of Postgres CPU a request at the full size, where a month's 1,400
// claims of a tenant are 1,400 table pages).
func (sh listShape) createdRange() bool {
	return sh.sort == rcm.SortCreated && sh.from && sh.to
}

var listSQLCache sync.Map // listShape → string

// listSortKey is the sort's key of a claim c (with p its payer for the
// payer sort), as DashClaimsSorted computes it; ” for created.
func listSortKey(sort string) string {
	switch sort {
	case rcm.SortDOS:
		return "claim_dos_key(c.date_of_service)"
	case rcm.SortPayer:
		return "lower(p.name)"
	case rcm.SortBalance:
		return "claim_balance_key(c.status, c.payer_owed_cents)"
	case rcm.SortStatus:
		return "c.status"
	}
	return "''::text"
}

// listSortable reports whether sort has a statement of the family.
func listSortable(sort string) bool {
	switch sort {
	case rcm.SortCreated, rcm.SortDOS, rcm.SortPayer, rcm.SortBalance, rcm.SortStatus:
		return true
	}
	return false
}

// sql is the shape's statement. Its parameters: $1 the actor, $2 the
// permission, $3 the row limit, $4 the closed statuses (balance_cents),
// then those of the shape's conditions in listArgs' order.
func (sh listShape) sql() string {
	if s, ok := listSQLCache.Load(sh); ok {
		return s.(string)
	}
	n := 4
	param := func(typ string) string {
		n++
		return "$" + strconv.Itoa(n) + "::" + typ
	}
	var b strings.Builder
	b.WriteString("-- DashClaimsListed (store/worklist_list.go): sort " + sh.sort)
	dir, cmp := "", ">"
	if sh.desc {
		dir, cmp = " DESC", "<"
		b.WriteString(" desc")
	}
	statuses := ""
	if sh.statuses == 2 {
		statuses = ", (SELECT DISTINCT unnest(" + param("text[]") + ") AS status) AS s"
	}
	b.WriteString(`
WITH v AS (SELECT ARRAY(SELECT v.id FROM visible_orgs($1::uuid, $2::text) AS v (id)) AS orgs),
t AS (
    SELECT DISTINCT r.id
    FROM v, unnest(v.orgs) AS o1 (id)
    JOIN orgs o ON o.id = o1.id
    JOIN orgs r ON r.path = subpath(o.path, 0, 1)
),
x AS (
    SELECT y.* FROM v, t` + statuses + ` CROSS JOIN LATERAL (
        SELECT c.id, c.org_id, c.status, c.payer_id, c.provider_id, c.patient_control_number, c.total_cents, c.paid_cents,
               c.attempt, c.created_at, c.updated_at, c.patient_id, c.payer_owed_cents, c.date_of_service,
               `)
	key := listSortKey(sh.sort)
	b.WriteString(key + " AS sort_key\n")
	if sh.createdRange() {
		// The range's claims from claims_tenant_created alone (their ID
		// and organisation are in the index), their IDs sorted and cut
		// at the page; then the page's claims by primary key.
		b.WriteString(`        FROM (
        SELECT c.id FROM claims c
`)
	} else {
		b.WriteString("        FROM claims c\n")
	}
	if sh.sort == rcm.SortPayer {
		b.WriteString("        JOIN payers p ON p.id = c.payer_id\n")
	}
	b.WriteString("        WHERE c.tenant_id = t.id AND c.org_id = ANY (v.orgs)\n")
	cond := func(c string) { b.WriteString("          AND " + c + "\n") }
	sh.claimFilters.write(cond, param)
	switch sh.statuses {
	case 1:
		cond("c.status = " + param("text"))
	case 2:
		// Several statuses: a page per status (s, the statuses listed
		// once each), each in claims_tenant_status's order.
		cond("c.status = s.status")
	}
	if sh.after {
		if sh.sort == rcm.SortCreated {
			// The key is '': the cursor is an inclusive bound on the ID
			// (createdBound), the index's range.
			if sh.desc {
				cond("c.id <= " + param("uuid"))
			} else {
				cond("c.id >= " + param("uuid"))
			}
		} else {
			// (key < k OR (key = k AND id < i)), as a row comparison: the
			// same rows (the key is never NULL but for a claim without a
			// date of service, which neither form keeps), and the
			// sort's index's range.
			k := param("text")
			cond("(" + key + ", c.id) " + cmp + " (" + k + ", " + param("uuid") + ")")
		}
	}
	if sh.sort == rcm.SortCreated {
		b.WriteString("        ORDER BY c.id" + dir + "\n")
	} else {
		b.WriteString("        ORDER BY " + key + dir + ", c.id" + dir + "\n")
	}
	b.WriteString(`        LIMIT ` + strconv.Itoa(int(sh.limit)) + "\n")
	if sh.createdRange() {
		b.WriteString(`        ) AS k
        JOIN claims c ON c.id = k.id
`)
	}
	b.WriteString(`    ) AS y
)
SELECT x.id::text AS id, x.org_id::text AS org_id, x.status, x.payer_id::text AS payer_id, p.name AS payer_name,
       x.provider_id::text AS provider_id, trim(pr.first_name || ' ' || pr.last_name)::text AS provider_name,
       x.patient_control_number, x.total_cents, x.paid_cents, x.attempt, x.created_at, x.updated_at,
       x.patient_id::text AS patient_id, to_char(x.date_of_service, 'YYYY-MM-DD')::text AS date_of_service,
       (CASE WHEN x.status = ANY ($4::text[]) THEN 0
             ELSE greatest(0, x.payer_owed_cents) END)::bigint AS balance_cents,
       x.sort_key::text AS sort_key
FROM x
JOIN payers p ON p.id = x.payer_id
JOIN providers pr ON pr.id = x.provider_id
ORDER BY x.sort_key` + dir + `, x.id` + dir + `
LIMIT $3`)
	s := b.String()
	listSQLCache.Store(sh, s)
	return s
}

// listStatement is the shape and arguments of params' page (a list
// without a search); ok is false when the family has no statement for it
// (listGeneric), and empty when no claim can come after the cursor.
func listStatement(p pgq.DashClaimsSortedParams) (sh listShape, args []any, empty, ok bool) {
	if p.Criteria != 0 || !listSortable(p.Sort) {
		return sh, nil, false, false
	}
	sh = listShape{sort: p.Sort, desc: p.Descending, claimFilters: filtersOf(p), limit: p.RowLimit}
	var statuses []string
	if p.Statuses != nil {
		// string_to_array(statuses, ','): "" is no filter (nullText).
		statuses = strings.Split(*p.Statuses, ",")
		sh.statuses = min(len(statuses), 2)
	}
	if !sh.generic() || (sh.createdRange() && p.CreatedTo.Sub(*p.CreatedFrom) > createdRangeMax) {
		return sh, nil, false, false
	}
	// In the order sql numbers them.
	args = []any{p.Actor, p.Perm, p.RowLimit, p.Closed}
	if sh.statuses == 2 {
		args = append(args, statuses)
	}
	args = sh.claimFilters.args(args, p)
	if sh.statuses == 1 {
		args = append(args, statuses[0])
	}
	if p.AfterID != nil {
		if _, err := uuid.Parse(*p.AfterID); err != nil {
			return sh, nil, false, false
		}
		sh.after = true
		if p.Sort == rcm.SortCreated {
			bound, some, valid := createdBound(p)
			if !valid {
				return sh, nil, false, false
			}
			if !some {
				return sh, nil, true, true
			}
			args = append(args, bound)
		} else {
			args = append(args, p.AfterKey, *p.AfterID)
		}
	}
	return sh, args, false, true
}

// generic reports whether the shape's generic plan is the one its values
// would get, whatever they are: the page is read in the order of one
// index that applies the shape's selective condition, if it has one, as
// an index condition, so the rows read do not depend on how many claims
// the filter matches. Newest first, that is at most one of a status
// (claims_tenant_status; several statuses a page each), a payer
// (claims_tenant_payer) or a provider (claims_tenant_provider); by
// balance, at most a status or several (claims_tenant_status_balance,
// 00178); in the other sorts (date of service, status, payer), none of
// them.
// The amount (no index has it) and the created range are left to
// DashClaimsSorted's custom plan: a generic plan takes a range of unknown
// values for a small one and sorts what it matches instead of reading
// the sort's index (for the amount, seen at the full size's 50,000 claims
// a tenant). The exception is a created range alone in the created sort
// (createdRange; at most createdRangeMax wide, listStatement), whose
// statement reads the range from claims_tenant_created and sorts it by
// design: what it reads is the range's index entries, whatever the plan
// takes the range for.
func (sh listShape) generic() bool {
	n := 0
	for _, f := range []bool{sh.statuses > 0, sh.payer, sh.provider} {
		if f {
			n++
		}
	}
	if sh.createdRange() && !sh.min && !sh.max {
		return n == 0
	}
	if sh.from || sh.to || sh.min || sh.max {
		return false
	}
	switch sh.sort {
	case rcm.SortCreated:
		return n <= 1
	case rcm.SortBalance:
		// A status, or several (a page each): claims_tenant_status_balance
		// (00178).
		return n == 0 || (n == 1 && sh.statuses > 0)
	}
	return n == 0
}

// dashClaimsListed reads the page of a list without a search (ok false
// when listStatement has no statement for it), its generic plan forced
// (ForceGenericPlans, in the same round trip): the caller queues
// AutoPlans ahead of its next statements, as after DashClaimsSorted.
func dashClaimsListed(ctx context.Context, tx pgx.Tx, p pgq.DashClaimsSortedParams) ([]pgq.DashClaimsSortedRow, bool, error) {
	sh, args, empty, ok := listStatement(p)
	if !ok {
		return nil, false, nil
	}
	if empty {
		return []pgq.DashClaimsSortedRow{}, true, nil
	}
	out := []pgq.DashClaimsSortedRow{}
	b := &pgx.Batch{}
	b.Queue(q("ForceGenericPlans"))
	b.Queue(sh.sql(), args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var i pgq.DashClaimsSortedRow
			if err := rows.Scan(&i.ID, &i.OrgID, &i.Status, &i.PayerID, &i.PayerName, &i.ProviderID, &i.ProviderName,
				&i.PatientControlNumber, &i.TotalCents, &i.PaidCents, &i.Attempt, &i.CreatedAt, &i.UpdatedAt,
				&i.PatientID, &i.DateOfService, &i.BalanceCents, &i.SortKey); err != nil {
				return err
			}
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, true, tx.SendBatch(ctx, b).Close()
}
