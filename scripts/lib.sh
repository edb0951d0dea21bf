# Shared helpers for scripts/*.sh (sourced, not run).
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${CLAIMFLOW_DATA_DIR:-$root/.data}
export GOTOOLCHAIN=local

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  # apt_install PACKAGE... : install Debian packages that are missing.
  local missing=()
  # Installed, not merely known: a removed package keeps its
  # configuration and dpkg -s still succeeds for it.
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # One project run installs at a time (flock), and apt waits for another
  # program's dpkg lock instead of failing (two runs on a fresh machine,
  # make test beside .ci/run, failed with apt's exit status 100).
  $sudo flock /var/lock/claimflow-apt.lock apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo flock /var/lock/claimflow-apt.lock \
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
}

# wait_port HOST PORT SECONDS: wait until a TCP port accepts connections.
wait_port() {
  local host=$1 port=$2 secs=${3:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ensure_postgres: make sure a Postgres answers on 127.0.0.1:5432. Uses the
# machine's server when it runs; otherwise installs Debian's PostgreSQL when
# absent and starts a private cluster under .data/postgres (trust auth on
# loopback), as the postgres user because initdb refuses root.
ensure_postgres() {
  if port_open 127.0.0.1 5432; then return 0; fi
  apt_install postgresql postgresql-contrib
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local pgdata=$data/postgres
  mkdir -p "$data"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    as=(runuser -u postgres --)
    mkdir -p "$pgdata"
    chown postgres "$pgdata"
    chmod 700 "$pgdata"
  fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "creating a private Postgres cluster in $pgdata"
    "${as[@]}" "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust >/dev/null
  fi
  log "starting the private Postgres cluster on 127.0.0.1:5432"
  "${as[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=5432 -k /tmp" start >/dev/null
  wait_port 127.0.0.1 5432 30 || { echo "postgres did not start; see $pgdata/server.log" >&2; return 1; }
}

# tool NAME: path of a built tool (building it when missing).
tool() { "$root/tools/install.sh" "$1" | sed -n "s/^$1=//p"; }
