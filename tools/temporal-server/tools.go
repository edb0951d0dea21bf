//go:build tools

// Package tools pins go.temporal.io/server at v1.32.1 (cmd/server and
// cmd/tools/sql) with its own dependency graph, so no other tool's
// requirements bump its dependencies. tools/install.sh builds the server as
// temporal-server and the schema tool as temporal-sql-tool. v1.32.2 needs a
// newer Go than the one the project builds with.
package tools

import (
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)
