#!/usr/bin/env bash
# The browser tests of the dashboard's web UI against a running lab:
#   LAB_URL=http://127.0.0.1:18080 e2e-tests/browser/run.sh
# Installs chromium if missing (infra/install-browser.sh), installs the test's npm packages (npm ci), runs
# `node --test`. Screenshots of each page land in docs/screenshots/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/../../infra/install-browser.sh"
cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error
export LAB_URL="${LAB_URL:-http://127.0.0.1:18080}"
exec node --test --test-concurrency=1 test/
