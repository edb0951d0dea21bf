#!/usr/bin/env bash
# Booking latency through the real HTTP API and Postgres, 100 concurrent
# clients (target p99 <= 50 ms), printed as p50/p90/p99:
#   1. closed loop: every client books again as soon as it has an answer
#      (the throughput ceiling; latency there is clients / throughput);
#   2. an offered rate (BOOKING_RATE, default 500/s) spread over the same
#      clients, latency counted from each booking's scheduled time;
#   3. closed loop with an Idempotency-Key on every booking (as a client
#      that retries safely sends; two more writes per request);
#   4. closed loop again with batches off (each booking its own
#      transaction), the reference the batching is measured against.
# BOOKING_CLIENTS, BOOKING_REQUESTS, BOOKING_POOL and BOOKING_RATE override
# the defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
ensure_postgres
log "bench: booking (api/internal/loadgen)"
go build -o "${TMPDIR:-/tmp}/claimflow-loadgen" ./api/internal/loadgen
args=(-clients "${BOOKING_CLIENTS:-100}" -requests "${BOOKING_REQUESTS:-10000}" -pool "${BOOKING_POOL:-16}")
"${TMPDIR:-/tmp}/claimflow-loadgen" "${args[@]}"
"${TMPDIR:-/tmp}/claimflow-loadgen" "${args[@]}" -rate "${BOOKING_RATE:-500}"
"${TMPDIR:-/tmp}/claimflow-loadgen" "${args[@]}" -idempotency-keys
echo "reference, batches off:"
"${TMPDIR:-/tmp}/claimflow-loadgen" "${args[@]}" -batch-max 1
echo "  (machine load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores)"
