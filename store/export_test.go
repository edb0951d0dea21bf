package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// BatchBooking and BookBatchForTest let the external tests drive one batch
// transaction directly (bookbatch.go), without depending on timing to make
// the queue form one.
type BatchBooking struct {
	Actor   Actor
	Booking Booking
}

type BatchResult struct {
	Appointment Appointment
	Err         error
}

func (s *Store) BookBatchForTest(ctx context.Context, in []BatchBooking) []BatchResult {
	calls := make([]*call[bookIn, Appointment], len(in))
	for i, c := range in {
		b := c.Booking
		calls[i] = &call[bookIn, Appointment]{ctx: ctx, in: bookIn{a: c.Actor,
			x: Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt.UTC(), EndsAt: b.EndsAt.UTC()}}}
	}
	s.bookBatch(ctx, append([]*call[bookIn, Appointment](nil), calls...))
	out := make([]BatchResult, len(in))
	for i, c := range calls {
		out[i] = BatchResult{c.out, c.err}
	}
	return out
}

// ExplainDashClaims returns the plans Postgres makes for the worklist's
// queries (the list and its counts) under f, with the values they run with.
func (s *Store) ExplainDashClaims(ctx context.Context, a Actor, f DashClaimFilter, p Page) ([]string, error) {
	var plans []string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		x := explainTx{Tx: tx, plans: &plans}
		if _, _, err := s.dashClaimsPage(ctx, x, a, f, p); err != nil {
			return err
		}
		xs, err := s.searchArgs(f)
		if err != nil {
			return err
		}
		_, err = pgq.New(x).DashStatusCounts(ctx, pgq.DashStatusCountsParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
			Criteria: xs.criteria, ClaimID: xs.claim, Pcn: xs.pcn, PayerClaim: xs.payerClaim, Member: xs.member, FirstName: xs.first,
			LastName: xs.last, DosFrom: xs.dosFrom, DosTo: xs.dosTo, Q: xs.q, QMember: xs.qMember, QLast: xs.qLast, QFirst: xs.qFirst,
			QPairFirst: xs.qPairFirst, QPairLast: xs.qPairLast, QDos: xs.qDOS})
		return err
	})
	return plans, err
}

// explainTx records the plan of every worklist query it runs.
type explainTx struct {
	pgx.Tx
	plans *[]string
}

func (x explainTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if strings.Contains(sql, "dash_claims(") {
		if err := x.explain(ctx, sql, args); err != nil {
			return nil, err
		}
	}
	// The search's own statements (searchClaimIDs, DashClaimsByIDs) run
	// with the cached generic plan after five executions: both plans.
	if strings.Contains(sql, "-- name: SearchClaimsBy") || strings.Contains(sql, "-- name: DashClaimsByIDs") {
		if err := x.explain(ctx, sql, args); err != nil {
			return nil, err
		}
		if err := x.explainGeneric(ctx, sql, args); err != nil {
			return nil, err
		}
	}
	return x.Tx.Query(ctx, sql, args...)
}

// SendBatch records both plans of a list's DashClaimsListed statement
// (store/worklist_list.go: sent in a batch, run with its generic plan).
func (x explainTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	for _, qq := range b.QueuedQueries {
		if strings.HasPrefix(qq.SQL, "-- DashClaimsListed") {
			err := x.explain(ctx, qq.SQL, qq.Arguments)
			if err == nil {
				err = x.explainGeneric(ctx, qq.SQL, qq.Arguments)
			}
			if err != nil {
				*x.plans = append(*x.plans, "EXPLAIN failed: "+err.Error())
			}
		}
	}
	return x.Tx.SendBatch(ctx, b)
}

// explainGeneric records the generic plan of sql (EXPLAIN plans a
// statement with its parameters' values; a prepared one's cached plan is
// EXPLAIN EXECUTE's, whose arguments are literals here).
func (x explainTx) explainGeneric(ctx context.Context, sql string, args []any) error {
	if _, err := x.Tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
		return err
	}
	if _, err := x.Tx.Exec(ctx, "PREPARE explain_generic AS "+sql); err != nil {
		return err
	}
	defer func() { _, _ = x.Tx.Exec(context.WithoutCancel(ctx), "DEALLOCATE explain_generic") }()
	var types []string
	if err := x.Tx.QueryRow(ctx, `SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'explain_generic'`).Scan(&types); err != nil {
		return err
	}
	lits := make([]string, len(args))
	for i, arg := range args {
		var lit string
		if err := x.Tx.QueryRow(ctx, fmt.Sprintf("SELECT quote_nullable($1::%s::text) || '::%s'", types[i], types[i]), arg).Scan(&lit); err != nil {
			return err
		}
		lits[i] = lit
	}
	if err := x.explain(ctx, "EXECUTE explain_generic ("+strings.Join(lits, ", ")+")", nil); err != nil {
		return err
	}
	_, err := x.Tx.Exec(ctx, "SET LOCAL plan_cache_mode = auto")
	return err
}

