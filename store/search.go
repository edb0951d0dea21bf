package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The claims worklist's search, sorts and export (store/search.sql), and
// each user's saved filters.

// Blind-index domains of the searchable patient and coverage fields.
const (
	firstNameDomain = "patients.first_name"
	lastNameDomain  = "patients.last_name"
	memberIDDomain  = "coverages.member_id"
)

// searchArgs are dash_claims' search parameters for f (migrations/00150):
// the criteria count and each criterion, names and member IDs as blind
// indexes. none is set when the criteria cannot all hold (two different
// claim IDs), so nothing matches.
type searchArgs struct {
	criteria                             int32
	claim, pcn, payerClaim, q            *string
	member, first, last, qMember         []byte
	dosFrom, dosTo, qDOS                 *time.Time
	qLast, qFirst, qPairFirst, qPairLast [][]byte
	none                                 bool
}

func (s *Store) searchArgs(f DashClaimFilter) (searchArgs, error) {
	var x searchArgs
	fs := f.Search
	str := func(v string) *string {
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		x.criteria++
		return &v
	}
	idx := func(domain, v string) []byte {
		if normalize(v) == "" {
			return nil
		}
		x.criteria++
		return s.bidx(domain, v)
	}
	claim := f.ClaimID
	m := rcm.Meanings(fs.Q)
	if m.ClaimID != "" {
		if claim != "" && claim != m.ClaimID {
			x.none = true
		}
		claim = m.ClaimID
	}
	x.claim = str(claim)
	x.pcn = str(fs.PatientControlNumber)
	x.payerClaim = str(fs.PayerClaimNumber)
	x.member = idx(memberIDDomain, fs.MemberID)
	x.first = idx(firstNameDomain, fs.FirstName)
	x.last = idx(lastNameDomain, fs.LastName)
	var err error
	if x.dosFrom, err = searchDate("/dos_from", fs.DOSFrom); err != nil {
		return x, err
	}
	if x.dosTo, err = searchDate("/dos_to", fs.DOSTo); err != nil {
		return x, err
	}
	if x.dosFrom != nil || x.dosTo != nil {
		x.criteria++
	}
	if m.Text == "" {
		return x, nil
	}
	x.criteria++
	x.q = &m.Text
	x.qMember = s.bidx(memberIDDomain, m.Text)
	for _, n := range m.Names {
		if normalize(n) != "" {
			x.qLast = append(x.qLast, s.bidx(lastNameDomain, n))
			x.qFirst = append(x.qFirst, s.bidx(firstNameDomain, n))
		}
	}
	for _, p := range m.Pairs {
		if normalize(p[0]) != "" && normalize(p[1]) != "" {
			x.qPairFirst = append(x.qPairFirst, s.bidx(firstNameDomain, p[0]))
			x.qPairLast = append(x.qPairLast, s.bidx(lastNameDomain, p[1]))
		}
	}
	if m.DOS != "" {
		if x.qDOS, err = searchDate("/q", m.DOS); err != nil {
			return x, err
		}
	}
	return x, nil
}

func searchDate(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: field, Detail: "must be a date (YYYY-MM-DD)"}}}
	}
	return &t, nil
}

// DashClaims lists the visible claims that match the filter and its
// search, one page at a time under the filter's sort (newest first by
// default). Each listed claim is audited as ListClaims does; the patient's
// name is read only where the actor holds patient:read.
func (s *Store) DashClaims(ctx context.Context, a Actor, f DashClaimFilter, p Page) ([]DashClaim, string, error) {
	var out []DashClaim
	next := ""
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		out, next, err = s.dashClaimsPage(ctx, tx, a, f, p)
		return err
	})
	return out, next, err
}

// EachDashClaim calls fn with every visible claim that matches the filter,
// a page of up to 200 at a time in the filter's sort, each page read and
// audited in its own transaction (an export of any size).
func (s *Store) EachDashClaim(ctx context.Context, a Actor, f DashClaimFilter, fn func([]DashClaim) error) error {
	p := Page{Limit: 200}
	for {
		page, next, err := s.DashClaims(ctx, a, f, p)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		p.After = next
	}
}

