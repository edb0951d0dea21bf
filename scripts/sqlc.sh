#!/usr/bin/env bash
# scripts/sqlc.sh generate|diff: run sqlc (version pinned in tools/sqlc,
# built once into the tools cache by tools/install.sh; a cold build takes a
# few minutes, as sqlc links libpg_query with cgo) on store/sqlc.yaml.
#   generate  rewrite store/internal/pgq from store/*.sql and migrations/
#   diff      fail when the committed generated code is not what sqlc makes
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
# SQLC names another sqlc binary of the same version (skips the cache).
sqlc=${SQLC:-$("$root/tools/install.sh" sqlc)}
sqlc=${sqlc#sqlc=}
case "${1:-}" in
  generate) "$sqlc" generate -f store/sqlc.yaml ;;
  diff)
    if ! "$sqlc" diff -f store/sqlc.yaml; then
      echo "store/internal/pgq is stale: run make generate and commit the result" >&2
      exit 1
    fi
    ;;
  *) echo "usage: scripts/sqlc.sh generate|diff" >&2; exit 2 ;;
esac
