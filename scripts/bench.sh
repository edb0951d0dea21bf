#!/usr/bin/env bash
# make bench: every benchmark, side by side with the peers the issues name,
# written to bench/report.txt as well as the terminal.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
mkdir -p bench
ensure_postgres
report=bench/report.txt
: >"$report"
for part in scripts/bench-*.sh; do
  [ -f "$part" ] || continue
  log "$part"
  bash "$part" 2>&1 | tee -a "$report"
done
log "report written to $report"
