// Package store is claimflow's Postgres adapter (pgx/v5): connection pool,
// database creation, embedded migrations (goose) and the queries, which live
// in .sql files in this folder.
//
// The records services (organisations, users, providers, payers, patients,
// coverages, availability, appointments, series, waitlist, encounters,
// claims) take an Actor and run as one transaction each: they check the
// record's organisation against the actor's grants (a role granted at an
// organisation covers its subtree; outside it a record is ErrNotFound),
// seal PHI columns under a per-record data key from Keys (UseKeys), and
// append a row to the hash-chained audit log in the same transaction for
// every PHI read or write. Operator tools and workflows act as System.
//
// Entry points other parts use: GetClaimBundle (a claim with its encounter,
// charges, patient, coverage, provider and payer, for an 837),
// RecordClaimProgress (the claim workflow's status writes, checked
// against the rcm lifecycle), Book/Reschedule/Cancel (Postgres refuses
// double booking; a clash is *SlotConflict), JoinWaitlist, ListWaitlist,
// MarkWaitlistBooked, VerifyAudit, RotateKeys.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/claimflow/claimflow/migrations"
	"github.com/claimflow/claimflow/schemas"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Store wraps the pool. Each service method opens one transaction.
type Store struct {
	Pool *pgxpool.Pool

	keys   Keys
	policy AuthPolicy
	now    func() time.Time
	tokens tokenCache
	// bookings batches concurrent Book calls (bookbatch.go), idem the
	// idempotency-key writes around keyed POSTs (idempotency.go).
	bookings bookingQueue
	idem     idemQueues
	// passwordChecks counts sign-ins' argon2id checks (PasswordChecks).
	passwordChecks atomic.Int64
	// searchCap overrides searchIDCap when set (tests).
	searchCap int
}

// UseKeys sets the envelope-encryption keys; the records services (which
// seal PHI) and the audit chain need them.
func (s *Store) UseKeys(k Keys) { s.keys = k }

// UsePolicy sets session lifetimes and the lockout.
func (s *Store) UsePolicy(p AuthPolicy) { s.policy = p }

// UseClock replaces time.Now (tests of timeouts).
func (s *Store) UseClock(now func() time.Time) { s.now = now }

// DefaultPoolSize is the least Postgres connections a store opens when
// DATABASE_URL sets no pool_max_conns (four per CPU when that is more).
const DefaultPoolSize = 16

// Open connects to url, creating the database first when it is missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if err := EnsureDatabase(ctx, dsn); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse DATABASE_URL: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default (the larger of 4 and the CPU count) starves an API
		// server on a small machine; booking batches take an eighth.
		cfg.MaxConns = int32(max(DefaultPoolSize, 4*runtime.NumCPU()))
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUUIDCodec(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	go dummyHash() // made beside the first requests, not by the first unknown login
	return &Store{Pool: pool, policy: DefaultAuthPolicy, now: time.Now}, nil
}

// Close releases the pool.
func (s *Store) Close() { s.Pool.Close() }

// Ping reports whether Postgres answers.
func (s *Store) Ping(ctx context.Context) error { return s.Pool.Ping(ctx) }

// EnsureDatabase creates the database named in dsn when it does not exist,
// by connecting to the server's "postgres" database.
func EnsureDatabase(ctx context.Context, dsn string) error {
	// Parse as a pool config so pool settings in the URL (pool_max_conns)
	// are accepted and not sent to the server.
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("store: parse DATABASE_URL: %w", err)
	}
	cfg := pcfg.ConnConfig
	name := cfg.Database
	if name == "" || name == "postgres" {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return fmt.Errorf("store: connect: %w", err)
	}
	admin := cfg.Copy()
	admin.Database = "postgres"
	ac, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("store: connect to create database: %w", err)
	}
	defer ac.Close(ctx)
	_, err = ac.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && !isDuplicateDatabase(err) {
		return fmt.Errorf("store: create database: %w", err)
	}
	return nil
}

func isDuplicateDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505")
}

// WithDatabase returns dsn pointing at another database on the same server.
func WithDatabase(dsn, db string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		// keyword/value form
		if strings.Contains(dsn, "dbname=") {
			fields := strings.Fields(dsn)
			for i, f := range fields {
				if strings.HasPrefix(f, "dbname=") {
					fields[i] = "dbname=" + db
				}
			}
			return strings.Join(fields, " "), nil
		}
		return dsn + " dbname=" + db, nil
	}
	u.Path = "/" + db
	return u.String(), nil
}

// DropDatabase removes db from the server dsn points at (used by tests).
func DropDatabase(ctx context.Context, dsn, db string) error {
	admin, err := WithDatabase(dsn, "postgres")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	return err
}

func (s *Store) provider() (*goose.Provider, *sql.DB, error) {
	db := stdlib.OpenDBFromPool(s.Pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		// Migrations are numbered in ranges per area; a lower number added
		// after a higher one was applied still runs.
		goose.WithAllowOutofOrder(true))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, db, nil
}

// MigrateUp applies every pending migration and returns how many ran.
// With its keys set (UseKeys), it then fills the blind indexes a migration
// added for the rows written before it (BackfillBlindIndexes).
func (s *Store) MigrateUp(ctx context.Context) (int, error) {
	p, db, err := s.provider()
	if err != nil {
		return 0, err
	}
	defer db.Close()
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate up: %w", err)
	}
	// The sample payer directory's missing entries (issue 19).
	if err := s.seedPayerDirectory(ctx, schemas.PayerDirectory); err != nil {
		return len(res), fmt.Errorf("store: seed the payer directory: %w", err)
	}
	if s.keys != nil {
		if _, err := s.BackfillBlindIndexes(ctx); err != nil {
			return len(res), fmt.Errorf("store: backfill blind indexes: %w", err)
		}
	}
	return len(res), nil
}

// MigrateDown rolls back the newest applied migration.
func (s *Store) MigrateDown(ctx context.Context) error {
	p, db, err := s.provider()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("store: migrate down: %w", err)
	}
	return nil
}

// MigrateStatus writes one line per migration: version, state, file.
func (s *Store) MigrateStatus(ctx context.Context, w io.Writer) error {
	p, db, err := s.provider()
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate status: %w", err)
	}
	for _, m := range st {
		applied := "pending"
		if m.State == goose.StateApplied {
			applied = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%05d\t%s\t%s\n", m.Source.Version, applied, m.Source.Path)
	}
	return nil
}

// PutSmokeRun writes the row once; repeating it changes nothing.
func (s *Store) PutSmokeRun(ctx context.Context, r SmokeRun) error {
	return pgq.New(s.Pool).InsertSmokeRun(ctx, pgq.InsertSmokeRunParams{ID: r.ID, Message: r.Message, WrittenBy: r.WrittenBy})
}

// GetSmokeRun reads the row back.
func (s *Store) GetSmokeRun(ctx context.Context, id string) (SmokeRun, error) {
	r, err := pgq.New(s.Pool).GetSmokeRun(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return SmokeRun{}, ErrNotFound
	}
	return SmokeRun(r), err
}
