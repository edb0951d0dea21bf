//go:build tools

// Package tools pins github.com/versity/versitygw/cmd/versitygw at v1.8.0 with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
