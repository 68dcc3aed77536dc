#!/usr/bin/env bash
# Install the browser for the e2e smoke tests: Debian's `chromium` at /usr/bin/chromium.
# Playwright drives it through executable_path; `playwright install` is never used (it
# downloads from the internet, which this environment does not have).
set -euo pipefail

CHROMIUM="${STAGE8_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "browser_deps: $CHROMIUM is missing; run: sudo apt-get install chromium" >&2
    exit 1
fi

echo "browser_deps: installing the Debian package chromium (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg run instead of failing on its lock.
apt-get -o DPkg::Lock::Timeout=600 update -q >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends chromium fonts-liberation >&2

if [ ! -x "$CHROMIUM" ]; then
    echo "browser_deps: $CHROMIUM still missing after installing chromium" >&2
    exit 1
fi
