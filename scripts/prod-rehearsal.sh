#!/usr/bin/env bash
# make prod-rehearsal: claimflow on a production-style Temporal cluster, on
# this machine, loopback only.
#
#   1. builds go.temporal.io/server v1.32.1 (temporal-server and
#      temporal-sql-tool, pinned in tools/temporal-server) and the temporal
#      CLI into the tools cache, and bin/claimflow (or, with REHEARSAL_REF,
#      a given commit, exported apart from the working tree);
#   2. sets up the Temporal schemas (postgres12 plugin) in two databases of
#      the local Postgres, or brings existing ones up to date;
#   3. runs frontend, history, matching and worker as four processes with
#      deploy/temporal/server.yaml (no dev server), creates the namespace and
#      registers claimflow's search attributes;
#   4. runs two claimflow workers and two API servers against it, drives
#      REHEARSAL_WORKFLOWS smoke workflows through it in two waves while
#      worker 1 is killed with SIGKILL mid-run and restarted, and checks
#      that every started workflow completed (per-worker counts in the log);
#   5. runs the end-to-end tests in ./e2e against the same cluster (with the
#      S3 archive and the clearinghouse simulator started beside it): claims
#      created through both API servers end paid while worker 1 is killed
#      again mid-run (see "End-to-end tests" in deploy/README.md);
#   6. runs the backup and restore drill (scripts/backup-drill.sh) on what
#      the tests left: database, archive bucket and key file backed up,
#      restored beside them, and checked.
#
# Everything it starts is stopped by PID on exit, also on failure. Databases
# and schemas stay for the next run (REHEARSAL_FRESH=1 drops and recreates
# them); logs go to .data/prod-rehearsal/.
#
# Settings (environment): REHEARSAL_WORKFLOWS (default 40), REHEARSAL_HOLD
# (3s, in seconds), REHEARSAL_PORT_OFFSET (10000: Temporal on 17233..., APIs on 18081 and
# 18082), REHEARSAL_PORT_BASE (instead of the offset: every port the run
# listens on, 33 of them, numbered up from this one), REHEARSAL_PG_PORT
# (5432: the Postgres on 127.0.0.1 that holds Temporal's and claimflow's
# databases), REHEARSAL_DB_PREFIX (prepended to the three database names),
# REHEARSAL_DIR (.data/prod-rehearsal: logs, keys, the simulator's and the
# archive's files), REHEARSAL_WORKERS (2, at most 4), REHEARSAL_SIM_FAULTS
# (the simulator's fault flags, such as "-drop 0.02 -duplicate 0.05"),
# REHEARSAL_TEMPORAL (cluster; dev runs the Temporal dev server in its
# place, for comparison), REHEARSAL_THEN (a script sourced once the cluster, workers, APIs, archive
# and simulator run, in place of the smoke waves, e2e and drill: make chaos
# uses it; it can call start_temporal, start_s3, start_sim, start_api and
# start_worker to bring back what it stopped), REHEARSAL_NAMESPACE (claimflow), REHEARSAL_FRESH (0), REHEARSAL_E2E
# (1: run ./e2e when present), REHEARSAL_E2E_RUN (the -run pattern, default .),
# REHEARSAL_E2E_PKG (./e2e), REHEARSAL_BACKUP_DRILL (1), REHEARSAL_REF (a commit to build instead of the
# working tree, e.g. HEAD).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

t0=$(date +%s.%N)
n=${REHEARSAL_WORKFLOWS:-40}
hold=${REHEARSAL_HOLD:-3s}
off=${REHEARSAL_PORT_OFFSET:-10000}
ns=${REHEARSAL_NAMESPACE:-claimflow}
dir=${REHEARSAL_DIR:-$data/prod-rehearsal}
pgport=${REHEARSAL_PG_PORT:-5432}
pg=(-h 127.0.0.1 -p "$pgport" -U postgres)
tdb=${REHEARSAL_DB_PREFIX:-}temporal_rehearsal
vdb=${REHEARSAL_DB_PREFIX:-}temporal_rehearsal_visibility
appdb=${REHEARSAL_DB_PREFIX:-}claimflow_rehearsal
nworkers=${REHEARSAL_WORKERS:-2}
temporal_kind=${REHEARSAL_TEMPORAL:-cluster}
[ "$temporal_kind" = cluster ] || [ "$temporal_kind" = dev ] || { echo "REHEARSAL_TEMPORAL must be cluster or dev" >&2; exit 2; }
[ "$nworkers" -ge 1 ] && [ "$nworkers" -le 4 ] || { echo "REHEARSAL_WORKERS must be 1 to 4" >&2; exit 2; }

