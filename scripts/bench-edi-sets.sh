#!/usr/bin/env bash
# bench-edi-sets.sh: throughput of the transaction sets beside the 837P
# (issue 4): 835 and 271 streaming parse + validate, 835 with its SNIP-3
# balancing, and parse + typed read, on generated files of about 4 MiB.
#
# Environment: EDI_BENCHTIME (go test -benchtime), EDI_BENCH_OUT (output
# directory, default .data/bench-edi).
set -euo pipefail
cd "$(dirname "$0")/.."

benchtime=${EDI_BENCHTIME:-2s}
out=${EDI_BENCH_OUT:-.data/bench-edi}
mkdir -p "$out"

echo "== go test -bench (edi: 835 and 271)"
go test -run '^$' -bench 'Validate835|Read835|Validate271|Read271' -benchmem -benchtime "$benchtime" ./edi/ | tee "$out/bench-sets.txt"
