#!/usr/bin/env bash
# bench-edi.sh: the X12 engine's performance report.
#
# 1. go test -bench in edi: tokenizer MB/s and allocs, 837P parse+validate
#    MB/s, moov-io/x12 v0.1.0 on the same input and the speed-up ratio.
# 2. Peak RSS of validating a generated 837P of EDI_BENCH_SIZE bytes (1 GiB
#    by default) streamed through a pipe into the x12 validate command.
#
# Environment: EDI_BENCH_SIZE (bytes), EDI_BENCHTIME (go test -benchtime),
# EDI_BENCH_OUT (output directory, default .data/bench-edi).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${EDI_BENCH_SIZE:-1073741824}
benchtime=${EDI_BENCHTIME:-2s}
out=${EDI_BENCH_OUT:-.data/bench-edi}
mkdir -p "$out"

echo "== go test -bench (edi)"
go test -run '^$' -bench 'Tokenizer|Validate837P|Moov837P' -benchmem -benchtime "$benchtime" ./edi/ | tee "$out/bench.txt"

echo "== streaming validation of a generated 837P of $size bytes"
go build -o "$out/gen837p" ./edi/internal/gen837p/cmd/gen837p
go build -o "$out/x12" ./edi/internal/x12cmd

timebin=/usr/bin/time
if [ ! -x "$timebin" ]; then
	if command -v apt-get >/dev/null 2>&1; then
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time) >/dev/null 2>&1 || true
	fi
fi

start=$(date +%s.%N)
if [ -x "$timebin" ]; then
	"$out/gen837p" -size "$size" | "$timebin" -v "$out/x12" validate - >"$out/validate.txt" 2>"$out/time.txt"
	peak_kb=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$out/time.txt")
else
	# No GNU time: sample VmHWM (the kernel's peak RSS) until the validator exits.
	"$out/gen837p" -size "$size" | "$out/x12" validate - >"$out/validate.txt" &
	pid=$!
	peak_kb=0
	while kill -0 "$pid" 2>/dev/null; do
		v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		if [ -n "$v" ] && [ "$v" -gt "$peak_kb" ]; then peak_kb=$v; fi
		sleep 0.05
	done
	wait "$pid"
fi
end=$(date +%s.%N)
tail -n 2 "$out/validate.txt"
awk -v kb="$peak_kb" -v size="$size" -v s="$start" -v e="$end" 'BEGIN {
	secs = e - s
	printf "peak RSS: %.1f MiB (target <= 64 MiB)\n", kb / 1024
	printf "streamed: %.0f MiB in %.1f s (%.0f MB/s, generator and validator share the cores)\n", size / 1048576, secs, size / secs / 1e6
}' | tee "$out/rss.txt"
