#!/usr/bin/env bash
# Builds the external programs claimflow runs beside itself into a cache
# keyed by name and version, so a second run rebuilds nothing. Each program
# is pinned by its own module, tools/<name>/go.mod (with go.sum): one
# dependency graph per program, so one tool's requirements never bump
# another's dependencies.
#
#   tools/install.sh [NAME...]     build what is missing (default: all) and
#                                  print NAME=PATH for each
#   tools/install.sh path NAME     print the cached binary's path only
#
# The cache lives in $CLAIMFLOW_TOOLS_CACHE (default ~/.cache/claimflow/tools).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${CLAIMFLOW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claimflow/tools}
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly

# name  module  package  [directory under tools/, default the name]
table='temporal    github.com/temporalio/cli         github.com/temporalio/cli/cmd/temporal
versitygw   github.com/versity/versitygw      github.com/versity/versitygw/cmd/versitygw
mailpit     github.com/axllent/mailpit        github.com/axllent/mailpit
stripe-mock github.com/stripe/stripe-mock     github.com/stripe/stripe-mock
local-kms   github.com/nsmithuk/local-kms     github.com/nsmithuk/local-kms
temporal-ui github.com/temporalio/ui-server/v2 github.com/temporalio/ui-server/v2/cmd/server
temporal-server   go.temporal.io/server  go.temporal.io/server/cmd/server
temporal-sql-tool go.temporal.io/server  go.temporal.io/server/cmd/tools/sql  temporal-server
golangci-lint github.com/golangci/golangci-lint/v2 github.com/golangci/golangci-lint/v2/cmd/golangci-lint
workflowcheck go.temporal.io/sdk/contrib/tools/workflowcheck go.temporal.io/sdk/contrib/tools/workflowcheck
sqlc        github.com/sqlc-dev/sqlc          github.com/sqlc-dev/sqlc/cmd/sqlc'

row() { awk -v n="$1" '$1==n {print $2, $3, ($4 == "" ? n : $4)}' <<<"$table"; }

binpath() {
  local name=$1 mod pkg dir ver
  read -r mod pkg dir <<<"$(row "$name")"
  [ -n "$mod" ] || { echo "tools: unknown tool $name" >&2; exit 2; }
  ver=$(awk -v m="$mod" '{for (i = 1; i < NF; i++) if ($i == m) {print $(i+1); exit}}' "$here/$dir/go.mod")
  [ -n "$ver" ] || { echo "tools: no version of $mod in tools/$dir/go.mod" >&2; exit 2; }
  echo "$cache/$name-$ver/$name"
}

build() {
  local name=$1 out mod pkg dir
  out=$(binpath "$name")
  read -r mod pkg dir <<<"$(row "$name")"
  if [ ! -x "$out" ]; then
    echo "tools: building $name ($(basename "$(dirname "$out")")) ..." >&2
    mkdir -p "$(dirname "$out")"
    if ! (cd "$here/$dir" && go build -trimpath -o "$out.tmp" "$pkg"); then
      echo "tools: building $name failed" >&2
      exit 1
    fi
    mv "$out.tmp" "$out"
  fi
  if [ "$name" = temporal-ui ] && [ ! -f "$(dirname "$out")/config/docker.yaml" ]; then
    # The UI server reads its configuration from files: keep the module's
    # docker.yaml (the official image's, set by TEMPORAL_* variables) beside
    # the binary, so `make run` configures it as production does.
    local src
    src=$(cd "$here/$dir" && go list -m -f '{{.Dir}}' "$mod")/config
    mkdir -p "$(dirname "$out")/config"
    cp "$src/docker.yaml" "$(dirname "$out")/config/docker.yaml"
    chmod u+w "$(dirname "$out")/config/docker.yaml"
  fi
  echo "$name=$out"
}

if [ "${1:-}" = path ]; then
  binpath "$2"
  exit 0
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(temporal versitygw mailpit stripe-mock local-kms temporal-ui golangci-lint workflowcheck sqlc)
for n in "${names[@]}"; do build "$n"; done
