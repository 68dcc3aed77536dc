#!/usr/bin/env bash
# Stop the test PostgreSQL server started by scripts/postgres_up.sh (data directory is kept;
# delete ${STAGE8_PG_DIR:-/tmp/stage8-pg} by hand for a fresh cluster).
set -euo pipefail

PG_DIR="${STAGE8_PG_DIR:-/tmp/stage8-pg}"

if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    echo "postgres_down: no cluster in $PG_DIR" >&2
    exit 0
fi
VERSION="$(cat "$PG_DIR/PG_VERSION")"
PG_CTL="/usr/lib/postgresql/$VERSION/bin/pg_ctl"
[ -x "$PG_CTL" ] || {
    echo "postgres_down: $PG_CTL not found" >&2
    exit 1
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

if ! as_pg "$PG_CTL" -D "$PG_DIR" status >/dev/null 2>&1; then
    echo "postgres_down: server in $PG_DIR is not running" >&2
    exit 0
fi
as_pg "$PG_CTL" -D "$PG_DIR" -m fast -w -t 60 stop >&2
echo "postgres_down: stopped the server in $PG_DIR" >&2
