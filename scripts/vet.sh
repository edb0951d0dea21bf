#!/usr/bin/env bash
# make vet (and the first step of make test): gofmt, go vet, golangci-lint
# with the repository's .golangci.yml, Temporal's workflowcheck on the
# workflows, and the check that the production binary does not link the
# clearinghouse simulator. Both linters are pinned in tools/<name>/go.mod and
# built once into the tools cache by tools/install.sh; their own caches make
# a second run on unchanged code fast.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

log "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/*'))
if [ -n "$bad" ]; then echo "gofmt would change: $bad" >&2; exit 1; fi
log "go vet"
go vet ./...
log "sqlc diff (generated store queries current)"
bash "$root/scripts/sqlc.sh" diff
log "the production binary does not link the simulator"
if go list -deps ./cmd/claimflow | grep -F claimflow/clearinghouse/sim; then
  echo "cmd/claimflow links the clearinghouse simulator (above); it belongs to cmd/claimflow-sim" >&2
  exit 1
fi
built=$("$root/tools/install.sh" golangci-lint workflowcheck)
gcl=$(sed -n 's/^golangci-lint=//p' <<<"$built")
wfc=$(sed -n 's/^workflowcheck=//p' <<<"$built")
log "golangci-lint ($(basename "$(dirname "$gcl")"))"
# Serialized around golangci-lint's lock rather than refused: on a shared
# machine another checkout's lint may be running.
"$gcl" run --allow-serial-runners ./...
# workflowcheck type-checks from source on every run and has no cache of
# its own (40 s on 2 busy cores): remember a clean run under a key made of
# the checker, the Go version, go.sum and every file of claimflow's own
# packages that the workflows and their tests build from (dependencies outside the module are
# fixed by go.sum), and skip the run when nothing in that key changed.
wfc_files=$(go list -deps -test -f '{{if and .Module .Module.Main (ne .Name "main")}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .TestGoFiles}}{{$d}}/{{.}}
{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}
{{end}}{{end}}' ./workflows/... | sort -u)
wfc_key=$({ echo "$wfc"; go version; cat go.sum; xargs cat <<<"$wfc_files"; } | sha256sum | cut -c1-32)
wfc_stamp=${CLAIMFLOW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claimflow/tools}/workflowcheck-clean/$wfc_key
if [ -f "$wfc_stamp" ]; then
  log "workflowcheck ($(basename "$(dirname "$wfc")")): workflows unchanged since its last clean run"
else
  log "workflowcheck ($(basename "$(dirname "$wfc")"))"
  "$wfc" ./workflows/...
  mkdir -p "$(dirname "$wfc_stamp")" && touch "$wfc_stamp"
fi
