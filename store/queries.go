package store

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// SQL lives in .sql files beside this one, in blocks headed `-- name: X`.
//
//go:embed *.sql
var queryFiles embed.FS

var queries = mustLoadQueries(queryFiles)

// q returns the named query; a missing name is a programming error caught by
// TestQueriesLoad.
func q(name string) string {
	s, ok := queries[name]
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