// dashClaimsParams are DashClaimsSorted's parameters for one page of the
// filter; none is set when nothing can match.
func (s *Store) dashClaimsParams(a Actor, f DashClaimFilter, p Page) (params pgq.DashClaimsSortedParams, none bool, err error) {
	sort := f.Sort
	if sort.Key == "" {
		sort = rcm.DefaultClaimSort
	}
	after, err := rcm.DecodeSortCursor(p, sort)
	if err != nil {
		return params, false, err
	}
	x, err := s.searchArgs(f)
	if err != nil || x.none {
		return params, true, err
	}
	params = pgq.DashClaimsSortedParams{Closed: rcm.PayerClosedStatuses(), Actor: nullText(a.UserID), Perm: PermClaimRead,
		PayerID: nullText(f.PayerID), ProviderID: nullText(f.ProviderID), CreatedFrom: f.From, CreatedTo: f.To,
		MinCents: f.MinCents, MaxCents: f.MaxCents, Criteria: x.criteria, ClaimID: x.claim, Pcn: x.pcn, PayerClaim: x.payerClaim,
		Member: x.member, FirstName: x.first, LastName: x.last, DosFrom: x.dosFrom, DosTo: x.dosTo, Q: x.q, QMember: x.qMember,
		QLast: x.qLast, QFirst: x.qFirst, QPairFirst: x.qPairFirst, QPairLast: x.qPairLast, QDos: x.qDOS,
		Sort: sort.Key, Statuses: nullText(f.Status), Descending: sort.Desc, RowLimit: int32(p.Size())}
	if after != nil {
		params.AfterKey, params.AfterID = after.Key, &after.ID
	}
	return params, false, nil
}

func (s *Store) dashClaimsPage(ctx context.Context, tx pgx.Tx, a Actor, f DashClaimFilter, p Page) ([]DashClaim, string, error) {
	params, none, err := s.dashClaimsParams(a, f, p)
	if err != nil && !none {
		return nil, "", err
	}
	if none {
		return []DashClaim{}, "", err
	}
	rows, custom, err := s.dashClaimsRowsCustom(ctx, tx, params)
	if err != nil {
		return nil, "", err
	}
	out := make([]DashClaim, len(rows))
	for i, r := range rows {
		out[i] = DashClaim{ID: r.ID, OrgID: r.OrgID, Status: r.Status, PayerID: r.PayerID, PayerName: r.PayerName,
			ProviderID: r.ProviderID, ProviderName: r.ProviderName, PatientControlNumber: r.PatientControlNumber,
			TotalCents: r.TotalCents, PaidCents: r.PaidCents, Attempt: int(r.Attempt), CreatedAt: r.CreatedAt,
			UpdatedAt: r.UpdatedAt, PatientID: r.PatientID, DateOfService: r.DateOfService, BalanceCents: r.BalanceCents}
	}
	if err := s.revealAndAudit(ctx, tx, a, out, custom); err != nil {
		return nil, "", err
	}
	if len(rows) == 0 || len(rows) < p.Size() {
		return out, "", nil
	}
	last := rows[len(rows)-1]
	sort := f.Sort
	if sort.Key == "" {
		sort = rcm.DefaultClaimSort
	}
	return out, rcm.SortCursor{Sort: sort.Key, Order: sort.Order(), Key: last.SortKey, ID: last.ID}.Encode(), nil
}

// searchIDCap bounds the claims one search criterion may match for the
// page to be read by ID: DashClaimsByIDs reads and sorts every matching
// claim (about 4 µs of Postgres CPU each), so a search that matches more
// (a common first name: 1/26 of a tenant's claims with the generator's
// names, a range of dates of service) takes DashClaimsSorted, which reads
// a tenant's index in the sort's order and stops after the page; the
// criterion's statement stops at searchIDCap+1 claims, so the detour
// costs about a millisecond.
const searchIDCap = 200