func (x explainTx) explain(ctx context.Context, sql string, args []any) error {
	rows, err := x.Tx.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		return err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	*x.plans = append(*x.plans, strings.Join(lines, "\n"))
	return nil
}

// TracedCopy is a store on a second pool to the same database that records
// the SQL and arguments of every statement it runs (for EXPLAIN).
func (s *Store) TracedCopy(ctx context.Context, dsn string) (*Store, *StatementLog, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	log := &StatementLog{}
	cfg.ConnConfig.Tracer = log
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUUIDCodec(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return &Store{Pool: pool, keys: s.keys, policy: s.policy, now: s.now}, log, nil
}

// TracedStatement is one statement a TracedCopy ran.
type TracedStatement struct {
	SQL  string
	Args []any
}

// StatementLog records statements, those sent in batches too
// (pgx.QueryTracer, pgx.BatchTracer), and counts round trips: a statement
// sent alone or a batch is one.
type StatementLog struct {
	mu    sync.Mutex
	list  []TracedStatement
	trips int
}

func (l *StatementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.list = append(l.list, TracedStatement{SQL: d.SQL, Args: d.Args})
	l.trips++
	l.mu.Unlock()
	return ctx
}

func (l *StatementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *StatementLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	l.mu.Lock()
	l.trips++
	l.mu.Unlock()
	return ctx
}

func (l *StatementLog) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	l.mu.Lock()
	l.list = append(l.list, TracedStatement{SQL: d.SQL, Args: d.Args})
	l.mu.Unlock()
}

func (l *StatementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TakeTrips returns the round trips counted since the last TakeTrips.
func (l *StatementLog) TakeTrips() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.trips
	l.trips = 0
	return n
}

// PageNamesReadForTest runs a page's scope and names batch (patientNames'
// queue) for the rows (organisation, patient) as a, and returns the IDs of
// the patients whose sealed names Postgres sent back (or, for the system,
// that open reads).
func (s *Store) PageNamesReadForTest(ctx context.Context, a Actor, orgs, patients []string) ([]string, error) {
	var ids []string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		n := s.patientNames(tx, a)
		refs := make([]patientRef, len(orgs))
		for i := range orgs {
			refs[i] = patientRef{orgs[i], patients[i]}
		}
		b := &pgx.Batch{}
		n.queue(b, refs)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		for _, r := range n.sealed {
			ids = append(ids, r.ID)
		}
		ids = append(ids, n.unscoped...) // the system's, read by open
		return nil
	})
	return ids, err
}

// Take returns the statements recorded since the last Take.
func (l *StatementLog) Take() []TracedStatement {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.list
	l.list = nil
	return out
}

// DashClaimsParamsForTest are DashClaimsSorted's parameters for one page
// of the filter (the worklist oracle test runs the old query with them).
func (s *Store) DashClaimsParamsForTest(a Actor, f DashClaimFilter, p Page) (pgq.DashClaimsSortedParams, bool, error) {
	return s.dashClaimsParams(a, f, p)
}

// DashClaimsRowsForTest reads one page of the worklist as DashClaims does
// (without the names and the audit) and says which path read it: "ids"
// (the search resolved to claim IDs), "patients" (a first name's patients,
// firstNamePage), "listed" (DashClaimsListed) or "sorted"
// (DashClaimsSorted).
func (s *Store) DashClaimsRowsForTest(ctx context.Context, a Actor, f DashClaimFilter, p Page) (rows []pgq.DashClaimsSortedRow, path string, err error) {
	params, none, err := s.dashClaimsParams(a, f, p)
	if err != nil || none {
		return nil, "", err
	}
	err = s.tx(ctx, func(tx pgx.Tx) (err error) {
		var custom bool
		rows, custom, path, err = s.dashClaimsRowsPath(ctx, tx, params)
		if err == nil && custom {
			err = pgq.New(tx).AutoPlans(ctx)
		}
		return err
	})
	return rows, path, err
}

// SetSearchIDCapForTest sets how many claims a search criterion may match
// for the page to be read by ID (0: searchIDCap).
func (s *Store) SetSearchIDCapForTest(n int) { s.searchCap = n }

// AuditForTest appends entries to the audit chain in one transaction, as a
// listing does (queueAuditRows: one statement for several rows).
func (s *Store) AuditForTest(ctx context.Context, a Actor, entries ...AuditEntry) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return s.audit(ctx, tx, a, entries...) })
}

// RegisterUUIDCodecForTest is registerUUIDCodec.
func RegisterUUIDCodecForTest(m *pgtype.Map) { registerUUIDCodec(m) }
