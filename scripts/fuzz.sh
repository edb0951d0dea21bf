#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (make test: 10s; make fuzz: 2m).
# Targets are found by name (func FuzzXxx) in the packages that have them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
FUZZTIME=${FUZZTIME:-10s}
while read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    log "fuzz $pkg $target ($FUZZTIME)"
    # A finding writes its input under testdata/fuzz and fails the run. Go's
    # fuzz coordinator can also stop with a bare "context deadline exceeded"
    # when the machine is loaded as the time runs out: no input, no finding.
    # That case alone is run again, once.
    out=$(mktemp)
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$out"; then
      if grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
        log "fuzz engine timed out without a finding; running $target again"
        go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
      else
        rm -f "$out"
        exit 1
      fi
    fi
    rm -f "$out"
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' 2>/dev/null || true)
