# One throughput measurement (issue 20, "Throughput near the ceiling"),
# sourced by scripts/prod-rehearsal.sh through REHEARSAL_THEN once the
# Temporal server (the cluster, or the dev server with
# REHEARSAL_TEMPORAL=dev), the workers, the APIs, the archive and the
# simulator run. scripts/throughput.sh sets TP_OUT, TP_DRIVER, TP_CLAIMS,
# TP_WORKFLOWS. Prints claims/s through the full lifecycle, the same
# server's ceiling for trivial workflows of the claim's activity counts
# (measured from one claim's history), their ratio, and the CPU each
# process used while the claims ran.
# shellcheck shell=bash disable=SC2154

out=${TP_OUT:?}
driver=${TP_DRIVER:?}
mkdir -p "$out"
apis="http://127.0.0.1:${api_ports[0]},http://127.0.0.1:${api_ports[1]}"
hz=$(getconf CLK_TCK)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime, in ticks
declare -A cpu0
procs=()
for i in "${!names[@]}"; do
  case ${names[$i]} in temporal-* | worker-* | api-* | clearinghouse-sim | s3) procs+=("${names[$i]}:${pids[$i]}") ;; esac
done
pg_cpu() { local t=0 p; for p in $(pgrep -f "postgres: .* ($appdb|$tdb|$vdb)" || true); do t=$((t + $(cpu_of "$p"))); done; echo $t; }
for p in "${procs[@]}"; do cpu0[$p]=$(cpu_of "${p#*:}"); done
pg0=$(pg_cpu)

log "throughput: ${TP_CLAIMS} claims through the full lifecycle ($nworkers worker process(es), $temporal_kind)"
la0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s.%N) from=$(date -u +%FT%T.%NZ)
"$driver" load -apis "$apis" -claims "$TP_CLAIMS" -conc "${TP_CONC:-8}" -state "$out/state.json" -run "tp-$(date +%s)" | tee "$out/load.log"
"$driver" wait -state "$out/state.json" -timeout "${TP_TIMEOUT:-20m}" | tee "$out/wait.log"
t1=$(date +%s.%N) to=$(date -u +%FT%T.%NZ)
la1=$(cut -d' ' -f1-3 /proc/loadavg)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
cps=$(awk -v n="$TP_CLAIMS" -v w="$wall" 'BEGIN {printf "%.2f", n / w}')
{
  echo "cpu while the claims ran (${wall}s wall; cores = cpu seconds / wall):"
  for p in "${procs[@]}"; do
    c=$(($(cpu_of "${p#*:}") - ${cpu0[$p]}))
    awk -v n="${p%%:*}" -v c="$c" -v hz="$hz" -v w="$wall" -v k="$TP_CLAIMS" 'BEGIN {printf "  %-22s %7.1f cpu-s  %5.2f cores  %6.1f ms per claim\n", n, c / hz, c / hz / w, 1000 * c / hz / k}'
  done
  awk -v c="$(($(pg_cpu) - pg0))" -v hz="$hz" -v w="$wall" -v n="$TP_CLAIMS" 'BEGIN {printf "  %-22s %7.1f cpu-s  %5.2f cores  %6.1f ms per claim (backends still connected at the end)\n", "postgres", c / hz, c / hz / w, 1000 * c / hz / n}'
} | tee "$out/cpu.txt"

# What the claims cost the server, from every history active while they
# ran (the claims', the batches', the inbound polls', the remittances',
# the scheduler workflows'), per workflow type and per claim.
"$driver" costs -from "$from" -to "$to" -per "$TP_CLAIMS" | tee "$out/costs.txt" || true

# Where a claim's time goes: the mean and 95th percentile wait before each
# status (from the claim's creation, then from the status before).
ids=$(jq -r '"{" + (.claims | join(",")) + "}"' "$out/state.json")
psql "${pg[@]}" -d "$appdb" -v ids="$ids" -f - <<'SQL' | tee "$out/stages.txt"
\pset footer off
SELECT h.status AS "reached", count(*) AS claims,
       round(avg(extract(epoch FROM h.at - coalesce(h.prev, c.created_at)))::numeric, 1) AS "mean wait s",
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM h.at - coalesce(h.prev, c.created_at)))::numeric, 1) AS "p95 wait s"
  FROM (SELECT claim_id, seq, status, at, lag(at) OVER (PARTITION BY claim_id ORDER BY seq) AS prev
          FROM claim_status_history WHERE claim_id = ANY(:'ids'::uuid[])) h
  JOIN claims c ON c.id = h.claim_id
 GROUP BY h.status ORDER BY min(h.seq), 3;
SELECT round(avg(extract(epoch FROM f.at - c.created_at))::numeric, 1) AS "created to final, mean s",
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - c.created_at))::numeric, 1) AS "p95 s"
  FROM claims c JOIN LATERAL (SELECT max(at) AS at FROM claim_status_history WHERE claim_id = c.id) f ON true
 WHERE c.id = ANY(:'ids'::uuid[]);
