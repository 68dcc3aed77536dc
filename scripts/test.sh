#!/usr/bin/env bash
# The one command that sets everything up and runs the whole test suite:
#
#   bash scripts/test.sh                 # everything: unit, integration (SQLite + PostgreSQL), ui
#                                        # on two workers, then e2e (the browser) one at a time
#   bash scripts/test.sh tests/unit -x   # any pytest arguments are passed through (one process)
#
# It creates .venv (python3.11, else python3) and installs requirements-dev.txt when needed,
# installs Debian chromium for the browser smoke tests if missing (scripts/browser_deps.sh),
# starts the test PostgreSQL server (scripts/postgres_up.sh) unless STAGE8_TEST_DATABASE_URL
# is already set, and runs pytest. PostgreSQL tests fail instead of skipping
# (STAGE8_REQUIRE_POSTGRES=1); set STAGE8_REQUIRE_POSTGRES=0 to let them skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# --- virtual environment ------------------------------------------------------------------
# Reinstall only when the requirements files changed since the last install (stamp file).
req_hash() { cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1; }
STAMP=.venv/.stage8-requirements.sha256
if [ ! -x .venv/bin/python ]; then
    PY="$(command -v python3.11 || command -v python3 || true)"
    [ -n "$PY" ] || {
        echo "test.sh: python3.11 (or python3) not found" >&2
        exit 1
    }
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "test.sh: $PY is older than Python 3.11" >&2
        exit 1
    }
    echo "test.sh: creating .venv with $PY" >&2
    "$PY" -m venv .venv
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$(req_hash)" ]; then
    echo "test.sh: installing requirements-dev.txt into .venv" >&2
    .venv/bin/python -m pip install -q -r requirements-dev.txt >&2
    req_hash >"$STAMP"
fi

# --- services -----------------------------------------------------------------------------
bash scripts/browser_deps.sh
bash tests/oidc/install.sh # the test OpenID Connect provider (npm ci when the lock changed)
if [ -z "${STAGE8_TEST_DATABASE_URL:-}" ]; then
    STAGE8_TEST_DATABASE_URL="$(bash scripts/postgres_up.sh | tail -n 1)"
fi
export STAGE8_TEST_DATABASE_URL
export STAGE8_REQUIRE_POSTGRES="${STAGE8_REQUIRE_POSTGRES:-1}"
export STAGE8_CHROMIUM="${STAGE8_CHROMIUM:-/usr/bin/chromium}"
echo "test.sh: PostgreSQL at $STAGE8_TEST_DATABASE_URL, Chromium at $STAGE8_CHROMIUM" >&2

# Arguments naming tests (anything not starting with "-") run as given, in one process.
for arg in "$@"; do
    case "$arg" in
    -*) ;;
    *) exec .venv/bin/pytest -q -p no:cacheprovider "$@" ;;
    esac
done
# The whole suite in two passes (options such as --durations=15 go to both): the service,
# integration and AppTest tests on two workers (pytest-xdist; each worker has its own PostgreSQL
# database), then the browser tests one at a time (each drives a Streamlit server and Chromium,
# and measures layout and timing).
.venv/bin/pytest -q -p no:cacheprovider -n 2 "$@" tests/unit tests/integration tests/ui
exec .venv/bin/pytest -q -p no:cacheprovider "$@" tests/e2e
