//go:build tools

// Package tools pins github.com/nsmithuk/local-kms at v0.0.0-20231025161602-e4d9425700fe with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/nsmithuk/local-kms"
