#!/usr/bin/env bash
# bench-edi.sh: the X12 engine's performance report.
#
# 1. go test -bench in edi, one run: tokenizer MB/s and allocs, 837P
#    parse+validate MB/s, moov-io/x12 v0.1.0 on the same input and the
#    speed-up ratio, the typed readers (835, 271, 277CA, 837P/I/D: MB/s,
#    allocs per claim, read/tok measured beside the tokenizer inside each
#    benchmark) and the JSON stream both ways; then each figure as a ratio
#    to the tokenizer's MB per CPU-second of that same run.
# 2. Peak RSS of validating a generated 837P of EDI_BENCH_SIZE bytes (1 GiB
#    by default) streamed through a pipe into the x12 validate command.
# 3. `claimflow x12 validate` (the product's binary, as issue 17 names it)
#    as a whole process at SNIP levels 1, 3 and 5 on a generated 837P of
#    EDI_FILE_SIZE bytes (40 MiB by default) in a file: wall MB/s of the
#    whole process beside the target (250 at level 5, judged on wall time as
#    issue 17 words it; the validator uses every core, see nproc and the load
#    average printed beside it), MB per CPU-second (user+sys) and its ratio
#    to the tokenizer of step 1, peak RSS. Level 5 runs EDI_RUNS times (9)
#    and is judged on the median; the small x12 command (edi/internal/x12cmd,
#    the same code without the servers' packages and their start-up) is
#    run after each of its runs and timed the same way. Step 1
#    also runs edi/snip's level benchmark (levels 3-5, each with the
#    tokenizer measured beside it).
# 4. claimflow x12 json | x12 from-json on a generated 837P of EDI_FILE_SIZE bytes
#    streamed through pipes: peak RSS of each, and the bytes that come out
#    compared with the generator's.
#
# Environment: EDI_BENCH_SIZE, EDI_FILE_SIZE (bytes), EDI_BENCHTIME (go
# test -benchtime), EDI_BENCH_OUT (output directory, default
# .data/bench-edi).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${EDI_BENCH_SIZE:-1073741824}
fsize=${EDI_FILE_SIZE:-41943040}
benchtime=${EDI_BENCHTIME:-2s}
out=${EDI_BENCH_OUT:-.data/bench-edi}
mkdir -p "$out"

echo "== go test -bench (edi)"
go test -run '^$' -bench 'Tokenizer|Validate837P|Moov837P|ReadTyped|JSONEncode|JSONDecode' -benchmem -benchtime "$benchtime" ./edi/ | tee "$out/bench.txt"
echo "== ratios to the tokenizer (MB per CPU-second, same run)"
awk '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) if ($(i+1) == "MB/cpu-s") cpu[name] = $i
		for (i = 2; i < NF; i++) if ($(i+1) == "allocs/claim") apc[name] = $i
		order[++n] = name
	}
	END {
		tok = cpu["BenchmarkTokenizer"]
		if (tok == "") { print "no tokenizer figure"; exit }
		# Targets (issue 17): every typed reader at least 100 MB per
		# CPU-second; x12 validate as a process (250) is in step 3.
		printf "%-34s %12s %10s %8s %9s %14s\n", "benchmark", "MB/cpu-s", "x tokenizer", "target", "x target", "allocs/claim"
		for (k = 1; k <= n; k++) {
			b = order[k]
			if (cpu[b] == "") continue
			if (b ~ /^BenchmarkReadTyped\//) {
				printf "%-34s %12.1f %10.3f %8d %9.2f %14s%s\n", b, cpu[b], cpu[b] / tok, 100, cpu[b] / 100, apc[b], (cpu[b] < 100 ? "  BELOW TARGET" : "")
			} else {
				printf "%-34s %12.1f %10.3f %8s %9s %14s\n", b, cpu[b], cpu[b] / tok, "-", "-", apc[b]
			}
		}
	}' "$out/bench.txt" | tee "$out/ratios.txt"

echo "== SNIP levels 3 and 5 on a generated 837P (edi/snip; tokenizer measured beside each level)"
go test -run '^$' -bench 'Validate837P' -benchmem -benchtime "$benchtime" ./edi/snip/ | tee "$out/bench-snip.txt"
awk '
	/^BenchmarkValidate837P\// {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "MB/cpu-s") v = $i
			if ($(i+1) == "tok-MB/cpu-s") t = $i
			if ($(i+1) == "val/tok-cpu") r = $i
		}
		printf "%-34s %8.1f MB/cpu-s  tokenizer %8.1f MB/cpu-s  %.3f x tokenizer\n", name, v, t, r
	}' "$out/bench-snip.txt" | tee "$out/ratios-snip.txt"

echo "== streaming validation of a generated 837P of $size bytes"
go build -o "$out/gen837p" ./edi/internal/gen837p/cmd/gen837p
go build -o "$out/x12" ./edi/internal/x12cmd
go build -o "$out/claimflow" ./cmd/claimflow

timebin=/usr/bin/time
if [ ! -x "$timebin" ]; then
	if command -v apt-get >/dev/null 2>&1; then
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time) >/dev/null 2>&1 || true
	fi
fi

start=$(date +%s.%N)
if [ -x "$timebin" ]; then
	"$out/gen837p" -size "$size" | "$timebin" -v "$out/claimflow" x12 validate - >"$out/validate.txt" 2>"$out/time.txt"
	peak_kb=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$out/time.txt")
