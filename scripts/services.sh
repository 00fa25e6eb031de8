#!/usr/bin/env bash
# Starts the servers the store test suites talk to, on 127.0.0.1, and is safe to run again:
#   PostgreSQL on 5432 (trust auth, database `test`, user `postgres`)
#   Redis on 6379 (AOF on with appendfsync everysec, maxmemory-policy noeviction)
#   PgBouncer on 6432 in front of that PostgreSQL: database `test_tx` in transaction pooling mode and
#   `test_session` in session pooling mode (Debian's pgbouncer, installed when missing and we are root)
#   a Redis Cluster of 3 masters on 7000-7002 (no replicas), and a Redis Sentinel setup: master 6380, replica
#   6381, sentinels on 26379 and 26380 (quorum 1) watching it as `hourglass` (both AOF on, noeviction)
# Usage: scripts/services.sh [start|stop|status|restart-postgres|restart-redis]
# Servers live under $HOURGLASS_SERVICES_DIR (default /var/tmp/hourglass-services); nothing is downloaded
# except Debian's redis-server package when it is missing and we are root.
set -euo pipefail

DIR=${HOURGLASS_SERVICES_DIR:-/var/tmp/hourglass-services}
PGDATA_DIR="$DIR/pg"
REDIS_DIR="$DIR/redis"
PG_PORT=5432
REDIS_PORT=6379
PGBOUNCER_PORT=6432
PGBOUNCER_DIR="$DIR/pgbouncer"
REDIS_CLUSTER_PORTS="7000 7001 7002"
REDIS_SENTINEL_DATA_PORTS="6380 6381"
REDIS_SENTINEL_PORTS="26379 26380"

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

pgbouncer_ready() { pg_isready -h 127.0.0.1 -p "$PGBOUNCER_PORT" -d test_tx -q 2>/dev/null; }

start_pgbouncer() {
  if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing pgbouncer from Debian"
      (apt-get install -y -qq pgbouncer >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null)
    else
      log "pgbouncer is not installed"; return 1
    fi
  fi
  local bin; bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  if pgbouncer_ready; then log "pgbouncer already answers on $PGBOUNCER_PORT"; else
    mkdir -p "$PGBOUNCER_DIR"
    # Both pools reach the test database as postgres (trust). Transaction pooling is what most deployments
    # run and what the store must survive: no startup `options`, no named prepared statements, no LISTEN.
    cat > "$PGBOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
test_tx = host=127.0.0.1 port=$PG_PORT dbname=test user=postgres pool_mode=transaction
test_session = host=127.0.0.1 port=$PG_PORT dbname=test user=postgres pool_mode=session
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = any
default_pool_size = 20
max_client_conn = 500
logfile = $PGBOUNCER_DIR/pgbouncer.log
pidfile = $PGBOUNCER_DIR/pgbouncer.pid
INI
    [ "$(id -u)" = 0 ] && chown -R postgres "$PGBOUNCER_DIR"
    # PgBouncer refuses to run as root.
    as_postgres "'$bin' -d '$PGBOUNCER_DIR/pgbouncer.ini'"
  fi
  for _ in $(seq 1 40); do pgbouncer_ready && break; sleep 0.25; done
  pgbouncer_ready || { log "pgbouncer did not answer on 127.0.0.1:$PGBOUNCER_PORT"; return 1; }
  log "pgbouncer ready on 127.0.0.1:$PGBOUNCER_PORT (test_tx: transaction pooling, test_session: session pooling)"
}

# --- Redis Cluster (3 masters) and Redis Sentinel (master, replica, two sentinels): issue 11 -----------------

redis_port_ready() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }
redis_cluster_ready() {
  local port
  for port in $REDIS_CLUSTER_PORTS; do
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || return 1
  done
}
redis_sentinel_ready() {
  local port
  for port in $REDIS_SENTINEL_PORTS; do
    redis-cli -h 127.0.0.1 -p "$port" sentinel get-master-addr-by-name hourglass 2>/dev/null | grep -q 127.0.0.1 || return 1
  done
}

# One data server of the cluster or the sentinel setup, as the shared Redis runs (AOF everysec, noeviction).
start_redis_node() {
  local port=$1 dir=$2; shift 2
  if redis_port_ready "$port"; then return 0; fi
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$dir" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction --save '' \
    --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" "$@"
  for _ in $(seq 1 40); do redis_port_ready "$port" && return 0; sleep 0.25; done
  log "redis did not answer on 127.0.0.1:$port"; return 1
}

