#!/usr/bin/env bash
# Starts or stops Redis and PostgreSQL on loopback for the tests (as root or as a user with runuser rights).
# Usage: scripts/servers.sh start|stop [STATE_DIR]   (default STATE_DIR: /tmp/swarmcluster-servers)
set -euo pipefail
cmd="${1:?start|stop}"; state="${2:-/tmp/swarmcluster-servers}"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
redis_port="${SWARM_TEST_REDIS_PORT:-6379}"; pg_port="${SWARM_TEST_PG_PORT:-5432}"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  mkdir -p "$state"
  if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$state/redis.pid" --logfile "$state/redis.log"
  fi
  if ! "$pgbin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; then
    data="$state/pg"
    if [ ! -s "$data/PG_VERSION" ]; then
      rm -rf "$data"; mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$state" "$data"
      as_pg "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/pg.log" -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
  fi
  for i in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  "$pgbin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q
  echo "servers: redis 127.0.0.1:$redis_port, postgresql 127.0.0.1:$pg_port"
  ;;
stop)
  redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  [ -d "$state/pg" ] && as_pg "$pgbin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null 2>&1 || true
  ;;
esac