else
	# No GNU time: sample VmHWM (the kernel's peak RSS) until the validator exits.
	"$out/gen837p" -size "$size" | "$out/claimflow" x12 validate - >"$out/validate.txt" &
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

echo "== x12 validate as a process on a generated 837P of $fsize bytes (a file)"
"$out/gen837p" -size "$fsize" >"$out/file.x12"
if [ -x "$timebin" ]; then
	tok=$(awk '/^BenchmarkTokenizer-/ {for (i = 2; i < NF; i++) if ($(i+1) == "MB/cpu-s") print $i}' "$out/bench.txt" | head -n 1)
	echo "tokenizer (go test above): $tok MB per CPU-second (target for x12 validate --level 5: 250 MB/s wall, whole process)"
	echo "cores: $(nproc), GOMAXPROCS ${GOMAXPROCS:-default}, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	: >"$out/validate-file.txt.summary"
	runs=${EDI_RUNS:-9}
	# time_run TIMES OUT CMD...: runs CMD once with its output in OUT and
	# appends to TIMES its wall seconds (from the clock in nanoseconds: GNU
	# time's %e has 10 ms steps, 6% of a run here), user and system
	# CPU-seconds and peak RSS in KiB (from GNU time).
	time_run() {
		local times=$1 output=$2 t0 t1
		shift 2
		t0=$(date +%s%N)
		"$timebin" -o "$times.one" -f "%U %S %M" "$@" >"$output" || true
		t1=$(date +%s%N)
		echo "$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.4f", d / 1e9}') $(cat "$times.one")" >>"$times"
	}
	: >"$out/validate-x12cmd.times"
	for level in 1 3 5; do
		n=1
		[ "$level" = 5 ] && n=$runs
		: >"$out/validate-file-$level.times"
		for _ in $(seq "$n"); do
			time_run "$out/validate-file-$level.times" "$out/validate-file-$level.txt" "$out/claimflow" x12 validate --level "$level" "$out/file.x12"
			# At level 5 the small x12 command runs after each run of
			# claimflow's, so that both see the machine at the same speed.
			if [ "$level" = 5 ]; then
				time_run "$out/validate-x12cmd.times" /dev/null "$out/x12" validate --level 5 "$out/file.x12"
			fi
		done
		tail -n 1 "$out/validate-file-$level.txt"
		# The median run by wall time (of 1 run at levels 1 and 3).
		read -r wall user sys kb < <(sort -n "$out/validate-file-$level.times" | awk -v m=$(((n + 1) / 2)) 'NR == m')
		range=$(sort -n "$out/validate-file-$level.times" | awk -v n="$(stat -c %s "$out/file.x12")" 'NR == 1 {hi = n / $1 / 1e6} {lo = n / $1 / 1e6} END {printf "%.0f-%.0f", lo, hi}')
		awk -v level="$level" -v n="$(stat -c %s "$out/file.x12")" -v w="$wall" -v u="$user" -v s="$sys" -v kb="$kb" -v tok="$tok" -v runs="$n" -v range="$range" 'BEGIN {
			cpu = u + s
			mbc = n / cpu / 1e6
			mbw = n / w / 1e6
			printf "claimflow x12 validate --level %s: %.0f MB/s wall (%s; target 250: %.2f x target), %.0f MB per CPU-second (%.3f x the tokenizer in go test), %.2f cores busy, peak RSS %.1f MiB%s\n", level, mbw, (runs > 1 ? "median of " runs " runs, " range : "1 run"), mbw / 250, mbc, (tok > 0 ? mbc / tok : 0), cpu / w, kb / 1024, (level == 5 && mbw < 250 ? "  BELOW TARGET" : "")
		}' | tee -a "$out/validate-file.txt.summary"
	done
	sort -n "$out/validate-x12cmd.times" | awk -v m=$(((runs + 1) / 2)) -v n="$(stat -c %s "$out/file.x12")" -v runs="$runs" 'NR == m {
		printf "x12cmd validate --level 5 (no server packages, run after each of the runs above): %.0f MB/s wall (median of %d runs), %.0f MB per CPU-second\n", n / $1 / 1e6, runs, n / ($2 + $3) / 1e6
	}' | tee -a "$out/validate-file.txt.summary"

	echo "== x12 json | x12 from-json on a generated 837P of $fsize bytes (pipes)"
	want=$("$out/gen837p" -size "$fsize" | sha256sum | cut -d' ' -f1)
	got=$("$out/gen837p" -size "$fsize" |
		"$timebin" -o "$out/json.time" -f "%e %U %S %M" "$out/claimflow" x12 json --compact - |
		"$timebin" -o "$out/from-json.time" -f "%e %U %S %M" "$out/claimflow" x12 from-json - | sha256sum | cut -d' ' -f1)
	for step in json from-json; do
		read -r wall user sys kb <"$out/$step.time"
		awk -v step="$step" -v n="$fsize" -v w="$wall" -v u="$user" -v s="$sys" -v kb="$kb" 'BEGIN {
			printf "x12 %-9s peak RSS %6.1f MiB, %.1f MB of X12 per CPU-second\n", step, kb / 1024, n / (u + s) / 1e6
		}'
	done | tee "$out/json-rss.txt"
	if [ "$got" = "$want" ]; then
		echo "x12 json | x12 from-json: the same bytes as the generator's" | tee -a "$out/json-rss.txt"
	else
		echo "x12 json | x12 from-json: DIFFERENT bytes" | tee -a "$out/json-rss.txt"
		exit 1
	fi
else
	echo "no $timebin: process figures skipped"
fi