start_redis_cluster() {
  local port nodes=""
  for port in $REDIS_CLUSTER_PORTS; do
    start_redis_node "$port" "$DIR/redis-cluster/$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 5000
    nodes="$nodes 127.0.0.1:$port"
  done
  if redis_cluster_ready; then log "redis cluster already answers on ${REDIS_CLUSTER_PORTS// /, }"; return 0; fi
  # Nodes that restarted with their nodes.conf rejoin by themselves; only a cluster never formed (or left half
  # formed by an interrupted run) is reset and created again. Its data is test data.
  for _ in $(seq 1 20); do redis_cluster_ready && break; sleep 0.25; done
  if ! redis_cluster_ready; then
    for port in $REDIS_CLUSTER_PORTS; do
      redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null 2>&1 || true
      redis-cli -h 127.0.0.1 -p "$port" cluster reset hard >/dev/null
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $nodes --cluster-yes >/dev/null
  fi
  for _ in $(seq 1 80); do redis_cluster_ready && break; sleep 0.25; done
  redis_cluster_ready || { log "redis cluster did not reach cluster_state:ok on ${REDIS_CLUSTER_PORTS// /, }"; return 1; }
  log "redis cluster ready on 127.0.0.1:${REDIS_CLUSTER_PORTS// /, } (3 masters)"
}

start_redis_sentinel() {
  local master=${REDIS_SENTINEL_DATA_PORTS%% *} replica=${REDIS_SENTINEL_DATA_PORTS##* } port
  # After a failover the sentinels' files name the other node as master (they rewrite them): a restart brings
  # that one up as master and the other as its replica, so no restart undoes a failover or forks the data.
  local conf="$DIR/redis-sentinel/s${REDIS_SENTINEL_PORTS%% *}/sentinel.conf"
  if [ -f "$conf" ] && [ "$(awk '$1 == "sentinel" && $2 == "monitor" && $3 == "hourglass" { print $5 }' "$conf")" = "$replica" ]; then
    replica=$master; master=${REDIS_SENTINEL_DATA_PORTS##* }
  fi
  start_redis_node "$master" "$DIR/redis-sentinel/$master"
  start_redis_node "$replica" "$DIR/redis-sentinel/$replica" --replicaof 127.0.0.1 "$master"
  local bin; bin=$(command -v redis-sentinel || true)
  for port in $REDIS_SENTINEL_PORTS; do
    redis_port_ready "$port" && continue
    local dir="$DIR/redis-sentinel/s$port"
    mkdir -p "$dir"
    # A sentinel rewrites its own file (the current master, the other sentinel): written only the first time.
    [ -f "$dir/sentinel.conf" ] || cat > "$dir/sentinel.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
sentinel monitor hourglass 127.0.0.1 $master 1
sentinel down-after-milliseconds hourglass 2000
sentinel failover-timeout hourglass 10000
sentinel parallel-syncs hourglass 1
CONF
    if [ -n "$bin" ]; then
      "$bin" "$dir/sentinel.conf" --daemonize yes --logfile "$dir/sentinel.log" --pidfile "$dir/sentinel.pid"
    else
      redis-server "$dir/sentinel.conf" --sentinel --daemonize yes --logfile "$dir/sentinel.log" --pidfile "$dir/sentinel.pid"
    fi
  done
  for _ in $(seq 1 40); do redis_sentinel_ready && break; sleep 0.25; done
  redis_sentinel_ready || { log "redis sentinel did not answer on ${REDIS_SENTINEL_PORTS// /, }"; return 1; }
  log "redis sentinel ready: master hourglass on 127.0.0.1:$master/$replica, sentinels on ${REDIS_SENTINEL_PORTS// /, }"
}

stop_redis_cluster() { local port; for port in $REDIS_CLUSTER_PORTS; do redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true; done; }
stop_redis_sentinel() {
  local port
  for port in $REDIS_SENTINEL_PORTS $REDIS_SENTINEL_DATA_PORTS; do redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true; done
}

# promtool (Debian's prometheus package) checks the /metrics page in the tests; not a server, just a tool.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing promtool (Debian's prometheus package)"
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1) \
      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null)
    # The package starts a Prometheus server we do not need.
    (systemctl stop prometheus prometheus-node-exporter 2>/dev/null; pkill -x prometheus 2>/dev/null) || true
  fi
  command -v promtool >/dev/null 2>&1 || { log "promtool is not installed"; return 1; }
}

stop_pgbouncer() { [ -f "$PGBOUNCER_DIR/pgbouncer.pid" ] && kill "$(cat "$PGBOUNCER_DIR/pgbouncer.pid")" 2>/dev/null || true; }

stop_postgres() { local pg_ctl; pg_ctl=$(pg_bin pg_ctl); [ -f "$PGDATA_DIR/PG_VERSION" ] && as_postgres "'$pg_ctl' -D '$PGDATA_DIR' -m fast stop >/dev/null" || true; }
stop_redis() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true; }

case "${1:-start}" in
  start) ensure_promtool; start_postgres; start_redis; start_pgbouncer; start_redis_cluster; start_redis_sentinel ;;
  stop) stop_pgbouncer; stop_postgres; stop_redis; stop_redis_cluster; stop_redis_sentinel ;;
  status) pg_ready && log "postgres up" || log "postgres down"; redis_ready && log "redis up" || log "redis down"
    pgbouncer_ready && log "pgbouncer up" || log "pgbouncer down"
    redis_cluster_ready && log "redis cluster up" || log "redis cluster down"
    redis_sentinel_ready && log "redis sentinel up" || log "redis sentinel down" ;;
  restart-postgres) stop_postgres; start_postgres ;;
  restart-redis) stop_redis; start_redis ;;
  *) log "unknown command: $1"; exit 2 ;;
esac