func (s *Store) searchIDCap() int {
	if s.searchCap != 0 {
		return s.searchCap
	}
	return searchIDCap
}

// dashClaimsRowsCustom reads one page of the worklist. A search is
// resolved to its claims first (searchClaimIDs: small statements, one index path each)
// and the page read among them by ID (DashClaimsByIDs); each of these
// keeps its generic plan, planned once per connection. A list without a
// search reads its shape's DashClaimsListed statement, with its generic
// plan (store/worklist_list.go). DashClaimsSorted, which has to be
// planned with its parameters' values on every request (4-13 ms for a
// search, about 1 ms for a list, against 0.2-1 ms to run it), is left to
// the lists whose shape has no such statement and the searches that
// match more than searchIDCap claims (but for a first name alone in the
// created sort, read among its patients: firstNamePage). It leaves the
// transaction's plan mode changed (forced custom or generic plans) when
// custom is set: the caller queues AutoPlans ahead of its next statements
// (revealAndAudit's batch) rather than spending a round trip on it.
func (s *Store) dashClaimsRowsCustom(ctx context.Context, tx pgx.Tx, params pgq.DashClaimsSortedParams) (_ []pgq.DashClaimsSortedRow, custom bool, _ error) {
	rows, custom, _, err := s.dashClaimsRowsPath(ctx, tx, params)
	return rows, custom, err
}

// dashClaimsRowsPath is dashClaimsRowsCustom, also saying which path read
// the page: "ids" (a search resolved to claim IDs, DashClaimsByIDs),
// "patients" (a first name's patients, firstNamePage), "listed" (a list's
// DashClaimsListed) or "sorted" (DashClaimsSorted).
func (s *Store) dashClaimsRowsPath(ctx context.Context, tx pgx.Tx, params pgq.DashClaimsSortedParams) (_ []pgq.DashClaimsSortedRow, custom bool, path string, _ error) {
	db := pgq.New(tx)
	if params.Criteria > 0 {
		// A first name alone in the created sort: its patients first. A
		// name of many patients (more than one per searchIDCap/10 claims
		// the by-ID path may read) reads its page among them directly;
		// the by-ID detour would read searchIDCap+1 of their claims from
		// the table and give up.
		patients, usable, err := s.firstNamePatients(ctx, db, params)
		if err != nil {
			return nil, false, "", err
		}
		if !usable || len(patients)*searchClaimsPerPatient <= s.searchIDCap() {
			ids, ok, err := s.searchClaimIDs(ctx, db, params)
			if err != nil {
				return nil, false, "", err
			}
			if ok {
				rows, err := dashClaimsByIDs(ctx, db, params, ids)
				return rows, false, "ids", err
			}
		}
		if usable {
			rows, err := s.firstNamePage(ctx, tx, db, params, patients)
			return rows, false, "patients", err
		}
	}
	// A list without a search: its shape's statement, planned once per
	// connection (store/worklist_list.go).
	if rows, ok, err := dashClaimsListed(ctx, tx, params); ok || err != nil {
		return rows, ok, "listed", err
	}
	// DashClaimsSorted folds to one sort's order and index only when planned
	// with its parameters' values: a generic plan of the prepared statement
	// (which Postgres may switch to after five executions) sorts every
	// visible claim.
	if err := db.ForceCustomPlans(ctx); err != nil {
		return nil, false, "", err
	}
	// The statements after it (the page's patients, the audit rows) are
	// to be planned once per connection again: the caller sets AutoPlans.
	rows, err := db.DashClaimsSorted(ctx, params)
	return rows, true, "sorted", err
}

// searchPatientCap bounds the patients a first-name search may match for
// its page to be read by firstNamePage (the patients' IDs are a parameter
// of the page's statement, compared with each claim it reads).
const searchPatientCap = 2000

