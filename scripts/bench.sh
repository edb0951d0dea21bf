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
# --- throughput near the ceiling (issue 20): scripts/throughput.sh ---------
# Claims/s beside the same Temporal server's trivial-workflow ceiling, on the
# dev server and the rehearsal cluster with 1, 2 and 4 workers, on a private
# Postgres (scripts/chaos-pg.sh, stopped again when this started it).
# BENCH_THROUGHPUT=0 skips it; TP_RUNS, TP_CLAIMS, TP_WORKFLOWS size it.
if [ "${BENCH_THROUGHPUT:-1}" = 1 ]; then
  log "scripts/throughput.sh"
  tp_pg_started=0
  port_open 127.0.0.1 "${TP_PG_PORT:-21599}" || { CHAOS_PG_PORT=${TP_PG_PORT:-21599} bash scripts/chaos-pg.sh start && tp_pg_started=1; }
  bash scripts/throughput.sh 2>&1 | tee -a "$report" || true
  [ $tp_pg_started = 0 ] || CHAOS_PG_PORT=${TP_PG_PORT:-21599} bash scripts/chaos-pg.sh stop
fi
# --- end of the throughput block ----------------------------------------------
log "report written to $report"