# Temporal's usual port layout shifted by $off, so a dev server on 7233 and
# this cluster can run side by side.
# With REHEARSAL_PORT_BASE, the same ports numbered up from one base
# instead, so a run fits a small range of ports.
export TEMPORAL_BIND_IP=127.0.0.1
if [ -n "${REHEARSAL_PORT_BASE:-}" ]; then
  b=$REHEARSAL_PORT_BASE
  export TEMPORAL_FRONTEND_PORT=$b TEMPORAL_FRONTEND_HTTP_PORT=$((b + 1))
  export TEMPORAL_HISTORY_PORT=$((b + 2)) TEMPORAL_MATCHING_PORT=$((b + 3)) TEMPORAL_WORKER_PORT=$((b + 4))
  export TEMPORAL_FRONTEND_MEMBERSHIP_PORT=$((b + 5)) TEMPORAL_HISTORY_MEMBERSHIP_PORT=$((b + 6))
  export TEMPORAL_MATCHING_MEMBERSHIP_PORT=$((b + 7)) TEMPORAL_WORKER_MEMBERSHIP_PORT=$((b + 8))
  metrics_base=$((b + 10))
  api_ports=($((b + 20)) $((b + 21)))
  worker_ports=(unused $((b + 22)) $((b + 23)) $((b + 24)) $((b + 25)))
  s3port=$((b + 30)) simsftp=$((b + 31)) simhttp=$((b + 32))
else
  export TEMPORAL_FRONTEND_PORT=$((7233 + off)) TEMPORAL_FRONTEND_HTTP_PORT=$((7243 + off))
  export TEMPORAL_HISTORY_PORT=$((7234 + off)) TEMPORAL_MATCHING_PORT=$((7235 + off)) TEMPORAL_WORKER_PORT=$((7239 + off))
  export TEMPORAL_FRONTEND_MEMBERSHIP_PORT=$((6933 + off)) TEMPORAL_HISTORY_MEMBERSHIP_PORT=$((6934 + off))
  export TEMPORAL_MATCHING_MEMBERSHIP_PORT=$((6935 + off)) TEMPORAL_WORKER_MEMBERSHIP_PORT=$((6939 + off))
  metrics_base=$((8000 + off))
  api_ports=($((8081 + off)) $((8082 + off)))
  worker_ports=(unused $((8083 + off)) $((8084 + off)) $((8085 + off)) $((8086 + off))) # each worker's /healthz, /readyz, /metrics
  s3port=$((7070 + off)) simsftp=$((2222 + off)) simhttp=$((8090 + off))
fi
export TEMPORAL_DB=$tdb TEMPORAL_VISIBILITY_DB=$vdb TEMPORAL_DB_HOST=127.0.0.1 TEMPORAL_DB_PORT=$pgport TEMPORAL_DB_USER=postgres
export TEMPORAL_DYNAMIC_CONFIG=$root/deploy/temporal/dynamicconfig.yaml
frontend=127.0.0.1:$TEMPORAL_FRONTEND_PORT

