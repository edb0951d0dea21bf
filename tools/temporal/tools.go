//go:build tools

// Package tools pins github.com/temporalio/cli/cmd/temporal at v1.5.1 with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/temporalio/cli/cmd/temporal"
