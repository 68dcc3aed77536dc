#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests (idempotent).
#
#   scripts/postgres_up.sh            # prints postgresql://stage8@127.0.0.1:55432/stage8
#   URL=$(scripts/postgres_up.sh)     # progress goes to stderr, only the URL to stdout
#
# Environment:
#   STAGE8_PG_DIR   data directory of the cluster (default /tmp/stage8-pg)
#   STAGE8_PG_PORT  TCP port, listening on 127.0.0.1 only (default 55432)
#
# - installs the Debian package `postgresql` with apt-get when no initdb is found;
# - initdb and postgres refuse to run as root, so as root they run as the `postgres` user,
#   which owns the data directory (as any other user they run as that user);
# - trust authentication on localhost, unix socket inside the data directory, fsync off
#   (test speed only: never point this at data you want to keep);
# - creates the superuser role `stage8` (tests create databases) and the database `stage8`;
# - when a server already answers on the port it is left alone (the role and database are
#   still ensured when possible).
# Stop it with scripts/postgres_down.sh.
set -euo pipefail

PG_DIR="${STAGE8_PG_DIR:-/tmp/stage8-pg}"
PG_PORT="${STAGE8_PG_PORT:-55432}"
PG_HOST=127.0.0.1
URL="postgresql://stage8@${PG_HOST}:${PG_PORT}/stage8"

log() { printf 'postgres_up: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the PostgreSQL owner (from / so an unreadable cwd does not matter).
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

find_bindir() {
    # Prefer the major version that made an existing cluster, else the newest installed.
    local want="" dir
    if [ -f "$PG_DIR/PG_VERSION" ]; then
        want="$(cat "$PG_DIR/PG_VERSION")"
        if [ -x "/usr/lib/postgresql/$want/bin/initdb" ]; then
            printf '%s\n' "/usr/lib/postgresql/$want/bin"
            return 0
        fi
    fi
    dir="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
        sort -V | tail -n 1)"
    if [ -n "$dir" ]; then
        printf '%s\n' "${dir%/initdb}"
        return 0
    fi
    return 1
}

install_postgres() {
    is_root || die "PostgreSQL is not installed; run: sudo apt-get install postgresql"
    log "installing the Debian package postgresql (apt-get) ..."
    export DEBIAN_FRONTEND=noninteractive
    # Wait for another apt/dpkg run instead of failing on its lock.
    apt-get -o DPkg::Lock::Timeout=600 update -q >&2
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends postgresql >&2
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
    install_postgres
    BINDIR="$(find_bindir)" || die "initdb still missing after installing postgresql"
fi
if is_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (install the postgresql package)"
fi

ready() { "$BINDIR/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

psql_admin() {
    # Superuser connection over TCP (trust auth); -X ignores ~/.psqlrc, -w never prompts.
    "$BINDIR/psql" -X -q -w -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$1" -d postgres "${@:2}"
}

ensure_role_and_db() {
    local admin="$1"
    psql_admin "$admin" >/dev/null <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stage8') THEN
        CREATE ROLE stage8 LOGIN SUPERUSER;
    ELSE
        ALTER ROLE stage8 LOGIN SUPERUSER;
    END IF;
END
$$;
SELECT 'CREATE DATABASE stage8 OWNER stage8'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'stage8')\gexec
SQL
}

# Serialise concurrent callers (several test runs starting at once) on one lock per port.
LOCK_FILE="/tmp/stage8-pg-${PG_PORT}.lock"
exec 9>"$LOCK_FILE"
flock -w 300 9 || die "timed out waiting for $LOCK_FILE"

if ready; then
    log "a server already answers on ${PG_HOST}:${PG_PORT}; leaving it as it is"
    ensure_role_and_db postgres 2>/dev/null || ensure_role_and_db stage8 2>/dev/null ||
        log "warning: could not check role/database stage8 on the running server"
    printf '%s\n' "$URL"
    exit 0
fi

# --- create the cluster -------------------------------------------------------------------
if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    if [ -d "$PG_DIR" ] && [ -n "$(ls -A "$PG_DIR" 2>/dev/null)" ]; then
        die "$PG_DIR exists, is not empty and is not a PostgreSQL cluster; remove it or set STAGE8_PG_DIR"
    fi
    log "initdb in $PG_DIR ($BINDIR)"
    mkdir -p "$PG_DIR"
    if is_root; then
        chown postgres:postgres "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    as_pg "$BINDIR/initdb" -D "$PG_DIR" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=trust --no-sync >&2 9>&-
    # Our settings live in their own file, rewritten on every start.
    printf "\ninclude_if_exists = 'stage8.conf'\n" | as_pg tee -a "$PG_DIR/postgresql.conf" >/dev/null
fi

if is_root; then
    # A data dir left over from another run may be owned by root (e.g. copied); fix it.
    chown -R postgres:postgres "$PG_DIR"
fi

as_pg tee "$PG_DIR/stage8.conf" >/dev/null <<CONF
# Written by scripts/postgres_up.sh on every start: settings for a disposable test server.
listen_addresses = '${PG_HOST}'
port = ${PG_PORT}
unix_socket_directories = '${PG_DIR}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
log_min_messages = warning
CONF

# --- start ----------------------------------------------------------------------------------
log "starting PostgreSQL on ${PG_HOST}:${PG_PORT} (log: $PG_DIR/server.log)"
# 9>&-: the server must not inherit the lock descriptor (it would hold the lock forever).
if ! as_pg "$BINDIR/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 start >&2 9>&-; then
    log "pg_ctl start failed; last lines of $PG_DIR/server.log:"
    tail -n 30 "$PG_DIR/server.log" >&2 || true
    exit 1
fi

for _ in $(seq 1 60); do
    ready && break
    sleep 0.5
done
ready || die "server did not become ready on ${PG_HOST}:${PG_PORT} (see $PG_DIR/server.log)"

ensure_role_and_db postgres
log "ready"
printf '%s\n' "$URL"
