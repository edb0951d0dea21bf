//go:build tools

// Package tools pins github.com/golangci/golangci-lint/v2 at v2.15.0 with its own dependency
// graph, so the linters' requirements never bump claimflow's or another tool's. tools/install.sh
// builds it; make vet runs it with the repository's .golangci.yml.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
