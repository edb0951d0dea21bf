//go:build tools

// Package tools pins Temporal's workflowcheck (go.temporal.io/sdk/contrib/tools/workflowcheck)
// at v0.6.0 with its own dependency graph. tools/install.sh builds it; make vet runs it on
// ./workflows/... to find non-deterministic calls reachable from workflow functions.
package tools

import _ "go.temporal.io/sdk/contrib/tools/workflowcheck"