pids=() names=()
# running PID...: those of the given PIDs that are still running children of
# this shell (a PID that exited is never signalled: it may have been reused).
running() {
  local live p
  live=" $(jobs -pr | tr '\n' ' ') "
  for p in "$@"; do [[ $live == *" $p "* ]] && echo "$p"; done
  return 0
}
cleanup() { # cleanup [EXIT-STATUS]: on INT and TERM, exit with 130 and 143
  local rc=${1:-$?} left
  trap - INT TERM EXIT
  local live=() i
  for i in "${!pids[@]}"; do [ -n "$(running "${pids[$i]}")" ] && live+=("${names[$i]}(${pids[$i]})"); done
  log "stopping what this run started and is still running: ${live[*]:-nothing}"
  for p in $(running "${pids[@]}"); do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 150; i++)); do
    [ -z "$(running "${pids[@]}")" ] && break
    sleep 0.1
  done
  for p in $(running "${pids[@]}"); do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  left=$(running "${pids[@]}")
  if [ -n "$left" ]; then echo "still running: $left" >&2; else log "nothing left running"; fi
  [ $rc = 0 ] || echo "prod-rehearsal FAILED (exit $rc); logs in $dir" >&2
  exit $rc
}
trap 'cleanup 130' INT
trap 'cleanup 143' TERM
trap cleanup EXIT

# spawn NAME COMMAND...: start a process in the background, logging to
# $dir/NAME.log, and remember its PID for the trap.
spawn() {
  local name=$1
  shift
  "$@" >>"$dir/$name.log" 2>&1 &
  pids+=($!) names+=("$name")
}
fail() {
  echo "prod-rehearsal: $*" >&2
  exit 1
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}'; }

for port in "$TEMPORAL_FRONTEND_PORT" "$TEMPORAL_HISTORY_PORT" "$TEMPORAL_MATCHING_PORT" "$TEMPORAL_WORKER_PORT" \
  "$TEMPORAL_FRONTEND_HTTP_PORT" "$TEMPORAL_FRONTEND_MEMBERSHIP_PORT" "$TEMPORAL_HISTORY_MEMBERSHIP_PORT" \
  "$TEMPORAL_MATCHING_MEMBERSHIP_PORT" "$TEMPORAL_WORKER_MEMBERSHIP_PORT" $(seq "$metrics_base" $((metrics_base + 3))) \
  "${api_ports[@]}" "${worker_ports[@]:1:$nworkers}"; do
  port_open 127.0.0.1 "$port" && fail "127.0.0.1:$port is in use; set REHEARSAL_PORT_OFFSET"
