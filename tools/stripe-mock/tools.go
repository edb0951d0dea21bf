//go:build tools

// Package tools pins github.com/stripe/stripe-mock at v0.203.0 with its own dependency graph, so no
// other tool's requirements bump its dependencies. tools/install.sh builds it.
package tools

import _ "github.com/stripe/stripe-mock"
