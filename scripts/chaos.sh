#!/usr/bin/env bash
# make chaos (issue 20, "Faults under load"; not part of make test): on the
# rehearsal cluster of scripts/prod-rehearsal.sh, with CHAOS_CLAIMS claims
# in flight and the clearinghouse simulator's own faults on, each fault in
# its own run:
#
#   postgres  the Postgres server that holds claimflow's and Temporal's
#             databases stopped (fast shutdown) and started again
#   temporal  a Temporal service (CHAOS_TEMPORAL_SERVICE, history) SIGKILLed
#             and restarted
#   s3        the S3 archive (versitygw) down for CHAOS_OUTAGE (60) seconds
#   sftp      the clearinghouse's SFTP server refusing connections for
#             CHAOS_OUTAGE seconds
#   worker    a claimflow worker SIGKILLed (and a replacement started)
#   api       an API server SIGKILLed while bookings run through both
#
# After each: every claim in a final status, each 835 claim payment posted
# exactly once, every exchanged file archived exactly once and through its
# exchange, `claimflow audit verify` passing, and every booking the driver
# saw acknowledged a row, none doubled (cmd/claimflow-chaos check). Each
# fault's result and its time to recover are printed, and the summary is
# written to .data/chaos/results/summary.txt.
#
# The cluster runs on its own ports (CHAOS_PORT_BASE, 21500: 33 ports up
# from it) and its own Postgres server (CHAOS_PG_PORT, 21599; a private
# cluster under .data/chaos-pg made with the Debian PostgreSQL binaries),
# so the postgres fault restarts nothing another program uses. Database
# names start with CHAOS_DB_PREFIX (chaos_).
#
# Settings: CHAOS_FAULTS (the list above; add "none" for a fault-free
# baseline), CHAOS_CLAIMS (1000), CHAOS_SIM_FAULTS (the simulator's
# fault flags), CHAOS_TIMEOUT (20m per run), CHAOS_OUTAGE (60), CHAOS_PG_DOWN
# (10), CHAOS_BOOK_FOR (20s), CHAOS_BOOK_CONC (2), CHAOS_TEMPORAL (cluster; dev tries the faults
# that do not need the cluster against the dev server).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

faults=${CHAOS_FAULTS:-postgres temporal s3 sftp worker api}
export CHAOS_CLAIMS=${CHAOS_CLAIMS:-1000}
pgport=${CHAOS_PG_PORT:-21599}
export CHAOS_PG_PORT=$pgport CHAOS_PGDATA=${CHAOS_PGDATA:-$data/chaos-pg}
results=$data/chaos/results
mkdir -p "$results"

kind=${CHAOS_TEMPORAL:-cluster}
need=(temporal versitygw)
[ "$kind" = dev ] || need+=(temporal-server temporal-sql-tool)
for t in "${need[@]}"; do
  p=$(tools/install.sh path "$t")
  [ -x "$p" ] || { echo "chaos: $t is not built yet ($p); run make tools (or tools/install.sh $t) first" >&2; exit 1; }
done
# --- a private Postgres server for the cluster ---------------------------------
started_pg=0
if ! port_open 127.0.0.1 "$pgport"; then
  bash scripts/chaos-pg.sh start
  started_pg=1
fi
stop_pg() { if [ $started_pg = 1 ]; then log "stopping the private Postgres"; bash "$root/scripts/chaos-pg.sh" stop || true; fi; }
trap stop_pg EXIT

log "building bin/claimflow-chaos (the load and check driver)"
go build -o bin/claimflow-chaos ./cmd/claimflow-chaos
export CHAOS_DRIVER=$root/bin/claimflow-chaos

: >"$results/summary.txt"
failed=()
for fault in $faults; do
  log "chaos: fault $fault ($CHAOS_CLAIMS claims)"
  out=$results/$fault
  rm -rf "$out" && mkdir -p "$out"
  t0=$SECONDS
  if CHAOS_FAULT=$fault CHAOS_OUT=$out REHEARSAL_THEN=$root/scripts/chaos-fault.sh \
    REHEARSAL_PORT_BASE=${CHAOS_PORT_BASE:-21500} REHEARSAL_PG_PORT=$pgport REHEARSAL_DB_PREFIX=${CHAOS_DB_PREFIX:-chaos_} \
    REHEARSAL_TEMPORAL=$kind REHEARSAL_DIR=$data/chaos/cluster REHEARSAL_SIM_FAULTS=${CHAOS_SIM_FAULTS:--drop 0.02 -slow 0.05 -duplicate 0.05 -reorder 3} \
    bash scripts/prod-rehearsal.sh; then
    :
  else
    failed+=("$fault")
    [ -f "$out/result.txt" ] || echo "fault $fault: FAILED before its checks (see $out and its logs)" >"$out/result.txt"
  fi
  mkdir -p "$out/logs" && cp "$data"/chaos/cluster/*.log "$out/logs/" 2>/dev/null || true
  echo "  (run took $((SECONDS - t0))s, cluster start and stop included)" >>"$out/result.txt"
  cat "$out/result.txt" >>"$results/summary.txt"
done
echo
echo "== make chaos: $CHAOS_CLAIMS claims, simulator faults: ${CHAOS_SIM_FAULTS:--drop 0.02 -slow 0.05 -duplicate 0.05 -reorder 3}"
cat "$results/summary.txt"
if [ ${#failed[@]} -gt 0 ]; then
  echo "chaos: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "chaos: every fault passed"
