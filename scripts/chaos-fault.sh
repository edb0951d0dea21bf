# One fault of make chaos (issue 20, "Faults under load"), sourced by
# scripts/prod-rehearsal.sh through REHEARSAL_THEN once the rehearsal
# cluster runs: it uses that script's variables and functions (claimflow,
# api_ports, worker_pid, api_pid, s3_pid, sim_pid, temporal_pid, start_*,
# spawn, log, fail). scripts/chaos.sh sets CHAOS_FAULT, CHAOS_OUT,
# CHAOS_DRIVER, CHAOS_CLAIMS and CHAOS_PG_PORT (the private Postgres of
# scripts/chaos-pg.sh).
# shellcheck shell=bash disable=SC2154

fault=${CHAOS_FAULT:?}
out=${CHAOS_OUT:?}
driver=${CHAOS_DRIVER:?}
mkdir -p "$out"
apis="http://127.0.0.1:${api_ports[0]},http://127.0.0.1:${api_ports[1]}"
state=$out/state.json
stamp() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
stop_pid() { # stop_pid SIGNAL PID: signal a process this run started and wait for it
  kill "-$1" "$2" 2>/dev/null || true
  wait "$2" 2>/dev/null || true
}

# A signed checkpoint first, so audit verify at the end checks the chains
# against a point this run's writes must extend.
"$claimflow" audit checkpoint >"$out/checkpoint.log" 2>&1 || { cat "$out/checkpoint.log" >&2; fail "audit checkpoint"; }
log "chaos $fault: loading ${CHAOS_CLAIMS} claims through both API servers"
"$driver" load -apis "$apis" -claims "$CHAOS_CLAIMS" -state "$state" -run "$fault-$(date +%s)" | tee "$out/load.log"
read -r final total < <("$driver" final -state "$state")
in_flight=$((total - final))
log "chaos $fault: $in_flight of $total claims in flight; injecting the fault"
book_pid=
t_fault=$(date +%s.%N)
case $fault in
none) ;;
postgres)
  # claimflow's and Temporal's databases live in this one server: both go
  # down, for CHAOS_PG_DOWN seconds (connections cut by a fast shutdown).
  bash "$root/scripts/chaos-pg.sh" stop
  sleep "${CHAOS_PG_DOWN:-10}"
  bash "$root/scripts/chaos-pg.sh" start
  ;;
temporal)
  svc=${CHAOS_TEMPORAL_SERVICE:-history}
  stop_pid KILL "${temporal_pid[$svc]}"
  sleep "${CHAOS_TEMPORAL_DOWN:-10}"
  start_temporal "$svc"
  ;;
s3)
  stop_pid TERM "$s3_pid"
  sleep "${CHAOS_OUTAGE:-60}"
  start_s3
  wait_port 127.0.0.1 "$s3port" 30 || fail "S3 did not come back"
  ;;
sftp)
  # The simulator stops listening: connections are refused (its real-time
  # endpoint is down too). Its adjudication state stays in its data folder.
  stop_pid TERM "$sim_pid"
  sleep "${CHAOS_OUTAGE:-60}"
  start_sim
  wait_port 127.0.0.1 "$simsftp" 30 || fail "the simulator did not come back"
  ;;
worker)
  stop_pid KILL "${worker_pid[1]}"
  sleep "${CHAOS_WORKER_DOWN:-5}"
  start_worker 1
  ;;
api)
  # Bookings through both API servers while API server 1 is killed: the
  # driver retries each unanswered booking on the other server under the
  # same Idempotency-Key.
  "$driver" book -state "$state" -for "${CHAOS_BOOK_FOR:-20s}" -conc "${CHAOS_BOOK_CONC:-2}" -out "$out/bookings.json" >"$out/book.log" 2>&1 &
  book_pid=$!
  pids+=("$book_pid") names+=(chaos-book)
  sleep "${CHAOS_BOOK_KILL_AFTER:-5}"
  t_fault=$(date +%s.%N)
  stop_pid KILL "${api_pid[1]}"
  sleep "${CHAOS_API_DOWN:-5}"
  start_api 1
  ;;
*) fail "unknown fault $fault (want none, postgres, temporal, s3, sftp, worker or api)" ;;
esac
t_repaired=$(date +%s.%N)
repaired=$(stamp)
log "chaos $fault: repaired after $(secs "$t_fault" "$t_repaired")s; waiting for every claim to be final"
if [ -n "$book_pid" ]; then
  wait "$book_pid" || fail "the booking driver failed; see $out/book.log"
  cat "$out/book.log"
fi
# Not all final in time: the checks still run, to say what was left.
waited=ok
"$driver" wait -state "$state" -timeout "${CHAOS_TIMEOUT:-20m}" | tee "$out/wait.log" || waited=FAILED
[ "$waited" = ok ] || CHAOS_SETTLE=0

# Files may still be moving (an answer's duplicate being removed) when the
# last claim is final: check until it passes or CHAOS_SETTLE seconds.
settle=$((SECONDS + ${CHAOS_SETTLE:-90}))
while :; do
  "$claimflow" archive list -limit 0 >"$out/archive.txt" 2>"$out/archive.err" || true
  args=(check -state "$state" -archive "$out/archive.txt" -repaired "$repaired" -json "$out/report.json")
  [ -f "$out/bookings.json" ] && args+=(-bookings "$out/bookings.json")
  if "$driver" "${args[@]}" >"$out/check.txt" 2>&1; then checked=ok; break; fi
  checked=FAILED
  [ $SECONDS -ge $settle ] && break
  sleep 5
done
if "$claimflow" audit verify >"$out/audit.json" 2>"$out/audit.err"; then audit=verifies; else audit=FAILED; checked=FAILED; fi
{
  echo "fault $fault: $checked (claims $CHAOS_CLAIMS, $in_flight in flight at the fault; fault lasted $(secs "$t_fault" "$t_repaired")s; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  cat "$out/check.txt"
  echo "  audit:     claimflow audit verify $audit"
} | tee "$out/result.txt"
[ "$checked" = ok ] || fail "chaos $fault failed; see $out"
