#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, on 127.0.0.1 only, with
# trust authentication: `scripts/pg.sh start` prints its URL, `stop` ends it.
set -euo pipefail
dir="${SPORTELLO_PG_DIR:-/tmp/sportello-pg}"
port="${SPORTELLO_PG_PORT:-55432}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed: run scripts/deps.sh" >&2; exit 1; }

# PostgreSQL refuses to run as root: root runs it as the postgres user.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-start}" in
start)
    if ! as_owner "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
        rm -rf "$dir" && mkdir -p "$dir"
        [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
        as_owner "'$bin/initdb' -D '$dir' -U sportello --auth=trust -E UTF8 --no-sync" >/dev/null
        as_owner "'$bin/pg_ctl' -D '$dir' -w -l '$dir/server.log' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start" >/dev/null
    fi
    echo "postgres://sportello@127.0.0.1:$port/postgres"
    ;;
stop)
    as_owner "'$bin/pg_ctl' -D '$dir' -m fast stop" >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
