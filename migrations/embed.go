// Package migrations holds claimflow's Postgres schema as numbered goose SQL
// files, embedded into the binary and applied by `claimflow migrate up` and at
// `claimflow dev` start.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