// searchClaimsPerPatient is the claims a patient is taken to have when a
// first name's patients decide its path (dashClaimsRowsPath): with more
// than searchIDCap/searchClaimsPerPatient patients the name goes straight
// to firstNamePage. Only the path depends on it, not the rows (both paths
// list the same claims). The generator's patients have 10 claims each.
const searchClaimsPerPatient = 10

// firstNamePatients are the visible patients of a search by first name
// alone in the created sort (the worklist's default), for firstNamePage;
// usable is false for any other search or sort, or more than
// searchPatientCap patients.
func (s *Store) firstNamePatients(ctx context.Context, db *pgq.Queries, p pgq.DashClaimsSortedParams) (_ []string, usable bool, _ error) {
	if !firstNameOnly(p) {
		return nil, false, nil
	}
	if _, _, valid := createdBound(p); !valid {
		return nil, false, nil
	}
	patients, err := db.SearchPatientsByFirstName(ctx, pgq.SearchPatientsByFirstNameParams{Name: p.FirstName, Actor: p.Actor,
		Perm: p.Perm, RowLimit: searchPatientCap + 1})
	if err != nil || len(patients) > searchPatientCap {
		return nil, false, err
	}
	return patients, true, nil
}

// firstNamePage reads one page of a search by first name alone in the
// created sort among the name's patients (firstNamePatients): each
// tenant's claims are read in ID order (claims_tenant_id, whose entries
// carry the patient and the organisation, 00181), skipping other
// patients' claims, until the page is full (dashClaimPageIDs, the page's
// limit in its text); DashClaimsByIDs reads the page. A name matching N
// of a tenant's C claims reads about page size × C/N index entries (1,300
// for a page of 50 at 1/26).
func (s *Store) firstNamePage(ctx context.Context, tx pgx.Tx, db *pgq.Queries, p pgq.DashClaimsSortedParams, patients []string) ([]pgq.DashClaimsSortedRow, error) {
	if len(patients) == 0 {
		return []pgq.DashClaimsSortedRow{}, nil
	}
	// The created sort's key is '' (the ID alone orders it): after a cursor
	// (key, id), DashClaimsSorted keeps the claims with ('', claim ID)
	// after (key, id) in the sort's direction; here that is an inclusive
	// bound on the ID.
	bound, some, _ := createdBound(p)
	if !some {
		return []pgq.DashClaimsSortedRow{}, nil
	}
	ids, err := dashClaimPageIDs(ctx, tx, p, patients, bound)
	if err != nil {
		return nil, err
	}
	return dashClaimsByIDs(ctx, db, p, ids)
}

// createdBound is the inclusive bound on the claim ID of the created
// sort's page after p's cursor: the highest ID (newest first) or the
// lowest (oldest first) a claim may have to come after it. A row's key is
// ”, so newest first a cursor key above ” passes every claim and ” the
// claims below the cursor's ID; oldest first no claim comes after a key
// above ” (some is false then, or when no ID is left). valid is false
// when the cursor's ID is not a UUID.
func createdBound(p pgq.DashClaimsSortedParams) (bound string, some, valid bool) {
	var id [16]byte
	if p.AfterID == nil || (p.Descending && p.AfterKey > "") {
		if p.Descending {
			for i := range id {
				id[i] = 0xff
			}
		}
		return uuidText(id), true, true
	}
	u, err := uuid.Parse(*p.AfterID)
	if err != nil {
		return "", false, false
	}
	if !p.Descending && p.AfterKey > "" {
		return "", false, true
	}
	id = u
	// One step past the cursor's ID in the sort's direction, with a
	// borrow or carry.
	for i := 15; i >= 0; i-- {
		switch {
		case p.Descending && id[i] != 0:
			id[i]--
			return uuidText(id), true, true
		case !p.Descending && id[i] != 0xff:
			id[i]++
			return uuidText(id), true, true
		case p.Descending:
			id[i] = 0xff
		default:
			id[i] = 0
		}
	}
	return "", false, true // the cursor is at the first or last possible ID
}

func uuidText(id [16]byte) string { return uuid.UUID(id).String() }