done
mkdir -p "$dir"
rm -f "$dir"/*.log
rm -rf "$dir/smoke"
mkdir -p "$dir/smoke"

log "checking Postgres"
if [ "$pgport" = 5432 ]; then ensure_postgres; else port_open 127.0.0.1 "$pgport" || fail "no Postgres on 127.0.0.1:$pgport"; fi
log "building temporal-server, temporal-sql-tool and the temporal CLI (cached by version)"
tb=$(date +%s.%N)
temporal=$(tool temporal)
if [ "$temporal_kind" = cluster ]; then
  server=$(tool temporal-server)
  sqltool=$(tool temporal-sql-tool)
fi
[ -x "$temporal" ] && { [ "$temporal_kind" = dev ] || { [ -x "$server" ] && [ -x "$sqltool" ]; }; } || fail "tools did not build"
if [ -n "${REHEARSAL_REF:-}" ]; then
  # Rehearse a commit rather than the working tree: export it and build it
  # apart, leaving bin/ alone.
  rev=$(git rev-parse --short "$REHEARSAL_REF^{commit}")
  log "building claimflow from commit $rev ($REHEARSAL_REF)"
  rm -rf "$dir/src" && mkdir -p "$dir/src" "$dir/bin"
  git archive "$rev" | tar -x -C "$dir/src"
  (cd "$dir/src" && go build -trimpath -ldflags "-X main.version=$rev" -o "$dir/bin/claimflow" ./cmd/claimflow &&
    go build -trimpath -o "$dir/bin/claimflow-sim" ./cmd/claimflow-sim)
  claimflow=$dir/bin/claimflow claimflow_sim=$dir/bin/claimflow-sim src=$dir/src
else
  log "building bin/claimflow and bin/claimflow-sim from the working tree"
  mkdir -p bin
  { go build -o bin/claimflow ./cmd/claimflow && go build -o bin/claimflow-sim ./cmd/claimflow-sim; } ||
    fail "the working tree does not build; REHEARSAL_REF=HEAD rehearses the last commit instead"
  claimflow=$root/bin/claimflow claimflow_sim=$root/bin/claimflow-sim src=$root
fi
log "builds took $(elapsed "$tb")"

if [ "$temporal_kind" = dev ]; then
  # The dev server (SQLite in memory) in place of the cluster, for the
  # throughput figures "on the dev server" (issue 20).
  log "starting the Temporal dev server on $frontend (REHEARSAL_TEMPORAL=dev)"
  ts=$(date +%s.%N)
  spawn temporal-dev "$temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_FRONTEND_PORT" \
    --http-port "$TEMPORAL_FRONTEND_HTTP_PORT" --metrics-port "$metrics_base" --headless \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true --log-level warn
  declare -A temporal_pid=([dev]=${pids[-1]})
else
  # --- schemas ---------------------------------------------------------------
  schema=$(cd tools/temporal-server && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12
  [ -d "$schema/temporal/versioned" ] || fail "no schema directory in $schema"
  sql() { "$sqltool" --plugin postgres12 --ep 127.0.0.1 -p "$pgport" -u postgres --db "$1" "${@:2}"; }
  if [ "${REHEARSAL_FRESH:-0}" = 1 ]; then
    log "REHEARSAL_FRESH=1: dropping $tdb, $vdb and $appdb"
    for d in "$tdb" "$vdb" "$appdb"; do psql "${pg[@]}" -q -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" postgres; done
  fi
  for pair in "$tdb:temporal" "$vdb:visibility"; do
    d=${pair%%:*} kind=${pair#*:}
    if [ -z "$(psql "${pg[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$d'" postgres)" ]; then
      log "creating database $d and its $kind schema"
      { sql "$d" create-database && sql "$d" setup-schema -v 0.0; } >>"$dir/schema.log" 2>&1 ||
        { tail -n 20 "$dir/schema.log" >&2; fail "creating $d failed (REHEARSAL_FRESH=1 starts over)"; }
    else
      log "database $d exists: updating its $kind schema (a no-op when current)"
    fi
    sql "$d" update-schema -d "$schema/$kind/versioned" >>"$dir/schema.log" 2>&1 ||
      { tail -n 20 "$dir/schema.log" >&2; fail "schema update of $d failed"; }
    log "  $d at schema version $(psql "${pg[@]}" -tAc 'SELECT curr_version FROM schema_version' "$d")"
  done
  
  # --- Temporal cluster --------------------------------------------------------
  log "starting Temporal v1.32.1: frontend, history, matching, worker (4 processes, deploy/temporal/server.yaml)"
  ts=$(date +%s.%N)
  declare -A temporal_pid
  start_temporal() { # start_temporal SERVICE: (re)start one Temporal service
    local i=0 s
    for s in history matching frontend worker; do [ "$s" = "$1" ] && break; i=$((i + 1)); done
    TEMPORAL_METRICS_PORT=$((metrics_base + i)) spawn "temporal-$1" "$server" --config-file deploy/temporal/server.yaml \
      --allow-no-auth start --service "$1"
    temporal_pid[$1]=${pids[-1]}
  }
  # History goes first: on a fresh database the first process to start writes
  # the cluster metadata, and four processes racing to insert it fail.
  for svc in history matching frontend worker; do
    start_temporal "$svc"
    if [ "$svc" = history ]; then
      wait_port 127.0.0.1 "$TEMPORAL_HISTORY_PORT" 60 || { tail -c 2000 "$dir/temporal-history.log" >&2; fail "history did not start"; }
    fi
  done
fi
for _ in $(seq 1 600); do
  "$temporal" operator cluster health --address "$frontend" >/dev/null 2>&1 && break
  for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null || { tail -c 2000 "$dir/${names[$i]}.log" >&2; fail "${names[$i]} exited"; }; done
  sleep 0.2
done
"$temporal" operator cluster health --address "$frontend" >/dev/null || fail "frontend $frontend not serving"
log "cluster serving on $frontend after $(elapsed "$ts")"

if "$temporal" operator namespace describe --namespace "$ns" --address "$frontend" >/dev/null 2>&1; then
  log "namespace $ns exists"
else
  log "creating namespace $ns (retention 72h)"
  "$temporal" operator namespace create --namespace "$ns" --retention 72h --address "$frontend" >/dev/null
fi
# A new namespace reaches every frontend's namespace cache within about 10 s;
# until then requests naming it fail with "not found".
tn=$(date +%s.%N)
for _ in $(seq 1 300); do
  "$temporal" workflow count --namespace "$ns" --address "$frontend" >/dev/null 2>&1 && break
  sleep 0.2
done
"$temporal" workflow count --namespace "$ns" --address "$frontend" >/dev/null || fail "namespace $ns not served"
log "namespace $ns served after $(elapsed "$tn")"
have=$("$temporal" operator search-attribute list --namespace "$ns" --address "$frontend" -o json 2>/dev/null || echo '{}')
for t in Keyword:ClaimStatus Keyword:ClaimPayer Keyword:ClaimID Double:ClaimAmount; do
  type=${t%%:*} name=${t#*:}
  if grep -q "\"$name\"" <<<"$have"; then continue; fi
  log "registering search attribute $name ($type)"
  "$temporal" operator search-attribute create --namespace "$ns" --name "$name" --type "$type" \
    --address "$frontend" >/dev/null
done

# --- claimflow ---------------------------------------------------------------
export TEMPORAL_ADDRESS=$frontend TEMPORAL_NAMESPACE=$ns CLAIMFLOW_TASK_QUEUE=claimflow
export DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/$appdb?sslmode=disable"
export CLAIMFLOW_DATA_DIR=$dir/data CLAIMFLOW_LOG_LEVEL=${CLAIMFLOW_LOG_LEVEL:-info}
# The S3 archive and the clearinghouse simulator (sample payer rules), so
# claims can run their whole lifecycle against this cluster.
for port in "$s3port" "$simsftp" "$simhttp"; do
  port_open 127.0.0.1 "$port" && fail "127.0.0.1:$port is in use; set REHEARSAL_PORT_OFFSET"
done
mkdir -p "$dir/s3" "$dir/sim"
export CLAIMFLOW_S3_ENDPOINT=http://127.0.0.1:$s3port CLAIMFLOW_S3_ACCESS_KEY=rehearsal CLAIMFLOW_S3_SECRET_KEY=rehearsal-secret
versitygw=$(tool versitygw)
start_s3() { # start_s3: (re)start the S3 archive server
  spawn s3 "$versitygw" --access rehearsal --secret rehearsal-secret --port "127.0.0.1:$s3port" posix "$dir/s3"
  s3_pid=${pids[-1]}
}
start_s3
[ -f "$dir/sim/client_key" ] || ssh-keygen -q -t ed25519 -N "" -C claimflow-rehearsal -f "$dir/sim/client_key"
export CLAIMFLOW_SIM_PASSWORD=rehearsal-sim
read -r -a sim_faults <<<"${REHEARSAL_SIM_FAULTS:-}"
start_sim() { # start_sim: (re)start the clearinghouse simulator (its state stays in $dir/sim)
  spawn clearinghouse-sim "$claimflow_sim" -data "$dir/sim" -sftp "127.0.0.1:$simsftp" -http "127.0.0.1:$simhttp" \
    -user "claimflow=$dir/sim/client_key.pub:$CLAIMFLOW_SIM_PASSWORD" -rules sample -delay 2s -tick 200ms "${sim_faults[@]}"
  sim_pid=${pids[-1]}
}
start_sim
for port in "$s3port" "$simsftp"; do wait_port 127.0.0.1 "$port" 30 || fail "127.0.0.1:$port did not start; see $dir/*.log"; done
hostkey=$(sed -n 's/^host-key //p' "$dir/clearinghouse-sim.log" | tail -n 1)
[ -n "$hostkey" ] || fail "the simulator printed no host key"
cat >"$dir/clearinghouses.json" <<JSON
[{"id": "sim", "addr": "127.0.0.1:$simsftp", "user": "claimflow", "private_key_file": "$dir/sim/client_key",
  "host_key": "$hostkey", "outbound_dir": "/upload", "inbound_dir": "/download",
  "realtime": {"url": "http://127.0.0.1:$simhttp/core", "sender_id": "CLAIMFLOW", "receiver_id": "CLAIMFLOWSIM",
               "username": "claimflow", "password_env": "CLAIMFLOW_SIM_PASSWORD"}}]
JSON
export CLAIMFLOW_CLEARINGHOUSES=$dir/clearinghouses.json CLAIMFLOW_ISA_USAGE=T CLAIMFLOW_BATCH_EVERY=2s CLAIMFLOW_POLL_EVERY=1s
export CLAIMFLOW_SMTP_ADDR=127.0.0.1:1 # no mail in the rehearsal

log "applying migrations to $appdb"
"$claimflow" migrate up >>"$dir/migrate.log" 2>&1 || { tail -n 20 "$dir/migrate.log" >&2; fail "migrations failed"; }

worker_pid=()
start_worker() { # start_worker INDEX
  CLAIMFLOW_WORKER_HTTP_ADDR=127.0.0.1:${worker_ports[$1]} spawn "worker-$1" "$claimflow" worker
  worker_pid[$1]=${pids[-1]}
}
for ((i = 1; i <= nworkers; i++)); do start_worker "$i"; done
api_pid=()
start_api() { # start_api INDEX: (re)start API server 1 or 2
  CLAIMFLOW_HTTP_ADDR=127.0.0.1:${api_ports[$(($1 - 1))]} spawn "api-$1" "$claimflow" serve
  api_pid[$1]=${pids[-1]}
}
start_api 1
start_api 2
ready() { curl -fs -o /dev/null "http://127.0.0.1:$1/readyz"; }
for p in "${api_ports[@]}"; do
  for _ in $(seq 1 300); do ready "$p" && break; sleep 0.1; done
  ready "$p" || fail "API on 127.0.0.1:$p not ready; see $dir/api-*.log"
  curl -fs -o /dev/null "http://127.0.0.1:$p/healthz" || fail "API on 127.0.0.1:$p: /healthz failed"
done
# polling PID: wait until the worker with that PID polls the task queue, as
# the matching service sees it (a started worker may still be backing off
# while matching's namespace cache catches up).
polling() {
  local i
  for ((i = 0; i < 300; i++)); do
    "$temporal" task-queue describe --task-queue claimflow --namespace "$ns" --address "$frontend" -o json 2>/dev/null |
      jq -r '.. | .identity? // empty' | grep -q "^$1@" && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
for ((i = 1; i <= nworkers; i++)); do
  polling "${worker_pid[$i]}" || { tail -c 2000 "$dir/worker-$i.log" >&2; fail "worker $i (PID ${worker_pid[$i]}) is not polling"; }
  for _ in $(seq 1 100); do ready "${worker_ports[$i]}" && break; sleep 0.1; done
  ready "${worker_ports[$i]}" || fail "worker $i: /readyz on 127.0.0.1:${worker_ports[$i]} is not ready; see $dir/worker-$i.log"
done
log "$nworkers worker(s) polling (PIDs ${worker_pid[*]}) and 2 API servers (127.0.0.1:${api_ports[0]}, :${api_ports[1]}) ready"
if [ -n "${REHEARSAL_THEN:-}" ]; then
  log "handing over to $REHEARSAL_THEN"
  # shellcheck disable=SC1090
  source "$REHEARSAL_THEN"
  exit 0
fi

# --- drive work while a worker dies --------------------------------------------
# Wave A starts half the workflows, spread over the hold time, so that when
# worker 1 is killed with SIGKILL (no graceful shutdown) some of its
# workflows have completed and others are inside their hold activity. Those
# activities time out on their heartbeat (2 s) and are retried on worker 2;
# its sticky workflow tasks move to the normal queue. Worker 1 is then
# restarted and wave B starts the other half, which both workers share.
smoke_pids=()
smoke() { # smoke I: one smoke workflow, its report in $dir/smoke/I.json
  "$claimflow" smoke -hold "$hold" -timeout 5m -message "rehearsal $1" >"$dir/smoke/$1.json" 2>"$dir/smoke/$1.err" &
  smoke_pids+=($!)
  pids+=($!) names+=("smoke-$1")
}
since=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
sleep 1 # StartTime filter below has second resolution
td=$(date +%s.%N)
half=$((n / 2))
hold_s=$(awk -v h="${hold%s}" 'BEGIN {print h + 0}')
gap=$(awk -v h="$hold_s" -v n="$half" 'BEGIN {printf "%.3f", h / (n > 0 ? n : 1)}')
log "wave A: starting $half smoke workflows over ${hold_s}s (hold $hold each)"
for ((i = 1; i <= half; i++)); do
  smoke "$i"
  sleep "$gap"
done
# Kill worker 1 once it has finished at least one workflow and has at least
# two more in flight (their rows written, their smoke command still waiting).
killed=${worker_pid[1]}
reports() { cat "$dir"/smoke/*.json 2>/dev/null | jq -r ".Result.$1" 2>/dev/null || true; }
deadline=$((SECONDS + 20))
while [ $SECONDS -lt $deadline ]; do
  wrote=$(psql "${pg[@]}" -tAc "SELECT count(*) FROM smoke_runs WHERE written_by LIKE '%:$killed' AND created_at >= '$since'" "$appdb")
  finished=$(reports ReadBy | grep -c ":$killed\$" || true)
  written=$(reports WrittenBy | grep -c ":$killed\$" || true)
  [ "$finished" -ge 1 ] && [ $((wrote - written)) -ge 2 ] && break
  sleep 0.1
done
log "SIGKILL worker 1 (PID $killed) $(elapsed "$td") after wave A began: it finished $finished, has $((wrote - written)) in flight"
kill -KILL "$killed"
wait "$killed" 2>/dev/null || true
for p in "${api_ports[@]}"; do ready "$p" || fail "API on :$p not ready while a worker is down"; done
sleep 2
start_worker 1
polling "${worker_pid[1]}" || { tail -c 2000 "$dir/worker-1.log" >&2; fail "restarted worker 1 is not polling"; }
log "worker 1 restarted (PID ${worker_pid[1]}) and polling"
log "wave B: starting $((n - half)) smoke workflows"
for ((i = half + 1; i <= n; i++)); do smoke "$i"; done
failed=0
for p in "${smoke_pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
log "all $n smoke commands returned after $(elapsed "$td") ($failed failed)"
for p in "${api_ports[@]}"; do ready "$p" || fail "API on :$p not ready after the run"; done

# --- count --------------------------------------------------------------------
workers_of() { # workers_of FIELD: "host:pid count" per worker that ran that step
  cat "$dir"/smoke/*.json 2>/dev/null | jq -r ".Result.$1" | sort | uniq -c | awk '{print $2, $1}'
}
label() { # label HOST:PID: which worker process that was
  case ${1##*:} in
    "$killed") echo "worker 1 (killed, PID $killed)" ;;
    "${worker_pid[1]}") echo "worker 1 (restarted, PID ${worker_pid[1]})" ;;
    "${worker_pid[2]}") echo "worker 2 (PID ${worker_pid[2]})" ;;
    *) echo "unknown worker $1" ;;
  esac
}
reported=$(cat "$dir"/smoke/*.json 2>/dev/null | jq -r .WorkflowID | sort -u | wc -l)
q="WorkflowType = 'Smoke' AND StartTime >= '$since'"
count() { "$temporal" workflow count --namespace "$ns" --address "$frontend" --query "$1" -o json | jq -r .count; }
started=0 completed=0
for _ in $(seq 1 50); do # visibility is eventually consistent
  started=$(count "$q")
  completed=$(count "$q AND ExecutionStatus = 'Completed'")
  [ "$started" = "$n" ] && [ "$completed" = "$n" ] && break
  sleep 0.2
done
echo
echo "prod-rehearsal results (namespace $ns, Temporal v1.32.1 on Postgres, 4 history shards)"
echo "  workflows started:   $started (server visibility), $reported distinct reported by the $n smoke commands"
echo "  workflows completed: $completed"
echo "  final read (workflow completed) by:"
workers_of ReadBy | while read -r w c; do printf '    %-40s %s\n' "$(label "$w")" "$c"; done
echo "  first write by:"
workers_of WrittenBy | while read -r w c; do printf '    %-40s %s\n' "$(label "$w")" "$c"; done
in_flight=$(cat "$dir"/smoke/*.json | jq -r "select((.Result.WrittenBy | endswith(\":$killed\")) and (.Result.ReadBy | endswith(\":$killed\") | not)) | .WorkflowID" | wc -l)
echo "  in flight on the killed worker (write ran there) and finished by another: $in_flight"
echo

[ "$failed" = 0 ] || { cat "$dir"/smoke/*.err | sort | uniq -c | head >&2; fail "$failed smoke commands failed"; }
[ "$reported" = "$n" ] || fail "$reported distinct workflows reported, want $n"
[ "$started" = "$n" ] || fail "server counts $started started, want $n"
[ "$completed" = "$n" ] || fail "server counts $completed completed of $n: work was lost"
[ "$in_flight" -gt 0 ] || fail "no workflow that started on the killed worker finished elsewhere; the kill proved nothing"
ran_both=$(cat "$dir"/smoke/*.json | jq -r .Result.ReadBy | sed 's/.*://' | grep -cxE "${worker_pid[1]}|${worker_pid[2]}|$killed" || true)
per=$(cat "$dir"/smoke/*.json | jq -r .Result.ReadBy | sed 's/.*://' | sort -u | wc -l)
[ "$per" -ge 2 ] || fail "only one worker completed workflows"
[ "$ran_both" = "$n" ] || fail "workflows completed by workers this run did not start"
log "nothing lost: $completed of $started completed, on $per worker processes, with worker 1 killed mid-run"

# --- end-to-end tests against the same cluster -----------------------------------
# The tests find the cluster through the same variables the binary reads
# (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, CLAIMFLOW_TASK_QUEUE, DATABASE_URL,
# CLAIMFLOW_DATA_DIR for the shared key file, all exported above), the API
# servers through CLAIMFLOW_E2E_API_URLS, and may stop and start workers
# themselves with CLAIMFLOW_BIN (they must stop what they start).
e2e=${REHEARSAL_E2E_PKG:-./e2e}
if [ -d "$src/$e2e" ] && [ "${REHEARSAL_E2E:-1}" = 1 ]; then
  log "running $e2e against the cluster (-run ${REHEARSAL_E2E_RUN:-.})"
  te=$(date +%s.%N)
  (cd "$src" && CLAIMFLOW_E2E_API_URLS="http://127.0.0.1:${api_ports[0]},http://127.0.0.1:${api_ports[1]}" \
    CLAIMFLOW_E2E_WORKER_PIDS="${worker_pid[1]},${worker_pid[2]}" CLAIMFLOW_BIN=$claimflow \
    go test "$e2e" -count=1 -v -timeout 20m -run "${REHEARSAL_E2E_RUN:-.}") 2>&1 | tee "$dir/e2e.log"
  log "e2e passed in $(elapsed "$te")"
else
  log "no $e2e directory yet: the claim end-to-end step is skipped"
fi
# --- backup and restore drill -------------------------------------------------
# Back up the rehearsal's database, archive bucket and key file, restore them
# beside it and check the copy (scripts/backup-drill.sh; deploy/README.md,
# "Backup and restore"). REHEARSAL_BACKUP_DRILL=0 skips it.
if [ "${REHEARSAL_BACKUP_DRILL:-1}" = 1 ]; then
  log "backup and restore drill"
  tk=$(date +%s.%N)
  bash "$root/scripts/backup-drill.sh" "$claimflow" "$dir/backup-drill" 2>&1 | tee "$dir/backup-drill.log"
  log "backup drill passed in $(elapsed "$tk")"
fi
log "prod-rehearsal passed in $(elapsed "$t0")"
