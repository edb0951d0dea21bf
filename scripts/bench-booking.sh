#!/usr/bin/env bash
# Booking latency through the real HTTP API and Postgres: 100 concurrent
# clients book appointments; prints p50/p90/p99 (target p99 <= 50 ms).
# BOOKING_CLIENTS, BOOKING_REQUESTS and BOOKING_POOL override the defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
ensure_postgres
log "bench: booking (api/internal/loadgen)"
go run ./api/internal/loadgen \
  -clients "${BOOKING_CLIENTS:-100}" \
  -requests "${BOOKING_REQUESTS:-10000}" \
  -pool "${BOOKING_POOL:-16}"
