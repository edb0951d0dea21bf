//go:build tools

// Package tools pins github.com/axllent/mailpit at v1.27.11 with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/axllent/mailpit"
