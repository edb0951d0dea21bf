//go:build tools

// Package tools pins github.com/temporalio/ui-server/v2 (the Temporal Web UI
// server, with OIDC sign-in and the codec settings the dev server's embedded
// UI does not expose) at v2.42.1 with its own dependency graph, so no other
// tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/temporalio/ui-server/v2/cmd/server"
