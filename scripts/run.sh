#!/usr/bin/env bash
# make run: install what is missing, start every local service claimflow
# needs, apply migrations, then run the API and the worker. Ctrl-C stops
# everything this script started (by PID); data stays in .data/ for the next
# start.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
mkdir -p "$data/logs" "$data/s3" bin

pids=()
names=()
addrs=()
# cleanup stops what this script started, newest first; whatever has not
# exited 10 s after SIGTERM gets SIGKILL, and a port that still answers
# afterwards is reported (issue 16: stripe-mock was left on 12111).
cleanup() {
  trap - INT TERM EXIT
  log "stopping ${names[*]:-nothing}"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "${names[$i]} did not stop on SIGTERM; killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for i in "${!addrs[@]}"; do
    [ -n "${addrs[$i]}" ] || continue
    if port_open ${addrs[$i]}; then echo "${names[$i]}: something still answers on ${addrs[$i]/ /:}" >&2; fi
  done
}
trap cleanup INT TERM EXIT

# start NAME HOST PORT COMMAND...: start a service in the background unless
# something already answers on its port.
start() {
  local name=$1 host=$2 port=$3
  shift 3
  if port_open "$host" "$port"; then
    log "$name: already answering on $host:$port, using it"
    return 0
  fi
  "$@" >"$data/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  addrs+=("$host $port")
  if ! wait_port "$host" "$port" 60; then
    echo "$name did not start; last lines of $data/logs/$name.log:" >&2
    tail -n 20 "$data/logs/$name.log" >&2
    exit 1
  fi
}

log "checking Postgres"
ensure_postgres
log "building tools (cached by version)"
"$root/tools/install.sh" temporal temporal-ui versitygw mailpit stripe-mock >/dev/null
log "building the dashboard (cached)"
bash "$root/web/build.sh"
log "building claimflow"
go build -o bin/claimflow ./cmd/claimflow

# The dev server runs without its embedded Web UI (--headless): that one
# cannot sign in. The Temporal UI server (tools/temporal-ui) starts below,
# once claimflow (its OpenID Connect provider) answers.
sa=()
for a in ClaimStatus=Keyword ClaimPayer=Keyword ClaimAmount=Double ClaimID=Keyword; do sa+=(--search-attribute "$a"); done
start temporal 127.0.0.1 7233 "$(tool temporal)" server start-dev --ip 127.0.0.1 \
  --port 7233 --headless --db-filename "$data/temporal.db" \
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
  --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
  --log-level warn "${sa[@]}"
start s3 127.0.0.1 7070 "$(tool versitygw)" --access "${CLAIMFLOW_S3_ACCESS_KEY:-claimflow}" \
  --secret "${CLAIMFLOW_S3_SECRET_KEY:-claimflow-dev-secret}" --port 127.0.0.1:7070 posix "$data/s3"
start mailpit 127.0.0.1 1025 "$(tool mailpit)" --smtp 127.0.0.1:1025 --listen 127.0.0.1:8025 \
  --disable-version-check --database "$data/mailpit.db"
start stripe-mock 127.0.0.1 12111 "$(tool stripe-mock)" -http-addr 127.0.0.1:12111 -https-addr 127.0.0.1:0

# The clearinghouse simulator (SFTP + CORE real time) with its adjudicating
# payer, and claimflow's partner configuration pointing at it: a client key
# made once, the simulator's host key pinned.
sim=$data/clearinghouse-sim
mkdir -p "$sim"
command -v ssh-keygen >/dev/null || apt_install openssh-client
[ -f "$sim/client_key" ] || ssh-keygen -q -t ed25519 -N "" -C claimflow-local -f "$sim/client_key"
export CLAIMFLOW_SIM_PASSWORD=${CLAIMFLOW_SIM_PASSWORD:-claimflow-local-sim}
start clearinghouse-sim 127.0.0.1 2222 bin/claimflow clearinghouse-sim -data "$sim" -sftp 127.0.0.1:2222 -http 127.0.0.1:8090 \
  -user "claimflow=$sim/client_key.pub:$CLAIMFLOW_SIM_PASSWORD" -rules sample -delay "${CLAIMFLOW_SIM_DELAY:-30s}"
hostkey=$(sed -n 's/^host-key //p' "$data/logs/clearinghouse-sim.log" | tail -n 1)
if [ -z "$hostkey" ]; then echo "the simulator did not print its host key; see $data/logs/clearinghouse-sim.log" >&2; exit 1; fi
cat >"$data/clearinghouses.json" <<JSON
[{"id": "sim", "addr": "127.0.0.1:2222", "user": "claimflow", "private_key_file": "$sim/client_key",
  "host_key": "$hostkey", "outbound_dir": "/upload", "inbound_dir": "/download",
  "realtime": {"url": "http://127.0.0.1:8090/core", "sender_id": "CLAIMFLOW", "receiver_id": "CLAIMFLOWSIM",
               "username": "claimflow", "password_env": "CLAIMFLOW_SIM_PASSWORD"}}]
