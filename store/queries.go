package store

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// SQL lives in .sql files beside this one, in blocks headed
// `-- name: X :one|:many|:exec|:execrows`. sqlc (store/sqlc.yaml, `make
// generate`) checks every block against the schema the migrations build and
// generates a typed method for it in store/internal/pgq; store methods call
// those (pgq.New(tx).X(ctx, ...)), so a missing or mistyped query is a
// compile error and no Scan is written by hand.
//
// Adding a query:
//  1. write the block in the .sql file of its area (a new file also goes
//     under queries: in store/sqlc.yaml), with its command after the name;
//     alias computed columns (`x::text AS x`), use @name / sqlc.narg(name)
//     for parameters that are optional or easy to swap;
//  2. run `make generate` and commit store/internal/pgq with the change
//     (`make vet` fails while the generated code is stale);
//  3. call the generated method; with more than one parameter it takes a
//     Params struct (fields by name).
//
// q (below) is the run-time lookup the store used before sqlc: the methods
// not converted yet (sign-in and sessions, the audit chain, idempotency
// keys, key rotation, and the queries sent in pgx batches) still read their
// SQL through it. A query read through q must use only $N parameters (q
// sends the text as written, and Postgres knows no @name or sqlc.narg).
//
//go:embed *.sql
var queryFiles embed.FS

// queries is read on first use, not at package init: every claimflow process
// links this package, and its CLI commands need none of it (1.7 ms and 3,900
// allocations of start-up for `claimflow x12 validate`).
var queries = sync.OnceValue(func() map[string]string { return mustLoadQueries(queryFiles) })

// q returns the named query; a missing name is a programming error caught by
// TestQueriesLoad.
func q(name string) string {
	s, ok := queries()[name]
	if !ok {
		panic("store: no query named " + name)
	}
	return s
}

func mustLoadQueries(fsys fs.FS) map[string]string {
	m, err := loadQueries(fsys)
	if err != nil {
		panic(err)
	}
	return m
}

func loadQueries(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("store: query %s defined twice (%s)", name, f)
			}
			out[name] = strings.TrimSpace(body.String())
			body.Reset()
			return nil
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				// sqlc's command (:one, :many, :exec) may follow the name.
				name, _, _ = strings.Cut(strings.TrimSpace(rest), " ")
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			body.WriteString(line)
			body.WriteByte('\n')
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nullText is a nullable parameter (uuid or text) of a generated query:
// "" is NULL.
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
