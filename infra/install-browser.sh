#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (e2e-tests/browser) when it is missing; does nothing otherwise.
# The tests drive it with playwright-core: no browser is ever downloaded by npm.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi
SUDO=()
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { echo "install-browser: $CHROMIUM is missing and sudo is not available" >&2; exit 1; }
    SUDO=(sudo)
fi
echo "install-browser: installing chromium with apt-get" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq chromium
[[ -x "$CHROMIUM" ]] || { echo "install-browser: chromium installed but $CHROMIUM is not there" >&2; exit 1; }
