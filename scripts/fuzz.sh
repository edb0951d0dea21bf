#!/usr/bin/env bash
# make fuzz: runs every fuzz target for FUZZTIME each (2m from the Makefile;
# make test runs only the seed corpora, as ordinary tests in go test).
# Targets are found by name (func FuzzXxx) in the packages that have them,
# api's FuzzAPIBodies (every operation's JSON body through the real router)
# among them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
FUZZTIME=${FUZZTIME:-10s}
# api's FuzzAPIBodies serves its requests over a real Postgres database.
ensure_postgres
while read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    log "fuzz $pkg $target ($FUZZTIME)"
    # A finding writes its input under testdata/fuzz and fails the run. Go's
    # fuzz coordinator can also stop with a bare "context deadline exceeded"
    # as a duration -fuzztime runs out (go.dev/issue/75804, a race fixed in
    # Go 1.27, not in 1.26): no input, no finding. That case alone is run
    # again, up to twice.
    out=$(mktemp)
    for attempt in 1 2 3; do
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$out"; then
        break
      fi
      if [ "$attempt" = 3 ] || ! grep -q 'context deadline exceeded' "$out" || grep -q 'Failing input written' "$out"; then
        rm -f "$out"
        exit 1
      fi
      log "fuzz coordinator stopped on its own deadline without a finding (go.dev/issue/75804); running $target again"
    done
    rm -f "$out"
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' 2>/dev/null || true)