// firstNameOnly says whether p is a search by first name alone in the
// created sort (firstNamePage's searches).
func firstNameOnly(p pgq.DashClaimsSortedParams) bool {
	return p.Criteria == 1 && p.FirstName != nil && p.Sort == rcm.SortCreated
}

// searchClaimIDs resolves the search of params (dash_search's criteria) to
// the visible claims that match every given criterion: each criterion's
// claims from its own statement (the search box's meanings from one
// statement each, united: searchQueryIDs), intersected. ok is false when
// a criterion matches more than searchIDCap claims (the caller reads the
// page with DashClaimsSorted).
func (s *Store) searchClaimIDs(ctx context.Context, db *pgq.Queries, p pgq.DashClaimsSortedParams) ([]string, bool, error) {
	limit := s.searchIDCap()
	row := int32(limit + 1)
	var sets [][]string
	if p.ClaimID != nil {
		sets = append(sets, []string{*p.ClaimID})
	}
	criteria := []struct {
		given bool
		read  func() ([]string, bool, error)
	}{
		{p.Pcn != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByControlNumber(ctx, pgq.SearchClaimsByControlNumberParams{Pcn: deref(p.Pcn), Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.PayerClaim != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByPayerClaimNumber(ctx, pgq.SearchClaimsByPayerClaimNumberParams{PayerClaim: deref(p.PayerClaim), Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.Member != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByMemberID(ctx, pgq.SearchClaimsByMemberIDParams{Member: p.Member, Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.FirstName != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByFirstName(ctx, pgq.SearchClaimsByFirstNameParams{Names: [][]byte{p.FirstName}, Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.LastName != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByLastName(ctx, pgq.SearchClaimsByLastNameParams{Names: [][]byte{p.LastName}, Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.DosFrom != nil || p.DosTo != nil, func() ([]string, bool, error) {
			return capped(limit)(db.SearchClaimsByDOS(ctx, pgq.SearchClaimsByDOSParams{DosFrom: p.DosFrom, DosTo: p.DosTo, Actor: p.Actor, Perm: p.Perm, RowLimit: row}))
		}},
		{p.Q != nil, func() ([]string, bool, error) { return searchQueryIDs(ctx, db, p, limit) }},
	}
	for _, c := range criteria {
		if !c.given {
			continue
		}
		found, within, err := c.read()
		if err != nil || !within {
			return nil, false, err
		}
		sets = append(sets, found)
	}
	if len(sets) != int(p.Criteria) {
		return nil, false, errors.New("store: search criteria miscounted")
	}
	return intersect(sets), true, nil
}

// capped passes a criterion's claims on, ok unless there are more than
// limit.
func capped(limit int) func([]string, error) ([]string, bool, error) {
	return func(found []string, err error) ([]string, bool, error) {
		return found, err == nil && len(found) <= limit, err
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// searchQueryIDs resolves the search box's meanings (dash_search's
// criterion 8): the claims that match any of them, each meaning given
// read by its statement. ok is false when they match more than limit
// claims.
func searchQueryIDs(ctx context.Context, db *pgq.Queries, p pgq.DashClaimsSortedParams, limit int) ([]string, bool, error) {
	row := int32(limit + 1)
	meanings := []struct {
		given bool
		read  func() ([]string, error)
	}{
		{true, func() ([]string, error) {
			return db.SearchClaimsByControlNumber(ctx, pgq.SearchClaimsByControlNumberParams{Pcn: deref(p.Q), Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{true, func() ([]string, error) {
			return db.SearchClaimsByPayerClaimNumber(ctx, pgq.SearchClaimsByPayerClaimNumberParams{PayerClaim: deref(p.Q), Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{p.QMember != nil, func() ([]string, error) {
			return db.SearchClaimsByMemberID(ctx, pgq.SearchClaimsByMemberIDParams{Member: p.QMember, Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{len(p.QLast) > 0, func() ([]string, error) {
			return db.SearchClaimsByLastName(ctx, pgq.SearchClaimsByLastNameParams{Names: p.QLast, Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{len(p.QFirst) > 0, func() ([]string, error) {
			return db.SearchClaimsByFirstName(ctx, pgq.SearchClaimsByFirstNameParams{Names: p.QFirst, Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{len(p.QPairLast) > 0, func() ([]string, error) {
			return db.SearchClaimsByNamePair(ctx, pgq.SearchClaimsByNamePairParams{First: p.QPairFirst, Last: p.QPairLast, Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
		{p.QDos != nil, func() ([]string, error) {
			return db.SearchClaimsByDOS(ctx, pgq.SearchClaimsByDOSParams{DosFrom: p.QDos, DosTo: p.QDos, Actor: p.Actor, Perm: p.Perm, RowLimit: row})
		}},
	}
	var all []string
	for _, m := range meanings {
		if !m.given {
			continue
		}
		found, err := m.read()
		if err != nil || len(found) > limit {
			return nil, false, err
		}
		all = append(all, found...)
	}
	return all, len(all) <= limit, nil
}

// intersect returns the IDs that are in every set (each set's IDs are
// distinct or repeated; the result's are distinct).
func intersect(sets [][]string) []string {
	seen := make(map[string]int, len(sets[0]))
	for i, set := range sets {
		for _, id := range set {
			if seen[id] == i {
				seen[id] = i + 1
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id, n := range seen {
		if n == len(sets) {
			out = append(out, id)
		}
	}
	return out
}

// dashClaimsByIDs reads one page among the search's claims ids.
func dashClaimsByIDs(ctx context.Context, db *pgq.Queries, p pgq.DashClaimsSortedParams, ids []string) ([]pgq.DashClaimsSortedRow, error) {
	if len(ids) == 0 {
		return []pgq.DashClaimsSortedRow{}, nil
	}
	rows, err := db.DashClaimsByIDs(ctx, pgq.DashClaimsByIDsParams{Closed: p.Closed, Descending: p.Descending, Sort: p.Sort, Ids: ids,
		Actor: p.Actor, Perm: p.Perm, PayerID: p.PayerID, ProviderID: p.ProviderID, CreatedFrom: p.CreatedFrom, CreatedTo: p.CreatedTo,
		MinCents: p.MinCents, MaxCents: p.MaxCents, Statuses: p.Statuses, AfterID: p.AfterID, AfterKey: p.AfterKey, RowLimit: p.RowLimit})
	if err != nil {
		return nil, err
	}
	out := make([]pgq.DashClaimsSortedRow, len(rows))
	for i, r := range rows {
		out[i] = pgq.DashClaimsSortedRow(r)
	}
	return out, nil
}

// revealAndAudit fills in the patient names the actor may read
// (patient:read at the claim's organisation; else PatientMasked) and
// audits every listed claim with the fields shown. It costs two round
// trips whatever the page: one batch resetting the plan mode when
// autoPlans is set (dashClaimsRowsCustom), checking the scope of the
// page's organisations, reading the names and locking an audit chain's
// head, then one with the audit rows and the head's update.
func (s *Store) revealAndAudit(ctx context.Context, tx pgx.Tx, a Actor, out []DashClaim, autoPlans bool) error {
	b := &pgx.Batch{}
	if autoPlans {
		b.Queue(q("AutoPlans"))
	}
	if len(out) == 0 {
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	}
	names := s.patientNames(tx, a)
	refs := make([]patientRef, len(out))
	for i, c := range out {
		refs[i] = patientRef{c.OrgID, c.PatientID}
	}
	names.queue(b, refs)
	var h auditHead
	lock := !auditDeferred(ctx, tx)
	if lock {
		h.queueLock(b)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	if err := names.open(ctx); err != nil {
		return err
	}
	shown := []string{"status", "total_cents", "first_name", "last_name"}
	entries := make([]AuditEntry, len(out))
	for i := range out {
		c := &out[i]
		name, ok, err := names.name(ctx, c.OrgID, c.PatientID)
		if err != nil {
			return err
		}
		fields := shown[:2:2]
		if ok {
			c.PatientName = name
			fields = shown
		} else {
			c.PatientMasked = true
		}
		entries[i] = AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionList, Resource: "claim", ResourceID: c.ID, Fields: fields}
	}
	if !lock {
		return s.audit(ctx, tx, a, entries...)
	}
	return s.appendAudit(ctx, tx, &h, a, entries...)
}

// setFirstNameIndex writes the patient's first-name blind index (with the
// patient, in the same transaction).
func (s *Store) setFirstNameIndex(ctx context.Context, tx pgx.Tx, id, firstName string) error {
	return pgq.New(tx).SetPatientFirstNameIndex(ctx, pgq.SetPatientFirstNameIndexParams{ID: id, FirstNameBidx: firstNameIndex(s.bidx(firstNameDomain, firstName))})
}

// firstNameIndex stores an empty first name's index as empty bytes (not
// NULL, which marks a row the backfill has not reached).
func firstNameIndex(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// BackfillBlindIndexes computes the blind indexes that a migration added
// for rows written before it (the first name, 00150), a batch of rows per
// transaction; MigrateUp runs it when the store has its keys. It returns
// how many rows it filled.
func (s *Store) BackfillBlindIndexes(ctx context.Context) (int, error) {
	if s.keys == nil {
		return 0, errors.New("store: blind indexes need keys (UseKeys)")
	}
	total := 0
	for {
		n := 0
		err := s.tx(ctx, func(tx pgx.Tx) error {
			db := pgq.New(tx)
			rows, err := db.PatientsWithoutFirstNameIndex(ctx, 500)
			if err != nil {
				return err
			}
			n = len(rows)
			for _, r := range rows {
				dk, err := s.keys.DataKey(ctx, r.Dek)
				if err != nil {
					return err
				}
				first, err := sealer{dk, "patients", r.ID}.open("first_name", r.FirstName)
				if err != nil {
					return err
				}
				if err := s.setFirstNameIndex(ctx, tx, r.ID, first); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil || n < 500 {
			return total, err
		}
	}
}

// SavedFilters lists the actor's own saved worklist filters.
func (s *Store) SavedFilters(ctx context.Context, a Actor) ([]rcm.SavedFilter, error) {
	if !validID(a.UserID) {
		return []rcm.SavedFilter{}, nil
	}
	rows, err := pgq.New(s.Pool).ListSavedFilters(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]rcm.SavedFilter, len(rows))
	for i, r := range rows {
		out[i] = rcm.SavedFilter{ID: r.ID, Name: r.Name, Query: r.Query, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// MaxSavedFilters bounds how many filters one user keeps.
const MaxSavedFilters = 100

// SaveFilter saves a worklist filter for the actor, at their own
// organisation.
func (s *Store) SaveFilter(ctx context.Context, a Actor, f rcm.SavedFilter) (rcm.SavedFilter, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	if !validID(a.UserID) {
		return f, ErrUnauthenticated
	}
	f.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		n, err := db.CountSavedFilters(ctx, a.UserID)
		if err != nil {
			return err
		}
		if n >= MaxSavedFilters {
			return &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/name", Detail: "you have 100 saved filters: delete one first"}}}
		}
		f.CreatedAt, err = db.InsertSavedFilter(ctx, pgq.InsertSavedFilterParams{ID: f.ID, Name: f.Name, Query: f.Query, UserID: a.UserID})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrUnauthenticated
		}
		return err
	})
	return f, err
}

// DeleteSavedFilter deletes one of the actor's own saved filters
// (ErrNotFound for any other).
func (s *Store) DeleteSavedFilter(ctx context.Context, a Actor, id string) error {
	if !validID(id) || !validID(a.UserID) {
		return ErrNotFound
	}
	n, err := pgq.New(s.Pool).DeleteSavedFilter(ctx, pgq.DeleteSavedFilterParams{ID: id, UserID: a.UserID})
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}
