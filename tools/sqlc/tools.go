//go:build tools

// Package tools pins github.com/sqlc-dev/sqlc at v1.31.1 with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it (cgo: it links
// libpg_query, so a cold build takes minutes; the cache keeps it).
package tools

import _ "github.com/sqlc-dev/sqlc/cmd/sqlc"
