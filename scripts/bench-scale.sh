#!/usr/bin/env bash
# ---- Data at production size (issue 20) -------------------------------
# internal/scalebench generates a database through the real schema
# (store.GenerateScale: sealed PHI under per-record keys, blind indexes,
# audit chains; COPY, a tenant per transaction, idempotent per tenant),
# then prints beside each target:
#   - the generation rate, and the full size (200 tenants, 1M patients,
#     10M claims) extrapolated from it;
#   - p50/p99 of every dashboard query (worklist with its filters, sorts
#     and searches, denials, remittances, A/R and analytics) with
#     SCALE_CLIENTS concurrent staff (default 20), beside the same queries
#     on an empty database (target p99 <= 100 ms), each client sending its
#     next request the moment the last one answers; then again with each
#     pausing SCALE_THINK on average between requests (default 1s,
#     exponential; 0 skips this pass), as staff at screens do;
#   - an 835 of SCALE_POST claim payments (default 10,000) posted through
#     activities.RemitService.Post (500 claim payments a transaction), its
#     time (target <= 30 s), peak RSS and heap, transactions per payment,
#     the payments read back a page at a time as the workflow does, and an
#     activity retry that must post nothing again (exactly once).
#     SCALE_QUERIES=0 skips the dashboard queries (posting alone);
#     SCALE_ONLY=TEXT runs only the queries whose name contains TEXT.
# SCALE_PRESET picks the size (default fortieth: 5 tenants of the full
# size's 50,000 claims each, 250,000 claims; tenth and full are the large
# ones; wide is the full size's 200 tenants of 5,000 claims each, 1,000,000
# claims, for the planner's per-tenant estimates, with SCALE_POST=0 as no
# tenant has the 10,000 claims the posting pays); SCALE_TENANTS overrides
# its tenant count. The database
# (SCALE_DB, default scale_bench_<preset>) and its key file (.data/scale/)
# are kept: a later run resumes the generation or reuses the data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
ensure_postgres
preset="${SCALE_PRESET:-fortieth}"
log "bench: data at production size (internal/scalebench, preset $preset)"
go build -o "${TMPDIR:-/tmp}/claimflow-scalebench" ./internal/scalebench
args=(-preset "$preset" -db "${SCALE_DB:-scale_bench_$preset}" -key-file ".data/scale/kek-$preset.json"
  -clients "${SCALE_CLIENTS:-20}" -requests "${SCALE_REQUESTS:-200}" -post "${SCALE_POST:-10000}")
if [ -n "${SCALE_TENANTS:-}" ]; then args+=(-tenants "$SCALE_TENANTS"); fi
if [ "${SCALE_QUERIES:-1}" = 0 ]; then args+=(-queries=false); fi
if [ -n "${SCALE_ONLY:-}" ]; then args+=(-only "$SCALE_ONLY"); fi
args+=(-think "${SCALE_THINK:-1s}")
"${TMPDIR:-/tmp}/claimflow-scalebench" "${args[@]}"