SQL

# One claim's history: events, activities, local activities (markers),
# signals and bytes, to run the ceiling with the same activity counts.
claim=$(jq -r '.claims[0]' "$out/state.json")
"$temporal" workflow show --address "$frontend" --namespace "$ns" -w "claim/$claim" -o json >"$out/history.json" 2>"$out/history.err" || true
events=$(jq '.events | length' "$out/history.json" 2>/dev/null || echo 0)
acts=$(jq '[.events[] | select(.eventType == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")] | length' "$out/history.json" 2>/dev/null || echo 0)
# Local activities only: the version markers (workflow.GetVersion) are
# markers too, but no activity (counted as local activities before).
locals=$(jq '[.events[] | select(.eventType == "EVENT_TYPE_MARKER_RECORDED" and .markerRecordedEventAttributes.markerName == "LocalActivity")] | length' "$out/history.json" 2>/dev/null || echo 0)
signals=$(jq '[.events[] | select(.eventType == "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED")] | length' "$out/history.json" 2>/dev/null || echo 0)
wftasks=$(jq '[.events[] | select(.eventType == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED")] | length' "$out/history.json" 2>/dev/null || echo 0)
bytes=$(wc -c <"$out/history.json")
sizes=$("$temporal" workflow describe --address "$frontend" --namespace "$ns" -w "claim/$claim" -o json 2>/dev/null | jq -r '.workflowExecutionInfo.historySizeBytes // empty' || true)
echo "one claim's history: $events events, $wftasks workflow tasks, $acts activities, $locals local activities (markers), $signals signals, ${sizes:-?} bytes stored ($bytes bytes as JSON)" | tee "$out/history.txt"

# TP_CEILING="ACTIVITIES:LOCAL ..." sets the ceiling's shapes (to compare
# runs of claim workflows whose counts differ); each is run on the same
# server, one after another, and the ratio printed for each. Default: the
# claim's own counts, and the same number of activities as ordinary
# activities (a claim's local activities are activities it runs; "equal
# activity count" in issue 20 is the number of activities, local or not).
shapes=${TP_CEILING:-"$acts:$locals $((acts + locals)):0"}
: >"$out/ceiling-cpu.txt"
: >"$out/result.txt"
echo "throughput ($temporal_kind, $nworkers worker process(es)): ${TP_CLAIMS} claims in ${wall}s = $cps claims/s (load average $la0 -> $la1)" | tee -a "$out/result.txt"
for shape in $shapes; do
  sa=${shape%%:*} sl=${shape#*:} tag=ceiling-$sa-$sl
  log "throughput: the same server's ceiling, trivial workflows of $sa activities and $sl local activities"
  for p in "${procs[@]}"; do cpu0[$p]=$(cpu_of "${p#*:}"); done
  c0=$(date -u +%FT%T.%NZ)
  TIMEFORMAT='%U %S'
  { time "$driver" ceiling -workflows "${TP_WORKFLOWS:-500}" -activities "$sa" -local "$sl" -inflight 50 >"$out/$tag.log" 2>"$out/$tag.err"; } 2>"$out/$tag.time"
  cat "$out/$tag.log"
  la2=$(cut -d' ' -f1-3 /proc/loadavg)
  # CPU per trivial workflow, beside the CPU per claim: the Temporal
  # server's, and the driver's (its in-process worker and client).
  {
    echo "cpu per trivial workflow of $sa activities + $sl local activities ($TP_WORKFLOWS workflows):"
    for p in "${procs[@]}"; do
      case ${p%%:*} in temporal-*) ;; *) continue ;; esac
      awk -v n="${p%%:*}" -v c="$(($(cpu_of "${p#*:}") - ${cpu0[$p]}))" -v hz="$hz" -v k="$TP_WORKFLOWS" 'BEGIN {printf "  %-22s %7.1f cpu-s  %6.1f ms per workflow\n", n, c / hz, 1000 * c / hz / k}'
    done
    awk -v k="$TP_WORKFLOWS" '{printf "  %-22s %7.1f cpu-s  %6.1f ms per workflow (worker and client)\n", "ceiling driver", $1 + $2, 1000 * ($1 + $2) / k}' "$out/$tag.time"
  } | tee -a "$out/ceiling-cpu.txt"
  "$driver" costs -from "$c0" -per "$TP_WORKFLOWS" | tee "$out/$tag-costs.txt" || true
  wps=$(sed -n 's/.*: \([0-9.]*\) workflows\/s$/\1/p' "$out/$tag.log")
  ratio=$(awk -v a="$cps" -v b="$wps" 'BEGIN {printf "%.0f", (b > 0 ? 100 * a / b : 0)}')
  echo "  ceiling $wps trivial workflows/s of $sa activities + $sl local activities (load average $la2); ratio $ratio% (target >= 70%)" | tee -a "$out/result.txt"
done
