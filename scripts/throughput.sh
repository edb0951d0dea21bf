#!/usr/bin/env bash
# Claims through the full lifecycle beside the same Temporal server's
# ceiling for trivial workflows of the claim's activity counts, in one run
# (issue 20, "Throughput near the ceiling"), on the dev server and on the
# rehearsal cluster, and the cluster's scaling figure with 1, 2 and 4
# worker processes (claims/s and the frontend's and history's CPU).
# Each measurement is one run of scripts/prod-rehearsal.sh with
# scripts/throughput-run.sh; results go to .data/throughput/.
#
# Settings: TP_RUNS (default "dev:1 cluster:1 cluster:2 cluster:4", each
# KIND:WORKERS), TP_CLAIMS (300), TP_WORKFLOWS (ceiling workflows, 500),
# TP_CEILING ("ACTIVITIES:LOCAL ...", the ceiling's shapes; default the counts of
# one claim's history, and as many ordinary activities),
# TP_PORT_BASE (21500), TP_PG_PORT (21599, the private Postgres of make
# chaos, started here when it is not running), TP_DB_PREFIX (chaos_tp_).
# Each run has its own databases (TP_DB_PREFIX + kind + workers, e.g.
# chaos_tp_cluster2_) and its own data directory (keys): a run that
# reused another's claimflow database could not open what that run's key
# file sealed (found in the first cluster runs: the worker refused to start),
# and a reused Temporal database would carry the last run's workflows.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
runs=${TP_RUNS:-dev:1 cluster:1 cluster:2 cluster:4}
export TP_CLAIMS=${TP_CLAIMS:-300} TP_WORKFLOWS=${TP_WORKFLOWS:-500}
pgport=${TP_PG_PORT:-21599}
export CHAOS_PG_PORT=$pgport CHAOS_PGDATA=${CHAOS_PGDATA:-$data/chaos-pg}
results=$data/throughput
mkdir -p "$results"
if ! port_open 127.0.0.1 "$pgport"; then
  echo "throughput: no Postgres on 127.0.0.1:$pgport; start one with" \
    "scripts/chaos-pg.sh start (and stop it after), or set TP_PG_PORT=5432" >&2
  exit 1
fi
go build -o bin/claimflow-chaos ./cmd/claimflow-chaos
export TP_DRIVER=$root/bin/claimflow-chaos
: >"$results/summary.txt"
for r in $runs; do
  kind=${r%%:*} w=${r#*:}
  out=$results/$kind-$w
  rm -rf "$out" && mkdir -p "$out"
  log "throughput: $kind with $w worker process(es)"
  TP_OUT=$out REHEARSAL_THEN=$root/scripts/throughput-run.sh REHEARSAL_TEMPORAL=$kind REHEARSAL_WORKERS=$w \
    REHEARSAL_PORT_BASE=${TP_PORT_BASE:-21500} REHEARSAL_PG_PORT=$pgport REHEARSAL_DB_PREFIX=${TP_DB_PREFIX:-chaos_tp_}${kind}${w}_ \
    REHEARSAL_DIR=$data/throughput/cluster-$kind-$w bash scripts/prod-rehearsal.sh || { echo "throughput: $kind:$w failed" >>"$results/summary.txt"; continue; }
  { cat "$out/result.txt" "$out/history.txt" "$out/cpu.txt" "$out/ceiling-cpu.txt" "$out/costs.txt"; echo; } >>"$results/summary.txt"
done
echo
echo "== throughput: $TP_CLAIMS claims per run, ceiling of $TP_WORKFLOWS trivial workflows ($(nproc) cores, shared)"
cat "$results/summary.txt"
