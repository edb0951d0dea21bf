package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// pgqBatch sends generated queries (store/internal/pgq) in one round trip
// and lets the generated code scan their rows. Each call is made twice:
// once against a recorder, which keeps its SQL and arguments for the
// batch, and once, after the batch is sent, against the batch's results,
// in the order queued. A call must therefore do nothing but the one query
// and keep its results (the recording pass returns errRecorded and no
// rows).
//
// The statements of a batch run in one implicit transaction (one Sync), so
// a setting made with set_config(..., true) first applies to the rest of
// the batch only (DashReceivablesGenericPlans).
type pgqBatch struct {
	b     pgx.Batch
	calls []func(*pgq.Queries) error
}

var errRecorded = errors.New("store: query recorded for a batch")

// add queues call's query.
func (p *pgqBatch) add(call func(*pgq.Queries) error) {
	var r pgqRecorder
	if err := call(pgq.New(&r)); !errors.Is(err, errRecorded) || r.sql == "" {
		panic("store: a batched call must make exactly one generated query")
	}
	p.b.Queue(r.sql, r.args...)
	p.calls = append(p.calls, call)
}

// run sends the batch and makes each call against its results.
func (p *pgqBatch) run(ctx context.Context, db interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}) error {
	br := db.SendBatch(ctx, &p.b)
	for _, call := range p.calls {
		if err := call(pgq.New(pgqResults{br})); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// pgqRecorder is the recording pass's pgq.DBTX.
type pgqRecorder struct {
	sql  string
	args []any
}

func (r *pgqRecorder) record(sql string, args []any) error {
	if r.sql != "" {
		panic("store: a batched call must make exactly one generated query")
	}
	r.sql, r.args = sql, args
	return errRecorded
}

func (r *pgqRecorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, r.record(sql, args)
}

func (r *pgqRecorder) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	return nil, r.record(sql, args)
}

func (r *pgqRecorder) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	return errRow{r.record(sql, args)}
}

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// pgqResults is the second pass's pgq.DBTX: the batch's next result,
// whatever the SQL (the same as recorded).
type pgqResults struct{ br pgx.BatchResults }

func (r pgqResults) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return r.br.Exec()
}

func (r pgqResults) Query(context.Context, string, ...any) (pgx.Rows, error) { return r.br.Query() }

func (r pgqResults) QueryRow(context.Context, string, ...any) pgx.Row { return r.br.QueryRow() }