JSON
export CLAIMFLOW_CLEARINGHOUSES=${CLAIMFLOW_CLEARINGHOUSES:-$data/clearinghouses.json}
export CLAIMFLOW_ISA_USAGE=${CLAIMFLOW_ISA_USAGE:-T}
export CLAIMFLOW_BATCH_EVERY=${CLAIMFLOW_BATCH_EVERY:-1m}
export CLAIMFLOW_POLL_EVERY=${CLAIMFLOW_POLL_EVERY:-20s}

# claimflow is the Temporal UI's identity provider: the UI server is its
# OpenID Connect client (a secret made once in .data), and the UI sends the
# engineer's access token to the codec endpoint, which it does only over
# https: claimflow also serves its API with TLS on 8443 (a self-signed
# certificate made once in .data/tls).
addr=${CLAIMFLOW_HTTP_ADDR:-127.0.0.1:8080}
export CLAIMFLOW_HTTPS_ADDR=${CLAIMFLOW_HTTPS_ADDR:-127.0.0.1:8443}
export TEMPORAL_UI_URL=${TEMPORAL_UI_URL:-http://127.0.0.1:8233}
if [ -z "${TEMPORAL_UI_OIDC_CLIENT_SECRET:-}" ]; then
  [ -s "$data/temporal-ui-client-secret" ] || (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$data/temporal-ui-client-secret")
  TEMPORAL_UI_OIDC_CLIENT_SECRET=$(cat "$data/temporal-ui-client-secret")
fi
export TEMPORAL_UI_OIDC_CLIENT_SECRET

export CLAIMFLOW_DATA_DIR=$data
log "applying migrations"
bin/claimflow migrate up
bin/claimflow dev 2> >(tee -a "$data/logs/claimflow.log" >&2) &
pids+=($!)
names+=(claimflow)
addrs+=("")
claimflow_pid=${pids[-1]}
for _ in $(seq 1 300); do
  curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
  kill -0 "$claimflow_pid" 2>/dev/null || { echo "claimflow exited; see $data/logs/claimflow.log" >&2; exit 1; }
  sleep 0.1
done

# The Temporal UI server, configured as the official image is (its
# docker.yaml and TEMPORAL_* variables; deploy/temporal/helm-values.yaml sets
# the same), with claimflow as its OpenID Connect provider.
ui_port=${TEMPORAL_UI_URL##*:}
ui_bin=$(tool temporal-ui)
start temporal-ui 127.0.0.1 "$ui_port" env \
  TEMPORAL_ADDRESS=127.0.0.1:7233 TEMPORAL_UI_PORT="$ui_port" \
  TEMPORAL_AUTH_ENABLED=true TEMPORAL_AUTH_PROVIDER_URL="http://$addr/oidc" \
  TEMPORAL_AUTH_CLIENT_ID=temporal-ui TEMPORAL_AUTH_CLIENT_SECRET="$TEMPORAL_UI_OIDC_CLIENT_SECRET" \
  TEMPORAL_AUTH_CALLBACK_URL="$TEMPORAL_UI_URL/auth/sso/callback" TEMPORAL_AUTH_SCOPES=openid,profile \
  TEMPORAL_CODEC_ENDPOINT="https://$CLAIMFLOW_HTTPS_ADDR/codec" TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true \
  TEMPORAL_CORS_ORIGINS="$TEMPORAL_UI_URL" TEMPORAL_CSRF_COOKIE_INSECURE=true TEMPORAL_NOTIFY_ON_NEW_VERSION=false \
  "$ui_bin" --root "$(dirname "$ui_bin")" --config config --env docker start
cat <<URLS

claimflow is ready.
  API            http://$addr            (/healthz /readyz /metrics)
  Temporal UI    $TEMPORAL_UI_URL        (sign in with your claimflow login, password and TOTP)
  codec (https)  https://$CLAIMFLOW_HTTPS_ADDR/codec  (self-signed: open https://$CLAIMFLOW_HTTPS_ADDR/healthz once and accept it,
                 or the UI shows payloads encoded)
  Temporal gRPC  127.0.0.1:7233
  S3 archive     http://127.0.0.1:7070        (versitygw, data in .data/s3)
  Mailpit        http://127.0.0.1:8025        (SMTP 127.0.0.1:1025)
  stripe-mock    http://127.0.0.1:12111
  Clearinghouse  sftp://127.0.0.1:2222 and http://127.0.0.1:8090/core (simulator, sample payer rules)
  Postgres       ${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/claimflow}
Logs in .data/logs. Press Ctrl-C to stop.
URLS
wait "$claimflow_pid"
