// Package testenv starts the real components integration tests run
// against: an isolated Postgres database per test, and a Temporal dev server
// from the CLI that tools/install.sh builds (make test builds it first).
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/migrations"
	"github.com/claimflow/claimflow/schemas"
	"github.com/claimflow/claimflow/store"
)

// BaseDatabaseURL is the server tests create their databases on:
// $CLAIMFLOW_TEST_DATABASE_URL, else the local server on 127.0.0.1:5432.
func BaseDatabaseURL() string {
	if u := os.Getenv("CLAIMFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var nonWord = regexp.MustCompile(`[^a-z0-9_]+`)

// DatabaseURL creates a fresh database for this test, already migrated and
// seeded (a copy of the template database, see migratedTemplate), and drops
// it when the test ends. Migrating it again is a no-op, as on any installed
// database. Tests of migrating itself use EmptyDatabaseURL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	name, err := migratedTemplate()
	if err != nil {
		t.Fatalf("template database (is Postgres running? make test starts one): %v", err)
	}
	return newDatabase(t, name)
}

// EmptyDatabaseURL creates a fresh, empty database for this test (no
// migrations applied) and drops it when the test ends.
func EmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

func newDatabase(t testing.TB, template string) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := nonWord.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	db := "cf_test_" + name + "_" + hex.EncodeToString(b[:])
	dsn, err := store.WithDatabase(BaseDatabaseURL(), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if template == "" {
		err = store.EnsureDatabase(ctx, dsn)
	} else {
		err = adminExec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	}
	if err != nil {
		t.Fatalf("create test database (is Postgres running? make test starts one): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := store.DropDatabase(ctx, BaseDatabaseURL(), db); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return dsn
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, BaseDatabaseURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

var tmpl struct {
	once sync.Once
	name string
	err  error
}

// migratedTemplate returns the name of a database holding every migration
// and the payer directory's seed, built once per migration set and server
// (its name carries a hash of the migration files and the seed) and copied
// by each test with CREATE DATABASE ... TEMPLATE: one copy takes a fraction
// of a second where applying the migrations to each test's database took
// seconds, over a hundred times a run. Test binaries of several packages run
// at once, so the build is serialised by an advisory lock; templates of
// other migration sets (other branches) are dropped after a day.
func migratedTemplate() (string, error) {
	tmpl.once.Do(func() { tmpl.name, tmpl.err = buildTemplate() })
	return tmpl.name, tmpl.err
}

func buildTemplate() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	h.Write(schemas.PayerDirectory)
	name := "cf_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, BaseDatabaseURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	const lockKey = 0x636c6d66 // "clmf"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) }()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	build := name + "_build"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{build}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{build}.Sanitize()); err != nil {
		return "", err
	}
	dsn, err := store.WithDatabase(BaseDatabaseURL(), build)
	if err != nil {
		return "", err
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	_, err = s.MigrateUp(ctx)
	s.Close()
	if err != nil {
		return "", err
	}
	for _, q := range []string{
		"ALTER DATABASE " + pgx.Identifier{build}.Sanitize() + " RENAME TO " + pgx.Identifier{name}.Sanitize(),
		fmt.Sprintf("COMMENT ON DATABASE %s IS 'claimflow test template %d'", pgx.Identifier{name}.Sanitize(), time.Now().Unix()),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	// Drop the templates of other migration sets built more than a day ago.
	rows, err := conn.Query(ctx, `SELECT d.datname, coalesce(shobj_description(d.oid, 'pg_database'), '')
		FROM pg_database d WHERE d.datname LIKE 'cf\_tmpl\_%' AND d.datname <> $1`, name)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var n, comment string
		if err := rows.Scan(&n, &comment); err != nil {
			rows.Close()
			return "", err
		}
		var built int64
		if _, err := fmt.Sscanf(comment, "claimflow test template %d", &built); err == nil && time.Since(time.Unix(built, 0)) < 24*time.Hour {
			continue
		}
		stale = append(stale, n)
	}
	rows.Close()
	for _, n := range stale {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
	}
	return name, nil
}

// Store opens a migrated store on a fresh database.
func Store(t testing.TB) (*store.Store, string) {
	t.Helper()
	dsn := DatabaseURL(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	return s, dsn
}

// RepoRoot finds the directory holding the module's go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/claimflow/claimflow\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: cannot find the claimflow module root")
		}
		dir = parent
	}
}

// Tool returns the path of an external program built by tools/install.sh
// (temporal, versitygw, mailpit, stripe-mock, local-kms). The environment
// variable CLAIMFLOW_<NAME>_BIN overrides it. A missing binary fails the
// test: run `make test`, which builds them.
func Tool(t testing.TB, name string) string {
	t.Helper()
	env := "CLAIMFLOW_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_BIN"
	if p := os.Getenv(env); p != "" {
		return p
	}
	root := RepoRoot(t)
	out, err := exec.Command("bash", filepath.Join(root, "tools", "install.sh"), "path", name).Output()
	if err != nil {
		t.Fatalf("testenv: locate %s: %v", name, err)
	}
	p := strings.TrimSpace(string(out))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: %s is not built (%s); run `make test` or tools/install.sh %s", name, p, name)
	}
	return p
}

// SearchAttributes are the custom search attributes claimflow's workflows
// write; the dev server is started with them registered.
var SearchAttributes = []string{
	"ClaimStatus=Keyword",
	"ClaimPayer=Keyword",
	"ClaimAmount=Double",
	"ClaimID=Keyword",
}

// DevServer starts a real Temporal dev server (in memory) for the test and
// stops it at the end.
func DevServer(t testing.TB) *testsuite.DevServer {
	t.Helper()
	return DevServerWithDB(t, "")
}

// DevServerWithDB starts a dev server that keeps its state in the SQLite
// file dbFile (in memory when empty).
func DevServerWithDB(t testing.TB, dbFile string) *testsuite.DevServer {
	t.Helper()
	args := []string{"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"}
	for _, sa := range SearchAttributes {
		args = append(args, "--search-attribute", sa)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  Tool(t, "temporal"),
		LogLevel:      "error",
		DBFilename:    dbFile,
		ClientOptions: &client.Options{Namespace: "default"},
		ExtraArgs:     args,
	})
	if err != nil {
		t.Fatalf("start Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// WaitFor polls cond every 50ms until it holds or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LogFile returns a file for a subprocess's output; when the test fails its
// last lines are printed.
func LogFile(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if !t.Failed() {
			return
		}
		b, _ := os.ReadFile(f.Name())
		lines := strings.Split(string(b), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		t.Logf("--- last lines of %s ---\n%s", name, strings.Join(lines, "\n"))
	})
	return f
}
