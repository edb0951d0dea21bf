#!/usr/bin/env bash
# Claims per second through the full lifecycle (API records → outbox →
# claim workflow → 837 over SFTP → 999 → 277CA → 835 → posted) against
# the clearinghouse simulator, beside the same dev server's own ceiling for
# trivial workflows (3 activities, 50 in flight), in one run.
# Sizes: CLAIMFLOW_BENCH_CLAIMS (default 200), CLAIMFLOW_BENCH_WORKFLOWS (1000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
ensure_postgres
tools/install.sh temporal versitygw stripe-mock >/dev/null
echo "== claims through the lifecycle, and the dev server's ceiling"
go test -run '^$' -bench 'BenchmarkClaimLifecycle|BenchmarkDevServerCeiling' -benchtime 1x -timeout 30m ./cmd/claimflow \
  | grep -E 'Benchmark|claims paid|trivial workflows'
