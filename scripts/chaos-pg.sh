#!/usr/bin/env bash
# The private Postgres server of make chaos and scripts/throughput.sh:
# a cluster of its own under CHAOS_PGDATA (.data/chaos-pg), made with the
# Debian PostgreSQL binaries, on 127.0.0.1:CHAOS_PG_PORT (21599), so a
# fault can restart it without touching a server other programs use.
#   chaos-pg.sh start | stop | status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pgport=${CHAOS_PG_PORT:-21599}
pgdata=${CHAOS_PGDATA:-$data/chaos-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ ! -x "$bin/pg_ctl" ]; then
  apt_install postgresql
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case ${1:-} in
start)
  if port_open 127.0.0.1 "$pgport"; then echo "chaos-pg: 127.0.0.1:$pgport already answers"; exit 0; fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "creating a private Postgres cluster in $pgdata"
    mkdir -p "$pgdata"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; fi
    chmod 700 "$pgdata"
    as "$bin/initdb" -D "$pgdata" -U postgres --auth=trust >/dev/null
    cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pgport
unix_socket_directories = '$pgdata'
max_connections = 400
CONF
  fi
  log "starting the private Postgres on 127.0.0.1:$pgport"
  as "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start >/dev/null
  ;;
stop) as "$bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null ;;
status) as "$bin/pg_ctl" -D "$pgdata" status ;;
*) echo "usage: chaos-pg.sh start|stop|status" >&2; exit 2 ;;
esac
