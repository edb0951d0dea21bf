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
# ---- Data at production size (issue 20): scripts/bench-scale.sh --------
# Generates (or reuses) a database of SCALE_PRESET size (default fortieth:
# 250,000 claims in 5 tenants) and prints the dashboard queries' p50/p99
# at 20 staff beside an empty database, and the 10,000-payment 835 posting
# time and peak heap. It runs with the other parts below.
# --------------------------------------------------------------------------
for part in scripts/bench-*.sh; do
  [ -f "$part" ] || continue
  log "$part"
  bash "$part" 2>&1 | tee -a "$report"
done
log "report written to $report"
