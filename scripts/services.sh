#!/usr/bin/env bash
# Starts the servers the store test suites talk to, on 127.0.0.1, and is safe to run again:
#   PostgreSQL on 5432 (trust auth, database `test`, user `postgres`)
#   Redis on 6379 (AOF on with appendfsync everysec, maxmemory-policy noeviction)
# Usage: scripts/services.sh [start|stop|status|restart-postgres|restart-redis]
# Servers live under $HOURGLASS_SERVICES_DIR (default /var/tmp/hourglass-services); nothing is downloaded
# except Debian's redis-server package when it is missing and we are root.
set -euo pipefail

DIR=${HOURGLASS_SERVICES_DIR:-/var/tmp/hourglass-services}
PGDATA_DIR="$DIR/pg"
REDIS_DIR="$DIR/redis"
PG_PORT=5432
REDIS_PORT=6379

log() { printf '[services] %s\n' "$*" >&2; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

pg_bin() {
  # initdb/pg_ctl may be on PATH or only under /usr/lib/postgresql/<v>/bin
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

pg_ready() { pg_isready -h 127.0.0.1 -p "$PG_PORT" -q 2>/dev/null; }
redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_postgres() {
  if pg_ready; then log "postgres already answers on $PG_PORT"; else
    local initdb pg_ctl
    initdb=$(pg_bin initdb); pg_ctl=$(pg_bin pg_ctl)
    [ -n "$initdb" ] || { log "initdb not found: install postgresql"; return 1; }
    mkdir -p "$DIR"; chmod 755 "$DIR"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
      mkdir -p "$PGDATA_DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
      as_postgres "'$initdb' -D '$PGDATA_DIR' -U postgres --auth=trust -E UTF8 >/dev/null"
    fi
    as_postgres "'$pg_ctl' -D '$PGDATA_DIR' -l '$PGDATA_DIR/server.log' -w -t 60 \
      -o \"-h 127.0.0.1 -p $PG_PORT -k /tmp -c max_connections=300 -c fsync=on\" start >/dev/null"
  fi
  for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
  pg_ready || { log "postgres did not answer on 127.0.0.1:$PG_PORT"; return 1; }
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE test"
  log "postgres ready on 127.0.0.1:$PG_PORT (database test)"
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing redis-server from Debian"
      (apt-get install -y -qq redis-server >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
    else
      log "redis-server is not installed"; return 1
    fi
  fi
  if redis_ready; then log "redis already answers on $REDIS_PORT"; else
    mkdir -p "$REDIS_DIR"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$REDIS_DIR" \
      --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
      --logfile "$REDIS_DIR/redis.log" --pidfile "$REDIS_DIR/redis.pid" --save ''
  fi
  for _ in $(seq 1 40); do redis_ready && break; sleep 0.25; done
  redis_ready || { log "redis did not answer on 127.0.0.1:$REDIS_PORT"; return 1; }
  log "redis ready on 127.0.0.1:$REDIS_PORT"
}

stop_postgres() { local pg_ctl; pg_ctl=$(pg_bin pg_ctl); [ -f "$PGDATA_DIR/PG_VERSION" ] && as_postgres "'$pg_ctl' -D '$PGDATA_DIR' -m fast stop >/dev/null" || true; }
stop_redis() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true; }

case "${1:-start}" in
  start) start_postgres; start_redis ;;
  stop) stop_postgres; stop_redis ;;
  status) pg_ready && log "postgres up" || log "postgres down"; redis_ready && log "redis up" || log "redis down" ;;
  restart-postgres) stop_postgres; start_postgres ;;
  restart-redis) stop_redis; start_redis ;;
  *) log "unknown command: $1"; exit 2 ;;
esac
