#!/usr/bin/env bash
# Install the test OpenID Connect provider's packages (tests/oidc/node_modules) with `npm ci`,
# exactly as pinned in package-lock.json, when they are missing or the lock file changed since
# the last install (stamp file). Used by scripts/test.sh and .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
STAMP=node_modules/.stage8-lock.sha256
lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_hash)" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "oidc install: installing Debian nodejs and npm" >&2
        apt-get update -qq >&2 && apt-get install -y -qq nodejs npm >&2
    else
        echo "oidc install: npm not found; install Node.js 20+ with npm (the sign-in tests need it)" >&2
        exit 1
    fi
fi
echo "oidc install: npm ci in tests/oidc" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
lock_hash >"$STAMP"
